"""Lock-step through ROS: speed (sim seconds per wall second), where the wall time goes, and the walk.

Run: scripts/with_venv.sh python benchmarks/bench_lockstep.py [--seeds 0 1 2 3 4] [--seconds 10]

For each seed it runs the walk program through the whole ROS stack in lock-step (every agent
node in the loop: perception, world model, program, guardrail, gait, sim; no chase video), and
the same program in-process (`sim/env.py` run_program: sim and gait, no ROS), and prints:
- the distance walked both ways (the ROS path must walk as far, within 2 %);
- sim seconds per wall second of the episode (from the first to the last control step), and
  the CPU seconds each node process spent during it (psutil), which says where a round trip
  spends its time;
- the median wall time of a control step once the loop runs (the wait for the first command, which
  varies by a second from run to run, left out): the steadier number for comparing two builds;
- the same for one goal episode with each agent (default: the straight line and the actor), with
  and without the chase video.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

from lecun_agent.sim.env import LocomotionEnv, run_program
from lecun_agent.sim.episode_log import load_truth
from lecun_agent.stack.ros_domain import EPISODE_DOMAINS, DomainClaim


def ros_run(args: list[str], out: Path, domain: int) -> dict:
    """`lecun-agent sim ARGS`; -> metrics, wall seconds of the sim-time span, CPU seconds per node during it."""
    env = {**os.environ, "ROS_DOMAIN_ID": str(domain), "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST"}
    proc = subprocess.Popen([sys.executable, "-m", "lecun_agent.cli", "sim", "--out", str(out), *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu: dict[str, list[float]] = {}  # node -> [cpu when the sim started, cpu at the end]
    marks: dict[str, float] = {}
    stop = threading.Event()

    def sample() -> None:
        root = psutil.Process(proc.pid)
        while not stop.is_set():
            try:
                kids = root.children(recursive=True)
                for k in kids:
                    name = next((a.split(".")[-1] for a in k.cmdline() if a.startswith("lecun_agent.nodes.")), None)
                    if name:
                        t = k.cpu_times()
                        cpu.setdefault(name, [None, 0.0])[1] = t.user + t.system
                if "start" not in marks and (out / "logs" / "sim_node.log").exists() and any(
                        "sim_node" == n for n in cpu):
                    marks["start"] = time.monotonic()
                    for name in cpu:
                        cpu[name][0] = cpu[name][1]
            except psutil.Error:
                pass
            time.sleep(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    proc.wait()
    marks["end"] = time.monotonic()
    stop.set()
    thread.join()
    metrics = json.loads((out / "metrics.json").read_text())
    truth = load_truth(out)
    end = int(np.searchsorted(truth["t"], metrics["sim_seconds"], side="right")) - 1
    sim_span, wall = float(truth["t"][end]), float(truth["wall_s"][end])  # first to last control step
    # Wall time per control step once the loop runs: the wait for the first command (start-up, which
    # varies by a second run to run) left out, so this compares the loop itself between builds.
    step_ms = 1e3 * float(np.median(np.diff(truth["wall_s"][1:end + 1])))
    return {"metrics": metrics, "sim_s": sim_span, "wall_s": wall, "step_ms": step_ms, "truth": truth,
            "cpu": {n: round(v[1] - (v[0] or 0.0), 2) for n, v in cpu.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--agents", nargs="+", default=["straight", "full"], help="agents of the goal episodes")
    args = parser.parse_args()
    claim = DomainClaim(EPISODE_DOMAINS)  # held until the script ends
    domain = claim.domain
    print(f"machine: {os.cpu_count()} cores; lock-step through ROS, walk program, {args.seconds:.0f} s of sim time")
    print(f"{'seed':>4} {'ROS m':>7} {'in-process m':>12} {'ratio':>6} {'sim s / wall s':>15} {'step ms p50':>12}")
    ratios, speeds, cpu_total = [], [], {}
    with tempfile.TemporaryDirectory(prefix="bench_lockstep_") as tmp:
        for seed in args.seeds:
            ros = ros_run(["--program", "walk", "--seed", str(seed), "--duration", str(args.seconds),
                           "--no-record-video"], Path(tmp) / f"walk{seed}", domain)
            env = LocomotionEnv()
            d_local = run_program(env, "walk", args.seconds, seed).metrics.distance_m
            env.close()
            d_ros = ros["metrics"]["distance_m"]
            ratios.append(d_ros / d_local)
            speeds.append(ros["sim_s"] / ros["wall_s"])
            for node, s in ros["cpu"].items():
                cpu_total[node] = cpu_total.get(node, 0.0) + s
            print(f"{seed:>4} {d_ros:>7.3f} {d_local:>12.3f} {d_ros / d_local:>6.3f} {speeds[-1]:>15.2f} "
                  f"{ros['step_ms']:>12.1f}")
        print(f"walk distance ROS / in-process: {min(ratios):.3f} .. {max(ratios):.3f} (target within 0.98 .. 1.02)")
        print(f"lock-step speed: {np.median(speeds):.2f} sim s per wall s (median over seeds; target >= 1.0)")
        total = sum(cpu_total.values())
        print("CPU seconds per node during the episodes (all seeds), share of the total:")
        for node, s in sorted(cpu_total.items(), key=lambda kv: -kv[1]):
            print(f"  {node:<18} {s:7.1f} s  {100 * s / total:5.1f} %")
        for agent in args.agents:
            for video in (False, True):
                goal = ros_run(["--agent", agent, "--seed", "0"] + ([] if video else ["--no-record-video"]),
                               Path(tmp) / f"goal_{agent}_{video}", domain)
                cpu = ", ".join(f"{n} {s:.1f}" for n, s in sorted(goal["cpu"].items(), key=lambda kv: -kv[1]))
                print(f"goal episode seed 0, agent {agent}, {'with' if video else 'without'} chase video: "
                      f"{goal['sim_s']:.2f} sim s in {goal['wall_s']:.1f} wall s = "
                      f"{goal['sim_s'] / goal['wall_s']:.2f} sim s per wall s; control step p50 {goal['step_ms']:.1f} "
                      f"ms; success {goal['metrics']['success']}; "
                      f"CPU s per node: {cpu}")


if __name__ == "__main__":
    main()
