"""The proprioceptive vector the encoder reads, built from `Readings` the same way everywhere.

The collector, the MCAP converter and perception_node all call `proprio_from_readings`, so a
model trained on one source reads the others. The vector is egocentric on purpose: no odom
position or yaw, which would make the latent depend on where the arena happens to be.
"""

from __future__ import annotations

import numpy as np

from lecun_agent.body.readings import Readings

# (name, width) in vector order; the dataset spec records this list so a mismatch is caught.
PROPRIO_FIELDS: tuple[tuple[str, int], ...] = (
    ("joint_pos", 12),
    ("joint_vel", 12),
    ("joint_effort", 12),
    ("gravity_body", 3),  # unit gravity direction in the body frame, from the IMU quaternion
    ("imu_gyro", 3),
    ("imu_accel", 3),
    ("foot_forces", 4),
    ("odom_lin_vel", 3),  # body-frame state estimate, as nav_msgs/Odometry twist
    ("odom_ang_vel", 3),
)
PROPRIO_DIM = sum(w for _, w in PROPRIO_FIELDS)


def gravity_in_body(quat: np.ndarray) -> np.ndarray:
    """(x, y, z, w) base orientation -> (3,) world down-axis expressed in the body frame."""
    x, y, z, w = (float(v) for v in quat)
    # Third row of R^T (world->body) applied to (0, 0, -1).
    return -np.array([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)])


def proprio_from_readings(r: Readings) -> np.ndarray:
    """Readings -> (PROPRIO_DIM,) float32 in PROPRIO_FIELDS order."""
    parts = [
        r.joint_pos,
        r.joint_vel,
        r.joint_effort,
        gravity_in_body(r.imu_quat),
        r.imu_gyro,
        r.imu_accel,
        r.foot_forces,
        r.odom_lin_vel,
        r.odom_ang_vel,
    ]
    vec = np.concatenate([np.asarray(p, dtype=np.float32).reshape(-1) for p in parts])
    if vec.shape != (PROPRIO_DIM,):
        raise ValueError(f"proprioception has {vec.shape[0]} values, expected {PROPRIO_DIM}")
    return vec
