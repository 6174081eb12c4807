"""Why the search heads' last layer is padded with zero outputs (actor/planning_model.py, PAD_OUTPUTS).

    python benchmarks/padded_outputs.py [--rows 8192] [--repeats 60]

One torch thread. For the shipped search heads (planning_heads.pt beside the checkpoint) on the rows a
plan scores (N = 512 samples x H = 16 steps), in float32 and bfloat16, interleaved so a busy machine
slows both alike: the last layer cut to the outputs the planner reads, against the same layer padded
with zero outputs to a multiple of PAD_OUTPUTS; p50 / p99 ms and the ratio, and whether the kept
outputs are bit for bit the same. Then the whole default planning path, padded against unpadded
(plans compared action for action).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from lecun_agent.actor import PlannerConfig, planning_model
from lecun_agent.actor.actor import ActorSettings, feature_heads, search_dynamics
from lecun_agent.actor.planner import Planner
from lecun_agent.actor.presets import DEFAULT_PATH, planning_path
from lecun_agent.bench.planner import GOAL, LAST, POSE, pct
from lecun_agent.cost.total import IntrinsicCost
from lecun_agent.heap import keep_freed_memory
from lecun_agent.world_model.checkpoint import load_checkpoint


def unpadded(model, path: str, heads, dynamics):
    """The same planning model built without the padding (PAD_OUTPUTS 1 while it is made)."""
    pad = planning_model.PAD_OUTPUTS
    planning_model.PAD_OUTPUTS = 1
    try:
        return planning_path(model, path, feature_heads=heads, search_dynamics=dynamics)[0]
    finally:
        planning_model.PAD_OUTPUTS = pad


def ms(times: list[float]) -> str:
    return f"p50 {pct(times, 50) * 1e3:.2f} p99 {pct(times, 99) * 1e3:.2f} ms"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=512 * 16)
    p.add_argument("--repeats", type=int, default=60)
    args = p.parse_args()
    torch.set_num_threads(1)
    keep_freed_memory()
    model = load_checkpoint(None)[0]
    heads = feature_heads(ActorSettings(), "", model)
    if heads is None:
        raise SystemExit("no search heads beside the checkpoint (lecun-agent distill-heads writes them)")
    dynamics = search_dynamics(ActorSettings(), "", model)
    x = torch.randn(args.rows, model.cfg.latent_dim, generator=torch.Generator().manual_seed(0))
    print(f"padding to a multiple of {planning_model.PAD_OUTPUTS}; {args.rows} rows; torch {torch.__version__}, "
          "one thread")
    for path in (DEFAULT_PATH, "member"):
        pm, over = planning_path(model, path, feature_heads=heads, search_dynamics=dynamics)
        plain = unpadded(model, path, heads, dynamics)
        last_padded, last_plain = pm._search_heads[-1], plain._search_heads[-1]
        hidden = pm._search_heads[:-1](x.to(pm.dtype))
        same = torch.equal(last_padded(hidden)[:, : pm._search_outputs], last_plain(hidden))
        t_pad, t_plain = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            last_padded(hidden)
            t1 = time.perf_counter()
            last_plain(hidden)
            t_plain.append(time.perf_counter() - t1)
            t_pad.append(t1 - t0)
        print(f"{path} ({pm.dtype}), last layer {last_plain.out_features} -> {last_padded.out_features} outputs: "
              f"padded {ms(t_pad)}, unpadded {ms(t_plain)}, ratio {np.median(t_pad) / np.median(t_plain):.3f}, "
              f"kept outputs identical: {same}")
        planners = [Planner(m, IntrinsicCost(), PlannerConfig(samples=512, horizon=16, **over)) for m in (pm, plain)]
        s0 = torch.randn(model.cfg.latent_dim, generator=torch.Generator().manual_seed(1))
        times, identical = ([], []), True
        for i in range(5 + args.repeats // 2):
            results = []
            for planner, spent in zip(planners, times, strict=True):
                t0 = time.perf_counter()
                results.append(planner.plan(s0, POSE, GOAL, LAST, seed=i))
                if i >= 5:
                    spent.append(time.perf_counter() - t0)
            identical &= torch.equal(results[0].actions, results[1].actions)
        print(f"{path} plan (N 512, H 16): padded {ms(times[0])}, unpadded {ms(times[1])}, "
              f"ratio {np.median(times[0]) / np.median(times[1]):.3f}, plans identical: {identical}")


if __name__ == "__main__":
    main()
