"""Which walking speed does the planner's energy term favour, and which does the sim reward?

Run: scripts/with_venv.sh python benchmarks/speed_pricing.py [--seeds 0 2 4 6] [--checkpoint DIR] [--every 3]
        [--energy 0.005 0.01 0.02 0.04] [--set planner.discount=0.98 ...]
Runs the full agent on in-process goal episodes (by default free-line seeds of the eval: nothing in
the way), keeps its latents, then prices constant forward commands (vy = wz = 0) from every
`--every`-th kept tick the way the search prices its samples (`rollout` on the planner's fast path
and heads, then `PlanScorer`). It prints, per commanded speed, mean over the ticks:
- the predicted power (the energy term's raw input, W, mean over the horizon), the predicted
  distance over the horizon and their ratio in J/m;
- the plan cost at each `--energy` weight, and which speed each weight makes cheapest;
then the sim's power, speed and J/m under the same commands on open ground (`walking_at_speeds`).
"""

from __future__ import annotations

import argparse
import logging

import numpy as np
import torch

from lecun_agent.actor.rollout import rollout
from lecun_agent.episodes.actor_agent import run_actor_episodes
from lecun_agent.episodes.cost_in_sim import walking_at_speeds
from lecun_agent.heap import keep_freed_memory
from lecun_agent.stack.eval_actor import eval_actor

try:
    from actor_in_process import parameter_value
except ImportError:  # run as a module
    from benchmarks.actor_in_process import parameter_value

SPEEDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)  # the gait's forward range


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 2, 4, 6])
    parser.add_argument("--checkpoint", default="")
    parser.add_argument("--every", type=int, default=3, help="price every n-th tick")
    parser.add_argument("--energy", type=float, nargs="*", default=[0.005, 0.01, 0.02, 0.04])
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE", help="actor_node parameters")
    args = parser.parse_args()
    torch.set_num_threads(1)
    keep_freed_memory()
    actor = eval_actor("full", args.checkpoint, {k: parameter_value(v) for k, v in (i.split("=", 1) for i in args.set)})
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ticks = []
    run_actor_episodes(actor, args.seeds, lambda obs, latent, r: ticks.append(
        (latent.clone(), torch.as_tensor(obs.odom[:3], dtype=torch.float32),
         torch.as_tensor(obs.goal, dtype=torch.float32))))
    planner = actor.planner
    planner.memory.clear()
    planner.seen.clear()
    cfg, scorer = planner.cfg, planner.scorer
    commands = torch.zeros(len(SPEEDS), cfg.horizon, cfg.action_dim)
    commands[:, :, 0] = torch.tensor(SPEEDS)[:, None]
    default_energy = scorer.cost.weights["energy"]
    power, metres, cost = [], [], {w: [] for w in args.energy}
    kept = ticks[:: args.every]
    for latent, pose, goal in kept:
        roll = rollout(planner.model, latent, commands, mode=planner.sample_mode, head_stride=cfg.head_stride)
        for w in args.energy:
            scorer.cost.set_weights({"energy": w})
            scored = scorer.score(roll.feats, roll.value, pose, goal)
            cost[w].append(scored.total)
        power.append(scored.data.raw["energy"].mean(-1))
        metres.append(torch.linalg.vector_norm(scored.position[:, -1] - pose[:2], dim=-1))
    scorer.cost.set_weights({"energy": default_energy})
    power_w, dist_m = torch.stack(power).mean(0), torch.stack(metres).mean(0)
    cost = {w: torch.stack(per_tick) for w, per_tick in cost.items()}  # (ticks, speeds)
    seconds = cfg.horizon * planner.model.dt
    print(f"\npredicted, mean over {len(kept)} ticks, {seconds:.1f} s horizon (the search's fast path and heads):")
    print("  vx cmd   power W   distance m    J/m   " + "  ".join(f"cost@{w:g}" for w in args.energy))
    for i, speed in enumerate(SPEEDS):
        per_m = float(power_w[i]) * seconds / float(dist_m[i]) if float(dist_m[i]) > 0.02 else float("nan")
        costs = "  ".join(f"{float(cost[w][:, i].mean()):9.2f}" for w in args.energy)
        print(f"  {speed:5.1f}   {float(power_w[i]):7.1f}   {float(dist_m[i]):10.2f}   {per_m:5.0f}   {costs}")
    for w in args.energy:
        best = cost[w].argmin(1)  # (ticks,) cheapest constant speed per tick
        shares = np.bincount(best.numpy(), minlength=len(SPEEDS)) / len(best)
        print(f"  energy weight {w:g}: cheapest speed per tick " +
              ", ".join(f"{s:.1f}: {share:.2f}" for s, share in zip(SPEEDS, shares, strict=True) if share > 0))
    print("measured on open ground (the sim, 3 s after 1 s settling):")
    print("  vx cmd   power W   speed m/s    J/m")
    for speed, (watts, metres_s) in walking_at_speeds(SPEEDS).items():
        per_m = watts / metres_s if metres_s > 0.02 else float("nan")
        print(f"  {speed:5.1f}   {watts:7.1f}   {metres_s:9.3f}   {per_m:5.0f}")


if __name__ == "__main__":
    main()
