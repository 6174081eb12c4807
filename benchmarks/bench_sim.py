"""Simulation speed: real-time factor with and without the onboard camera, and ms per rendered frame.

Run: scripts/with_venv.sh python benchmarks/bench_sim.py [--seconds 10]
Prints plain text (this is a CLI benchmark); numbers go into docs/body.md.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lecun_agent.sim.config import SimConfig
from lecun_agent.sim.env import LocomotionEnv


def rtf(camera: bool, seconds: float, seed: int = 0) -> tuple[float, float, int]:
    """Trot for `seconds` of sim time, gait in the loop -> (real-time factor, ms per frame, frames)."""
    env = LocomotionEnv(SimConfig(camera_enabled=camera))
    env.reset(seed)
    steps = int(seconds * env.sim.config.control_hz)
    cmd = np.array([0.5, 0.0, 0.0])
    render_s, frames = 0.0, 0
    t0 = time.perf_counter()
    for _ in range(steps):
        q = env.gait.step(cmd, env._readings, env.sim.config.control_dt)
        env.sim.set_joint_targets(q)
        env._readings = env.sim.step()
        if env.sim.camera_due():
            r0 = time.perf_counter()
            env.sim.render_camera()
            render_s += time.perf_counter() - r0
            frames += 1
    wall = time.perf_counter() - t0
    env.close()
    return seconds / wall, 1000.0 * render_s / max(frames, 1), frames


def chase_ms(n: int = 20, width: int = 320, height: int = 240) -> float:
    env = LocomotionEnv(SimConfig(camera_enabled=False))
    env.reset(0)
    t0 = time.perf_counter()
    for _ in range(n):
        env.sim.render_chase(width, height)
    ms = 1000.0 * (time.perf_counter() - t0) / n
    env.close()
    return ms


def physics_steps_per_s(n: int = 2000) -> float:
    env = LocomotionEnv(SimConfig(camera_enabled=False))
    env.reset(0)
    import pybullet

    t0 = time.perf_counter()
    for _ in range(n):
        pybullet.stepSimulation(physicsClientId=env.sim.client)
    rate = n / (time.perf_counter() - t0)
    env.close()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="sim seconds per measurement")
    args = parser.parse_args()
    cfg = SimConfig()
    print(
        f"physics {cfg.physics_hz:.0f} Hz, control {cfg.control_hz:.0f} Hz, trot at 0.5 m/s, gait in the loop"
    )
    print(f"raw pybullet stepSimulation: {physics_steps_per_s():.0f} steps/s")
    r, _, _ = rtf(False, args.seconds)
    print(f"headless, no camera:                real-time factor {r:6.1f}x wall clock")
    r, ms, n = rtf(True, args.seconds)
    print(
        f"camera {cfg.camera_width}x{cfg.camera_height} at {cfg.camera_hz:.0f} Hz:"
        f"       real-time factor {r:6.1f}x"
        f" wall clock ({n} frames, {ms:.2f} ms per onboard frame)"
    )
    print(f"chase view 320x240:                 {chase_ms():.1f} ms per frame")


if __name__ == "__main__":
    main()
