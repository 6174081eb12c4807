"""A tiny synthetic dataset in the real format, for unit tests and benchmarks without the simulator.

A point "robot" whose body velocity follows the command with a first-order lag; the camera sees
a square whose colour and position follow the yaw and position, and a wall ahead (a bar at the
top of the frame that grows as the robot nears it). Walking into the wall stops the robot and
is measured as a body contact force. Enough structure for a world model to beat the copy-last
baseline and to see a contact coming, cheap enough to build in milliseconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lecun_agent.dataset.format import DatasetSpec, episode_path, write_episode, write_spec

WALL_X = 0.6  # m ahead of the start: the synthetic robot's wall


def synthetic_episode(rng: np.random.Generator, steps: int, spec: DatasetSpec) -> dict[str, np.ndarray]:
    """-> one episode dict with every array the format requires."""
    t = steps
    actions = np.cumsum(rng.normal(0, 0.15, (t, 3)), axis=0).clip(spec.action_low, spec.action_high)
    vel, pose, contact = np.zeros((t, 3)), np.zeros((t, 3)), np.zeros(t)  # pose: x, y, yaw
    for i in range(1, t):
        vel[i] = vel[i - 1] + 0.3 * (actions[i - 1] - vel[i - 1])
        pose[i] = pose[i - 1] + vel[i] * spec.step_dt
        if pose[i, 0] > WALL_X:  # blocked: stopped at the wall, pressing on it
            contact[i] = 5.0 + 40.0 * max(vel[i, 0], 0.0)
            pose[i, 0], vel[i, 0] = WALL_X, 0.0
    phase = np.arange(t) * 0.9
    images = np.zeros((t, *spec.image_shape), dtype=np.uint8)
    for i in range(t):
        cx, cy = (np.clip(32 + 8 * pose[i, :2], 4, 56)).astype(int)
        images[i, cy - 4 : cy + 4, cx - 4 : cx + 4] = np.array([128, 64, 200]) * (1 + np.sin(pose[i, 2])) / 2
        images[i, : int(np.clip(40 * (1.0 - (WALL_X - pose[i, 0])), 0, 40)), :, 1] = 220  # the wall
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
        "body_contact_force": contact,
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
        "contact_max": contact.astype(np.float32),
        "cost": (np.abs(joint * 0.5).sum(1) + feats["tilt"] + contact / 100).astype(np.float32),
        "stamp": np.arange(t) * spec.step_dt,
        "terminated": np.array(False),
        "seed": np.array(-1),
    }
    ep.update({f"feat_{k}": v.astype(np.float32) for k, v in feats.items()})
    return ep


def make_synthetic_dataset(
    out_dir: Path | str, episodes: int = 4, steps: int = 40, seed: int = 0, seed_start: int | None = None
) -> DatasetSpec:
    """Episodes carry seeds seed_start, seed_start + 1, ... (or -1, "no seed", when None)."""
    out_dir, spec = Path(out_dir), DatasetSpec(source="synthetic")
    write_spec(out_dir, spec)
    rng = np.random.default_rng(seed)
    for i in range(episodes):
        ep = synthetic_episode(rng, steps, spec)
        ep["seed"] = np.array(-1 if seed_start is None else seed_start + i, dtype=np.int64)
        write_episode(episode_path(out_dir, i), ep, spec)
    return spec
