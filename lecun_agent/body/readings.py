"""What the robot's sensors report at one instant, as plain numpy: the shared currency of the cores.

The simulation core produces it, the nodes rebuild it from ROS messages (so a real robot's
driver feeds the same code), and the cost core and the dataset read it. Units are SI,
angles in radians, quaternions (x, y, z, w) as ROS writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LEGS = ("FL", "FR", "RL", "RR")
JOINTS_PER_LEG = ("hip", "thigh", "calf")
JOINT_NAMES = tuple(f"{leg}_{part}_joint" for leg in LEGS for part in JOINTS_PER_LEG)
FOOT_LINKS = tuple(f"{leg}_foot" for leg in LEGS)


@dataclass
class Readings:
    """One time-aligned set of proprioceptive and state-estimate readings."""

    stamp: float  # s, time of the reading (sim time in simulation)
    joint_pos: np.ndarray  # (12,) rad, order JOINT_NAMES
    joint_vel: np.ndarray  # (12,) rad/s
    joint_effort: np.ndarray  # (12,) N*m, applied torque
    imu_quat: np.ndarray  # (4,) x, y, z, w: base orientation in the odom/world frame
    imu_gyro: np.ndarray  # (3,) rad/s, body frame
    imu_accel: np.ndarray  # (3,) m/s^2, body frame, gravity included (reads +9.81 z at rest)
    foot_forces: np.ndarray  # (4,) N, normal contact force per foot, order LEGS
    odom_pos: np.ndarray  # (3,) m, estimated base position in odom
    odom_quat: np.ndarray  # (4,) x, y, z, w, estimated base orientation in odom
    odom_lin_vel: np.ndarray  # (3,) m/s, body frame (as nav_msgs/Odometry twist)
    odom_ang_vel: np.ndarray  # (3,) rad/s, body frame
    # N, summed normal force on each non-foot link touching anything. Simulation fills
    # it; a real robot without bump sensors leaves it empty.
    body_contacts: dict[str, float] = field(default_factory=dict)

    @property
    def body_contact_force(self) -> float:
        return float(sum(self.body_contacts.values()))

    def untrusted(self) -> dict[str, str]:
        """source -> which of its fields hold NaN or Inf (missing fields are NaN); {} when all are finite.

        Sources are the topics the fields come from: joint_states, imu, odom, feet, body.
        """
        out = {}
        for source, names in SOURCE_FIELDS.items():
            bad = [n for n in names if not np.all(np.isfinite(np.asarray(getattr(self, n), dtype=float)))]
            if bad:
                out[source] = f"{source}: {', '.join(bad)} not finite"
        if not all(np.isfinite(v) for v in self.body_contacts.values()):
            out["body"] = "body: a contact force is not finite"
        return out


SOURCE_FIELDS = {
    "joint_states": ("joint_pos", "joint_vel", "joint_effort"),
    "imu": ("imu_quat", "imu_gyro", "imu_accel"),
    "odom": ("odom_pos", "odom_quat", "odom_lin_vel", "odom_ang_vel"),
    "feet": ("foot_forces",),
}


def quat_to_rpy(quat: np.ndarray) -> np.ndarray:
    """(x, y, z, w) -> (roll, pitch, yaw) in rad."""
    x, y, z, w = (float(v) for v in quat)
    roll = np.arctan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
    pitch = np.arcsin(np.clip(2 * (w * y - z * x), -1.0, 1.0))
    yaw = np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
    return np.array([roll, pitch, yaw])


def wrap_angle(angle: float) -> float:
    """An angle in rad brought into [-pi, pi)."""
    return float((angle + np.pi) % (2 * np.pi) - np.pi)


def tilt_of(quat: np.ndarray) -> float:
    """Angle in rad between the body's up axis and the world's up axis."""
    x, y, _, _ = (float(v) for v in quat)
    up_z = 1.0 - 2.0 * (x * x + y * y)  # z component of the body z axis in the world
    return float(np.arccos(np.clip(up_z, -1.0, 1.0)))


def rpy_matrix(roll: float, pitch: float, yaw: float) -> np.ndarray:
    """Fixed-axis roll, pitch, yaw (URDF, and quat_to_rpy) -> rotation matrix Rz(yaw) Ry(pitch) Rx(roll)."""
    cr, sr, cp, sp, cy, sy = np.cos(roll), np.sin(roll), np.cos(pitch), np.sin(pitch), np.cos(yaw), np.sin(yaw)
    rx = np.array([[1, 0, 0], [0, cr, -sr], [0, sr, cr]])
    ry = np.array([[cp, 0, sp], [0, 1, 0], [-sp, 0, cp]])
    rz = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]])
    return rz @ ry @ rx


def rotation_matrix(quat: np.ndarray) -> np.ndarray:
    """(3, 3) rotation taking body-frame vectors to the world frame, from (x, y, z, w)."""
    x, y, z, w = (float(v) for v in quat)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])
