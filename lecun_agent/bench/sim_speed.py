"""Simulation speed: real-time factor with the gait in the loop, without the camera and by camera size.

The real-time factor is sim seconds per wall second of a trot at 0.5 m/s (physics, gait and, when on,
onboard rendering at camera_hz); a factor of 1 is the least the real-time stack needs.
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from lecun_agent.sim.config import SimConfig  # noqa: E402
from lecun_agent.sim.env import LocomotionEnv  # noqa: E402

CAMERA_SIZES = (32, 64, 128, 256)  # px, square; 64 is the shipped perception's input
TROT = np.array([0.5, 0.0, 0.0])  # m/s forward


def real_time_factor(camera_px: int | None, seconds: float, seed: int = 0) -> dict:
    """Trot for `seconds` of sim time; camera_px None = camera off -> {rtf, ms_per_frame, frames}."""
    config = (SimConfig(camera_enabled=False) if camera_px is None
              else SimConfig(camera_width=camera_px, camera_height=camera_px))
    env = LocomotionEnv(config)
    try:
        env.reset(seed)
        steps = int(seconds * env.sim.config.control_hz)
        render_s, frames = 0.0, 0
        t0 = time.perf_counter()
        for _ in range(steps):
            q = env.gait.step(TROT, env._readings, env.sim.config.control_dt)
            env.sim.set_joint_targets(q)
            env._readings = env.sim.step()
            if env.sim.camera_due():
                r0 = time.perf_counter()
                env.sim.render_camera()
                render_s += time.perf_counter() - r0
                frames += 1
        wall = time.perf_counter() - t0
    finally:
        env.close()
    return {"camera_px": camera_px, "rtf": round(seconds / wall, 2),
            "ms_per_frame": round(1000.0 * render_s / frames, 2) if frames else None, "frames": frames}


def run(quick: bool, out: Path) -> dict:
    seconds = 3.0 if quick else 10.0
    rows = [real_time_factor(None, seconds)] + [real_time_factor(px, seconds) for px in CAMERA_SIZES]
    _plot(rows, out / "sim_rtf.png")
    return {"sim_seconds_each": seconds, "trot_m_s": float(TROT[0]), "camera_hz": SimConfig().camera_hz,
            "no_camera_rtf": rows[0]["rtf"], "by_camera": rows[1:]}


def _plot(rows: list[dict], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(5, 3.2))
    labels = ["off" if r["camera_px"] is None else f"{r['camera_px']}²" for r in rows]
    ax.bar(labels, [r["rtf"] for r in rows], color="tab:blue")
    ax.axhline(1.0, color="k", lw=0.8, ls="--", label="real time")
    ax.set_xlabel("onboard camera (px)")
    ax.set_ylabel("sim s per wall s")
    ax.set_title("simulation real-time factor, gait in the loop")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
