"""The cost-feature schema: the named physical quantities every cost term reads.

The same dict describes a measured state (leading shape `()`) and predicted states
(leading shape `(B, H)` for B plans over H steps, or any other leading shape), so one
term implementation scores both. The world model's cost heads predict exactly these
features from latents; keep this schema and `FEATURES` in sync with docs/cost.md.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

from lecun_agent.body.readings import Readings, quat_to_rpy, tilt_of

# name -> (trailing shape, unit, meaning). A feature tensor has shape (*lead, *trailing).
FEATURES: dict[str, tuple[tuple[int, ...], str, str]] = {
    "tilt": ((), "rad", "angle between body up axis and world up axis"),
    "height": ((), "m", "base z in the odom frame"),
    "body_contact_force": ((), "N", "summed normal force on non-foot links touching anything"),
    "foot_force": ((4,), "N", "normal contact force per foot, order FL, FR, RL, RR"),
    "joint_pos": ((12,), "rad", "joint positions, order readings.JOINT_NAMES"),
    "joint_vel": ((12,), "rad/s", "joint velocities"),
    "joint_effort": ((12,), "N*m", "applied joint torques"),
    "base_velocity": ((3,), "m/s, rad/s", "base planar twist vx, vy, yaw rate, body frame"),
    "position": ((2,), "m", "base x, y in the odom frame"),
    "yaw": ((), "rad", "base heading in the odom frame"),
    "goal": ((2,), "m", "goal x, y in the odom frame (zeros when there is no goal)"),
    "has_goal": ((), "1", "1.0 when a goal is set, else 0.0"),
}

Features = dict[str, torch.Tensor]
DTYPE = torch.float32


def features_from_readings(
    readings: Readings, goal_xy: np.ndarray | None = None, base_velocity: np.ndarray | None = None
) -> Features:
    """One measured state as cost features, each tensor with leading shape ().

    `base_velocity` (3,) replaces the instantaneous twist, e.g. with its mean over a model step
    (`dataset/step_mean.py`) when the state stands for a whole step.
    """
    rpy = quat_to_rpy(readings.odom_quat)

    def t(value) -> torch.Tensor:
        return torch.as_tensor(np.asarray(value, dtype=np.float64), dtype=DTYPE)

    return {
        "tilt": t(tilt_of(readings.imu_quat)),
        "height": t(readings.odom_pos[2]),
        "body_contact_force": t(readings.body_contact_force),
        "foot_force": t(readings.foot_forces),
        "joint_pos": t(readings.joint_pos),
        "joint_vel": t(readings.joint_vel),
        "joint_effort": t(readings.joint_effort),
        "base_velocity": t(base_twist(readings) if base_velocity is None else base_velocity),
        "position": t(readings.odom_pos[:2]),
        "yaw": t(rpy[2]),
        "goal": t(goal_xy if goal_xy is not None else np.zeros(2)),
        "has_goal": t(1.0 if goal_xy is not None else 0.0),
    }


def base_twist(readings: Readings) -> np.ndarray:
    """(3,) body-frame planar twist from the state estimate: vx, vy (m/s), yaw rate (rad/s)."""
    return np.array([readings.odom_lin_vel[0], readings.odom_lin_vel[1], readings.odom_ang_vel[2]])


def lead_shape(features: Mapping[str, torch.Tensor]) -> torch.Size:
    """The leading (sample) shape shared by all features, e.g. () or (B, H)."""
    tilt = features["tilt"]
    return tilt.shape


def validate(features: Mapping[str, torch.Tensor]) -> None:
    """Raise ValueError naming the first missing or mis-shaped feature."""
    lead = lead_shape(features)
    for name, (trailing, unit, _) in FEATURES.items():
        if name not in features:
            raise ValueError(f"cost feature {name!r} ({unit}) is missing")
        want = (*lead, *trailing)
        if tuple(features[name].shape) != want:
            raise ValueError(f"cost feature {name!r} has shape {tuple(features[name].shape)}, want {want}")


def stack(states: list[Features]) -> Features:
    """Stack single-state features into a batch with leading shape (len(states),)."""
    return {name: torch.stack([s[name] for s in states]) for name in states[0]}
