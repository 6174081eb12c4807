"""Training speed when the cores are shared: torch's threads and libgomp's spin-wait.

    python benchmarks/bench_train_threads.py [--rounds 2] [--seconds 20] [--busy 1] [--json FILE]

torch's CPU wheel runs its intra-op threads on libgomp, whose idle threads spin (busy-wait) for
a while before they sleep. A training step is hundreds of small parallel regions, so when another
process holds one of the cores, a thread of the team waits at each region's barrier for a thread
that is not running, and the step crawls. libgomp reads its settings (OMP_WAIT_POLICY,
GOMP_SPINCOUNT) once, when torch loads it, so each setting runs in a fresh child process.

Each child trains the world model (`bench/learning.py` `training_rate`: batch 32, 3 warm-up
steps) on a small collected data set for `--seconds` and reports optimiser steps per second.
Every setting runs alone and beside `--busy` processes that spin (`while True: pass`, what a sim,
a planner or a test suite beside the training does to a core), the settings in turn, `--rounds`
times; medians.
Ratios are against torch's choice (every core, libgomp's default spin) alone, in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

# name: (torch threads (0: torch's choice, one per core), environment set before torch loads); the spin
# settings and "passive" keep every core, "one-thread" is `lecun-agent train`'s default
SETTINGS = {
    "all-cores": (0, {}),
    "one-thread": (1, {}),
    "passive": (0, {"OMP_WAIT_POLICY": "PASSIVE"}),
    "spin=0": (0, {"GOMP_SPINCOUNT": "0"}),
    "spin=1000": (0, {"GOMP_SPINCOUNT": "1000"}),
    "spin=10000": (0, {"GOMP_SPINCOUNT": "10000"}),
}


def child(data: Path, threads: int, seconds: float) -> dict:
    from lecun_agent.bench.learning import BATCH, training_rate

    rate = training_rate(data, 10**9, threads, minutes=seconds / 60)
    return {"steps_per_s": rate["samples_per_s"] / BATCH}


def run_child(name: str, data: Path, seconds: float, busy: int) -> dict:
    threads, env = SETTINGS[name]
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(busy)]
    try:
        cmd = [sys.executable, __file__, "--child", name, "--data", str(data), "--seconds", str(seconds)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, env={**os.environ, **env})
    finally:
        for p in spinners:
            p.kill()
            p.wait()
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--seconds", type=float, default=20.0, help="measured training time per child")
    p.add_argument("--busy", type=int, default=1, help="spinning processes beside the shared runs")
    p.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--child", choices=list(SETTINGS), help=argparse.SUPPRESS)
    p.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(child(args.data, SETTINGS[args.child][0], args.seconds)))
        return
    from lecun_agent.learning.collect import CollectConfig, collect

    rows: dict[str, dict[str, list[float]]] = {s: {"alone": [], "shared": []} for s in args.settings}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        collect(data, CollectConfig(2, 900000, 6.0, 1))
        for _ in range(args.rounds):
            for name in args.settings:
                for where, busy in (("alone", 0), ("shared", args.busy)):
                    r = run_child(name, data, args.seconds, busy)
                    rows[name][where].append(r["steps_per_s"])
                    print(f"  {name:11s} {where:6s} {r['steps_per_s']:6.2f} steps/s", flush=True)
    med = {n: {w: float(np.median(v)) for w, v in r.items()} for n, r in rows.items()}
    ref = "all-cores" if "all-cores" in med else args.settings[0]
    base = med[ref]["alone"]
    print(f"\n{os.cpu_count()} cores, {args.busy} busy process(es) in the shared runs, medians of {args.rounds}; "
          f"x = against {ref} alone")  # fmt: skip
    print(f"{'setting':11s} {'alone':>14s} {'shared':>14s}")
    for name, m in med.items():
        alone, shared = m["alone"], m["shared"]
        print(f"{name:11s} {alone:6.2f} ({alone / base:4.2f}x) {shared:6.2f} ({shared / base:4.2f}x)")
    if args.json:
        args.json.write_text(json.dumps({"cores": os.cpu_count(), "busy": args.busy, "rounds": args.rounds,
                                         "seconds": args.seconds, "steps_per_s": rows, "median": med}, indent=2))


if __name__ == "__main__":
    main()
