"""What keeping freed memory (lecun_agent/heap.py) buys: planning and training, glibc default against kept;
and what freezing the start-up objects buys: the pause of a full garbage collection.

    python benchmarks/bench_heap.py [--rounds 3] [--plans 30] [--steps 60] [--json FILE]

The setting is per process and cannot be undone, so each measurement is a fresh child process,
and the two settings alternate (default, kept, default, kept, ...) so a slow spell of the machine
hits both alike. Per child:
  planner  the default planning path (actor/presets.py) at N=512, H=16, one thread: ms per plan
           (p50, p99) and minor page faults per plan, after 3 warm-up plans
  train    `learning/train.py` optimiser steps (batch 32, one thread) on a small collected data set:
           samples/s and minor page faults per step, after 3 warm-up steps
  gc       a process holding what actor_node holds (rclpy, the shipped model, the planner after 3 plans):
           tracked objects and the pause of a full collection (gc.collect(), median of 5), before and
           after `freeze_startup_objects` (what spin_node does once a node is built)
Minor fault counts do not depend on the machine's load; the times do. Ratios are kept / default.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def child_planner(plans: int) -> dict:
    import torch

    from lecun_agent.actor import Planner, PlannerConfig
    from lecun_agent.actor.presets import DEFAULT_PATH, planning_path
    from lecun_agent.cost.total import IntrinsicCost
    from lecun_agent.world_model.checkpoint import load_checkpoint

    torch.set_num_threads(1)
    pm, over = planning_path(load_checkpoint()[0], DEFAULT_PATH)
    planner = Planner(pm, IntrinsicCost(), PlannerConfig(samples=512, horizon=16, deadline_s=0, **over))
    s0 = torch.randn(pm.latent_dim, generator=torch.Generator().manual_seed(0))
    ms = []
    for i in range(3 + plans):
        if i == 3:
            start = faults()
        t = time.perf_counter()
        planner.plan(s0, goal=(3.0, 1.0), last_action=(0.3, 0.0, 0.0), seed=i)
        ms.append((time.perf_counter() - t) * 1e3)
    return {"ms_p50": float(np.percentile(ms[3:], 50)), "ms_p99": float(np.percentile(ms[3:], 99)),
            "faults_per_plan": (faults() - start) / plans}  # fmt: skip


def child_gc() -> dict:
    import gc

    import rclpy  # noqa: F401  (a node holds it)
    import torch

    from lecun_agent.actor import Planner, PlannerConfig
    from lecun_agent.actor.presets import DEFAULT_PATH, planning_path
    from lecun_agent.cost.total import IntrinsicCost
    from lecun_agent.heap import freeze_startup_objects
    from lecun_agent.world_model.checkpoint import load_checkpoint

    torch.set_num_threads(1)
    pm, over = planning_path(load_checkpoint()[0], DEFAULT_PATH)
    planner = Planner(pm, IntrinsicCost(), PlannerConfig(samples=512, horizon=16, deadline_s=0, **over))
    for i in range(3):
        planner.plan(torch.zeros(pm.latent_dim), goal=(3.0, 1.0), seed=i)

    def full_collection_ms() -> float:
        ms = []
        for _ in range(5):
            t = time.perf_counter()
            gc.collect()
            ms.append((time.perf_counter() - t) * 1e3)
        return float(np.median(ms))

    out = {"tracked_objects": len(gc.get_objects()), "full_collection_ms": full_collection_ms()}
    out["frozen_objects"] = freeze_startup_objects()
    out["tracked_objects_frozen"] = len(gc.get_objects())
    out["full_collection_ms_frozen"] = full_collection_ms()
    return out


def child_train(data: Path, steps: int) -> dict:
    from lecun_agent.learning.train import TrainConfig, train

    with tempfile.TemporaryDirectory() as tmp:
        train(data, tmp, TrainConfig(steps=3, batch_size=32, threads=1))
        start = faults()
        s = train(data, tmp, TrainConfig(steps=3 + steps, batch_size=32, threads=1, ckpt_every=10**9), resume=True)
        return {"samples_per_s": s["samples_per_s_this_run"], "faults_per_step": (faults() - start) / steps}


def run_child(what: str, setting: str, args, data: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", what, "--setting", setting, "--plans", str(args.plans),
           "--steps", str(args.steps), "--data", str(data)]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3, help="default/kept pairs per measurement")
    p.add_argument("--plans", type=int, default=30)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--child", choices=("planner", "train", "gc"), help=argparse.SUPPRESS)
    p.add_argument("--setting", choices=("default", "kept"), help=argparse.SUPPRESS)
    p.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        from lecun_agent.heap import keep_freed_memory

        if args.setting == "kept" and not keep_freed_memory():
            sys.exit("this C library has no mallopt: nothing to compare")
        child = {"planner": lambda: child_planner(args.plans), "train": lambda: child_train(args.data, args.steps),
                 "gc": child_gc}[args.child]  # fmt: skip
        print(json.dumps(child()))
        return
    from lecun_agent.learning.collect import CollectConfig, collect

    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        collect(data, CollectConfig(2, 900000, 6.0, 1))
        for what in ("planner", "train"):
            rows = {"default": [], "kept": []}
            for _ in range(args.rounds):
                for setting in rows:
                    rows[setting].append(run_child(what, setting, args, data))
            results[what] = {s: {k: float(np.median([r[k] for r in rs])) for k in rs[0]} for s, rs in rows.items()}
    for what, by_setting in results.items():
        for setting, row in by_setting.items():
            print(f"{what:8s} {setting:8s} " + "  ".join(f"{k} {v:.1f}" for k, v in row.items()))
    plan, train_ = results["planner"], results["train"]
    print(f"planner p50: kept is {plan['default']['ms_p50'] / plan['kept']['ms_p50']:.2f}x faster; "
          f"training: {train_['kept']['samples_per_s'] / train_['default']['samples_per_s']:.2f}x the samples/s "
          f"(medians of {args.rounds} child processes each)")  # fmt: skip
    results["gc"] = run_child("gc", "kept", args, data)
    g = results["gc"]
    print(f"gc       a full collection: {g['full_collection_ms']:.1f} ms over {g['tracked_objects']} tracked objects; "
          f"after freezing {g['frozen_objects']} start-up objects: {g['full_collection_ms_frozen']:.2f} ms over "
          f"{g['tracked_objects_frozen']}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
