"""Planner speed on one torch thread: p50/p99 per replanning, FLOPs, and the machine's matmul limit.

    python benchmarks/bench_planner.py [--quick] [--heads FILE|none] [--dynamics FILE|none] [--json FILE]

Everything is measured in the same run, interleaved round-robin so a busy machine slows every
option alike (Option and interleave are lecun_agent/bench/planner.py's, the `planner` part of
`lecun-agent bench`, which sets the planner against pytorch-mppi and TorchRL), and printed as
distributions (p50/p99 over repeats) and ratios:
  paths    every planning path (actor/presets.py) at N=512, H=16 on the shipped checkpoint with the
           world model's feature heads, the default path with the search heads the actor loads
           (planning_heads.pt, actor/feature_heads.py), and that with the feature heads on every
           2nd / 4th sampled step (head_stride), and, when there are search dynamics
           (planning_dynamics.pt, actor/search_dynamics.py), the default path with both (and, where it runs
           them with oneDNN's fused linear+ReLU, that under torch.no_grad instead of the inference mode
           Planner.plan enters, and without the fusion: actor/fused_mlp.py), and the float32
           `member` path with both (what `auto` plans with on a CPU without bf16 matmuls):
           ms per replanning, its phases, matmul GFLOP per plan, achieved GFLOP/s, and the
           matmul limit of exactly those shapes (each shape timed alone, same dtype, one thread)
  rollout  today's open-loop rollout (WorldModel.rollout + cost_heads) at the same N and H
  plain    one MPPI iteration that loops over samples (actor/plain.py), same model and cost
  mode1    the mode-1 policy, one state (what a fallback costs) and a batch of N
  grid     the chosen path (default: the actor's, search heads included) over N x H
  sizes    random-weight world models: latent {32, 64} x hidden {128, 256} x members {1, 2, 4},
           paths "ensemble" (every member for every sample) and "member" / "member-bf16"
  tail     (only when named) where the p99 comes from: the default path planned 300 times back to back;
           the slowest 1 % with each phase's time against that phase's median, whether a garbage
           collection ran inside them, and the longest run of consecutive plans 1.3x the median or more
           (a slow spell of the machine slows every phase alike and lasts several plans)
  compile  (only when named) the shipped path with and without PlannerConfig.compile (torch.compile
           of the planning model's step and features), interleaved; prints the first plan's time,
           which includes the compile
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import time
from pathlib import Path

import numpy as np
import torch

from lecun_agent.actor import Mode1Policy, PlannerConfig, PolicyConfig
from lecun_agent.actor.actor import ActorSettings, feature_heads, search_dynamics
from lecun_agent.actor.feature_heads import describe
from lecun_agent.actor.flops import matmul_limit, record_matmuls, total_flops
from lecun_agent.actor.plain import plain_mppi_iteration
from lecun_agent.actor.presets import DEFAULT_PATH, PATHS, planning_path, resolve_path
from lecun_agent.bench.machine import cpu_model
from lecun_agent.bench.planner import GOAL, LAST, POSE, Option, interleave, pct
from lecun_agent.heap import keep_freed_memory
from lecun_agent.world_model.checkpoint import load_checkpoint
from lecun_agent.world_model.config import WorldModelConfig
from lecun_agent.world_model.model import WorldModel


def machine() -> dict:
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "torch": torch.__version__,
            "threads": torch.get_num_threads(), "date": datetime.datetime.now().isoformat()}  # fmt: skip


def bench_paths(model, heads, dynamics, args) -> list[dict]:
    options = []
    for name in PATHS:
        pm, over = planning_path(model, name)
        options.append(Option(name, pm, PlannerConfig(samples=512, horizon=16, **over)))
    pm, over = planning_path(model, DEFAULT_PATH, feature_heads=heads)  # as the actor plans
    shipped = resolve_path(DEFAULT_PATH)
    if heads is not None:
        options.append(Option(f"{shipped} search heads", pm, PlannerConfig(samples=512, horizon=16, **over)))
    for stride in (2, 4):  # fewer head passes: the feature heads on every 2nd / 4th step
        options.append(Option(f"{shipped} heads/{stride}", pm,
                              PlannerConfig(samples=512, horizon=16, head_stride=stride, **over)))
    if dynamics is not None:  # as the actor plans, and in float32 (what `auto` picks without bf16 matmuls)
        parts = "search heads + dynamics" if heads is not None else "model heads, search dynamics"
        for name in dict.fromkeys((shipped, "member")):
            pm, over = planning_path(model, name, feature_heads=heads, search_dynamics=dynamics)
            cfg = PlannerConfig(samples=512, horizon=16, **over)
            options.append(Option(f"{name} {parts}", pm, cfg))
            if pm.dtype == torch.bfloat16:  # the same under no_grad, and without the fused ReLUs (actor/fused_mlp.py)
                options.append(Option(f"{name} {parts}, no_grad", pm, cfg, no_grad=True))
                pm, _ = planning_path(model, name, feature_heads=heads, search_dynamics=dynamics, fuse_relu=False)
                options.append(Option(f"{name} {parts}, ReLU not fused", pm, cfg))
    interleave(options, args.warmup + args.repeats)
    return [o.row(args.warmup) for o in options]


def bench_rollout(model, args) -> dict:
    """Today's open-loop rollout of the shipped model (all members + all heads), N=512, H=16."""
    s, u = torch.randn(512, model.cfg.latent_dim), torch.rand(512, 16, model.cfg.action_dim) * 0.3

    def run():
        with torch.no_grad():
            model.cost_heads(model.rollout(s, u))

    ms = []
    for _ in range(args.warmup + max(5, args.repeats // 3)):
        t = time.perf_counter()
        run()
        ms.append((time.perf_counter() - t) * 1e3)
    calls = record_matmuls(run)
    ms = ms[args.warmup :]
    return {"ms_p50": pct(ms, 50), "ms_p99": pct(ms, 99), "gflop": total_flops(calls) / 1e9,
            "gflops_achieved": total_flops(calls) / 1e9 / (pct(ms, 50) / 1e3),
            "gflops_limit": matmul_limit(calls) / 1e9}  # fmt: skip


def bench_plain(model, heads, path: str, args) -> dict:
    """One MPPI iteration looping over samples, beside the batched planner doing the same work
    (one iteration of the path's fast model at every step, no ensemble check)."""
    pm, _ = planning_path(model, path, feature_heads=heads)
    batched = Option(path, pm, PlannerConfig(samples=512, horizon=16, uncertainty="none"))
    planner = batched.planner
    u = planner.space.project(torch.rand(512, 16, 3) * 0.6 - 0.2)
    pose, goal = torch.tensor(POSE), torch.tensor(GOAL)
    plain_ms = []
    for _ in range(args.plain_repeats):
        for _ in range(5):
            batched.once()
        t = time.perf_counter()
        plain_mppi_iteration(pm, planner.scorer, batched.s0, u, pose, goal, 0.1)
        plain_ms.append((time.perf_counter() - t) * 1e3)
    b = batched.row(1, with_flops=False)
    return {"path": path, "plain_ms_p50": pct(plain_ms, 50), "plain_ms_max": max(plain_ms),
            "batched_same_work_ms_p50": b["ms_p50"], "speedup_p50": pct(plain_ms, 50) / b["ms_p50"],
            "repeats": args.plain_repeats}  # fmt: skip


def bench_mode1(latent_dim: int, args) -> dict:
    policy = Mode1Policy(PolicyConfig(latent_dim=latent_dim)).eval()
    s = torch.randn(latent_dim)
    one, batch = [], []
    x = torch.randn(512, policy.cfg.input_dim)
    for _ in range(args.warmup + 200):
        t = time.perf_counter()
        policy.act(s, POSE, GOAL, LAST)
        one.append((time.perf_counter() - t) * 1e3)
    with torch.no_grad():
        for _ in range(args.warmup + 50):
            t = time.perf_counter()
            policy(x)
            batch.append((time.perf_counter() - t) * 1e3)
    one, batch = one[args.warmup :], batch[args.warmup :]
    return {"act_ms_p50": pct(one, 50), "act_ms_p99": pct(one, 99), "batch512_ms_p50": pct(batch, 50),
            "params": sum(p.numel() for p in policy.parameters())}  # fmt: skip


def bench_grid(model, heads, path: str, args) -> list[dict]:
    pm, over = planning_path(model, path, feature_heads=heads)
    ns, hs = ([128, 512], [8, 16]) if args.quick else ([128, 512, 2048], [8, 16, 32])
    options = []
    for n in ns:
        for h in hs:
            cfg = PlannerConfig(samples=n, horizon=h, **over)
            options.append(Option(f"{path} N={n} H={h}", pm, cfg))
    interleave(options, args.warmup + max(5, args.repeats // 2))
    return [o.row(args.warmup) for o in options]


def bench_compile(model, heads, args) -> list[dict]:
    """DEFAULT_PATH at N=512, H=16 with and without torch.compile; first_plan_ms is the compile's cost."""
    options = []
    for compiled in (False, True):
        pm, over = planning_path(model, DEFAULT_PATH, feature_heads=heads)
        cfg = PlannerConfig(samples=512, horizon=16, compile=compiled, **over)
        options.append(Option(f"{resolve_path(DEFAULT_PATH)}{' compiled' if compiled else ''}", pm, cfg))
    interleave(options, args.warmup + args.repeats)
    rows = []
    for o in options:
        row = {**o.row(args.warmup, with_flops=False), "first_plan_ms": o.ms[0]}
        rows.append(row)
        logging.info("%s: first plan %.0f ms, then p50 %.1f p99 %.1f ms (rollout %.1f, score %.1f, check %.1f)",
                     o.name, row["first_plan_ms"], row["ms_p50"], row["ms_p99"], row["rollout_ms_p50"],
                     row["score_ms_p50"], row["check_ms_p50"])
    return rows


def bench_tail(model, heads, args, plans: int = 300) -> dict:
    import gc

    pm, over = planning_path(model, DEFAULT_PATH, feature_heads=heads)
    option = Option(resolve_path(DEFAULT_PATH), pm, PlannerConfig(samples=512, horizon=16, **over))
    collections: list[tuple[float, int]] = []  # (when it ended, generation)

    def on_gc(phase, info):
        if phase == "stop":
            collections.append((time.perf_counter(), info["generation"]))

    gc.callbacks.append(on_gc)
    starts = []
    try:
        for _ in range(args.warmup + plans):
            starts.append(time.perf_counter())
            option.once()
    finally:
        gc.callbacks.remove(on_gc)
    ms, starts, phases = np.array(option.ms[args.warmup:]), starts[args.warmup:], option.phases[args.warmup:]
    median = {k: float(np.median([p.get(k, 0.0) for p in phases])) for k in ("rollout", "score", "check")}
    slow_rows = []
    for i in np.argsort(ms)[-max(1, plans // 100):]:
        end = starts[i] + ms[i] / 1e3
        slow_rows.append({"plan": int(i), "ms": float(ms[i]),
                          "phase_vs_median": {k: phases[i].get(k, 0.0) / v for k, v in median.items() if v > 0},
                          "collections_inside": [g for t, g in collections if starts[i] <= t <= end]})  # fmt: skip
    slow, run, longest = ms >= 1.3 * np.median(ms), 0, 0
    for flag in slow:
        run = run + 1 if flag else 0
        longest = max(longest, run)
    return {"plans": plans, "ms_p50": pct(ms, 50), "ms_p99": pct(ms, 99), "phase_ms_p50": median,
            "slowest": slow_rows, "plans_1.3x_median": int(slow.sum()), "longest_slow_run": longest,
            "collections": {g: sum(1 for _, gen in collections if gen == g) for g in (0, 1, 2)}}  # fmt: skip


def bench_sizes(args) -> list[dict]:
    rows = []
    latents, hiddens, members = (
        ([32, 64], [128, 256], [1, 4]) if args.quick else ([32, 64], [128, 256], [1, 2, 4])
    )
    for d in latents:
        for hid in hiddens:
            options = []
            for k in members:
                torch.manual_seed(0)
                wm = WorldModel(
                    WorldModelConfig(latent_dim=d, hidden=hid, ensemble=k, channels=(4, 4, 4, 4))
                ).eval()
                for path in ("ensemble", "member", "member-bf16"):
                    if k == 1 and path == "member":
                        continue  # the same as "ensemble" with one member
                    pm, over = planning_path(wm, path)
                    options.append(Option(f"{path} D={d} hidden={hid} K={k}", pm, PlannerConfig(**over)))
            interleave(options, args.warmup + max(5, args.repeats // 2))
            for o in options:
                row = o.row(args.warmup)
                row.update(path=o.name.split()[0], hidden=hid, members=o.pm.members)
                rows.append(row)
                logging.info("%s p50 %.1f p99 %.1f ms", o.name, row["ms_p50"], row["ms_p99"])
    return rows


def print_tables(out: dict) -> None:
    """The rows as markdown, after the JSON, for a reader of the terminal."""
    rows = [r for part in ("paths", "grid", "sizes") for r in out.get(part, [])]
    for r in out.get("compile", []):
        print(f"{r['impl']}: first plan {r['first_plan_ms']:.0f} ms, then p50 {r['ms_p50']:.1f} p99 {r['ms_p99']:.1f}")
    if rows:
        print("\n| impl | N | H | p50 ms | p99 ms | GFLOP | GFLOP/s | limit GFLOP/s | fraction |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['impl']} | {r['n']} | {r['h']} | {r['ms_p50']:.1f} | {r['ms_p99']:.1f} | "
                  f"{r['gflop_per_plan']:.2f} | {r['gflops_achieved']:.0f} | {r['gflops_limit']:.0f} | "
                  f"{r['fraction_of_limit']:.2f} |")  # fmt: skip
    for part in ("rollout", "plain", "mode1"):
        if part in out:
            print(
                f"{part}: "
                + ", ".join(
                    f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in out[part].items()
                )
            )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", type=Path, default=None)
    p.add_argument("--heads", default="", help="search heads file for the default path; empty = the "
                   "actor's (planning_heads.pt beside the checkpoint when there is one); none = the world model's")
    p.add_argument("--dynamics", default="", help="search dynamics file for a row of the paths part; empty = the "
                   "actor's (planning_dynamics.pt beside the checkpoint when there is one); none = no such row")
    p.add_argument("--path", default=DEFAULT_PATH, help="path for the grid and the plain loop")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeats", type=int, default=40)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--plain-repeats", type=int, default=3)
    p.add_argument("--parts", nargs="+", default=["paths", "rollout", "plain", "mode1", "grid", "sizes"])
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args()
    if args.quick:
        args.repeats, args.plain_repeats = min(args.repeats, 12), 1
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    torch.set_num_threads(1)
    model = load_checkpoint(args.checkpoint)[0]
    heads = feature_heads(ActorSettings(heads_file=args.heads), str(args.checkpoint or ""), model)
    dynamics = search_dynamics(ActorSettings(dynamics_file=args.dynamics), str(args.checkpoint or ""), model)
    out = {"machine": machine()}
    t0 = time.monotonic()
    keep_freed_memory()  # as every node does (benchmarks/bench_heap.py: what it buys)
    if "paths" in args.parts:
        out["paths"] = bench_paths(model, heads, dynamics, args)
        for r in out["paths"]:
            logging.info("%s: p50 %.1f p99 %.1f ms", r["impl"], r["ms_p50"], r["ms_p99"])
    path = args.path
    out["feature_heads"] = describe(heads)
    if "rollout" in args.parts:
        out["rollout"] = bench_rollout(model, args)
    if "plain" in args.parts:
        out["plain"] = bench_plain(model, heads, path, args)
    if "mode1" in args.parts:
        out["mode1"] = bench_mode1(model.cfg.latent_dim, args)
    if "grid" in args.parts:
        out["grid"] = bench_grid(model, heads, path, args)
    if "sizes" in args.parts:
        out["sizes"] = bench_sizes(args)
    if "compile" in args.parts:
        out["compile"] = bench_compile(model, heads, args)
    if "tail" in args.parts:
        out["tail"] = bench_tail(model, heads, args)
    out["seconds"] = time.monotonic() - t0
    text = json.dumps(out, indent=2)
    print(text)
    print_tables(out)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text)


if __name__ == "__main__":
    main()
