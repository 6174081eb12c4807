"""Benchmark the trot in-process: scripted programs per seed, and falls under exploration commands.

    python benchmarks/bench_gait.py [--seeds 5] [--explore-seeds 0:60] [--explore-seconds 20]

Prints, per seed, the walk (10 s), 360-degree turn and 10 s stand metrics (docs/body.md table),
then the number of episodes that end in a fall when the world-model data program
(`programs/exploration.py` OUProgram, cluttered seeded arena) drives the gait, camera off.
"""

from __future__ import annotations

import argparse

import numpy as np

from lecun_agent.programs.exploration import OUProgram
from lecun_agent.sim.config import SimConfig
from lecun_agent.sim.env import LocomotionEnv, run_program


def scripted(seeds: range) -> None:
    env = LocomotionEnv(SimConfig(camera_enabled=False))
    print("| seed | walk 10 s: distance | lateral error | max tilt | turn: yaw turned | max tilt | drift "
          "| stand 10 s: drift | falls |")
    for seed in seeds:
        walk = run_program(env, "walk", 10.0, seed).metrics
        turn = run_program(env, "turn", 9.0, seed).metrics
        stand = run_program(env, "stand", 10.0, seed).metrics
        print(f"| {seed} | {walk.distance_m:.2f} m | {walk.lateral_error_m:.3f} m "
              f"| {walk.max_tilt_deg:.1f} deg | {turn.yaw_turned_deg:.1f} deg | {turn.max_tilt_deg:.1f} deg "
              f"| {turn.drift_m:.3f} m "
              f"| {stand.drift_m:.3f} m | {walk.falls + turn.falls + stand.falls} |")
    env.close()


def explore_falls(seeds: range, seconds: float) -> None:
    env = LocomotionEnv(SimConfig(camera_enabled=False))
    step_dt = 1.0 / env.sim.config.camera_hz
    fell = []
    for seed in seeds:
        env.reset(seed)
        program, cmd, next_t = OUProgram(step_dt, seed), np.zeros(3), 0.0
        terminated = False
        while env.sim.time < seconds and not terminated:
            if env.sim.time >= next_t - 1e-9:
                cmd, next_t = program.next(), next_t + step_dt
            _, _, terminated, _, _ = env.step(cmd)
        if terminated:
            fell.append(seed)
    env.close()
    print(f"exploration program, {len(seeds)} episodes of {seconds:.0f} s: {len(fell)} fell (seeds {fell})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 for the scripted programs")
    p.add_argument("--explore-seeds", default="0:60", help="START:STOP seeds for the exploration program")
    p.add_argument("--explore-seconds", type=float, default=20.0)
    args = p.parse_args()
    scripted(range(args.seeds))
    start, stop = (int(v) for v in args.explore_seeds.split(":"))
    explore_falls(range(start, stop), args.explore_seconds)


if __name__ == "__main__":
    main()
