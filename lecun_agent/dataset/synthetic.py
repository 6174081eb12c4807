"""A tiny synthetic dataset in the real format, for unit tests and benchmarks without the simulator.

A point "robot" whose body velocity follows the command with a first-order lag; the camera sees
a square whose colour and position follow the yaw and position. Enough structure for a world
model to beat the copy-last baseline, cheap enough to build in milliseconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lecun_agent.dataset.format import DatasetSpec, episode_path, write_episode, write_spec


def synthetic_episode(rng: np.random.Generator, steps: int, spec: DatasetSpec) -> dict[str, np.ndarray]:
    """-> one episode dict with every array the format requires."""
    t = steps
    actions = np.cumsum(rng.normal(0, 0.15, (t, 3)), axis=0).clip(spec.action_low, spec.action_high)
    vel = np.zeros((t, 3))
    for i in range(1, t):
        vel[i] = vel[i - 1] + 0.3 * (actions[i - 1] - vel[i - 1])
    pose = np.cumsum(vel * spec.step_dt, axis=0)  # (T, 3): x, y, yaw
    phase = np.arange(t) * 0.9
    images = np.zeros((t, *spec.image_shape), dtype=np.uint8)
    for i in range(t):
        cx, cy = (np.clip(32 + 8 * pose[i, :2], 4, 56)).astype(int)
        images[i, cy - 4 : cy + 4, cx - 4 : cx + 4] = np.array([128, 64, 200]) * (1 + np.sin(pose[i, 2])) / 2
    joint = np.sin(phase[:, None] + np.arange(12)[None]) * (0.2 + np.abs(vel[:, :1]))
    proprio = np.concatenate(
        [
            joint,
            np.gradient(joint, axis=0),
            0.5 * joint,
            rng.normal(0, 0.01, (t, 3)),
            vel[:, 2:3].repeat(3, 1),
            rng.normal(0, 0.1, (t, 3)),
            20 + 10 * joint[:, :4],
            vel,
            vel[:, [2, 2, 2]],
        ],
        axis=1,
    )
    feats = {
        "tilt": np.abs(0.05 * vel[:, 0]),
        "height": 0.3 + 0.01 * joint[:, 0],
        "body_contact_force": np.zeros(t),
        "foot_force": proprio[:, 45:49],
        "joint_pos": proprio[:, :12],
        "joint_vel": proprio[:, 12:24],
        "joint_effort": proprio[:, 24:36],
        "base_velocity": vel,
    }
    ep = {
        "images": images,
        "proprio": proprio.astype(np.float32),
        "actions": actions.astype(np.float32),
        "cost": (np.abs(joint * 0.5).sum(1) + feats["tilt"]).astype(np.float32),
        "stamp": np.arange(t) * spec.step_dt,
        "terminated": np.array(False),
        "seed": np.array(-1),
    }
    ep.update({f"feat_{k}": v.astype(np.float32) for k, v in feats.items()})
    return ep


def make_synthetic_dataset(
    out_dir: Path | str, episodes: int = 4, steps: int = 40, seed: int = 0
) -> DatasetSpec:
    out_dir, spec = Path(out_dir), DatasetSpec(source="synthetic")
    write_spec(out_dir, spec)
    rng = np.random.default_rng(seed)
    for i in range(episodes):
        write_episode(episode_path(out_dir, i), synthetic_episode(rng, steps, spec), spec)
    return spec
