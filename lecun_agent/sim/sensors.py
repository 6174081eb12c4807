"""Sensor models: what a real robot's encoders, IMU, foot sensors and state estimator would report.

The truth comes from pybullet; noise comes from a seeded numpy RNG so runs stay reproducible.
Nominal noise (scaled by SimConfig.imu_noise / odom_noise, 0 = exact):
  gyro 0.005 rad/s, accel 0.05 m/s^2, orientation 0.002 rad (white, per reading);
  odometry: the true motion of each control period with a per-episode velocity scale error
  (1 sigma 3 %), gyro yaw bias (1 sigma 0.003 rad/s) and white velocity noise 0.03 m/s, integrated,
  so the odometry drifts like leg odometry (and only by those errors).
"""

from __future__ import annotations

import numpy as np
import pybullet

from lecun_agent.body.readings import wrap_angle
from lecun_agent.sim.world import RobotHandles

GRAVITY = np.array([0.0, 0.0, 9.81])  # m/s^2, what an accelerometer at rest reads (upwards)
GYRO_STD, ACCEL_STD, ORIENT_STD = 0.005, 0.05, 0.002
ODOM_SCALE_STD, ODOM_YAW_BIAS_STD, ODOM_VEL_STD = 0.03, 0.003, 0.03


def rot_matrix(quat: np.ndarray) -> np.ndarray:
    """(4,) x,y,z,w -> (3, 3) rotation body -> world."""
    return np.array(pybullet.getMatrixFromQuaternion([float(v) for v in quat])).reshape(3, 3)


def yaw_quat(yaw: float) -> np.ndarray:
    return np.array([0.0, 0.0, np.sin(yaw / 2), np.cos(yaw / 2)])


def quat_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product of (x, y, z, w) quaternions."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return np.array(
        [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ]
    )


def read_joints(client: int, robot: RobotHandles) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(12,) position rad, velocity rad/s, applied torque N*m, in JOINT_NAMES order."""
    states = pybullet.getJointStates(robot.body, robot.joint_ids, physicsClientId=client)
    pos = np.array([s[0] for s in states])
    vel = np.array([s[1] for s in states])
    eff = np.array([s[3] for s in states])
    return pos, vel, eff


def read_contacts(client: int, robot: RobotHandles) -> tuple[np.ndarray, dict[str, float]]:
    """(4,) normal force per foot (N), and {link name: summed normal force} for other touching links."""
    feet = np.zeros(4)
    foot_slot = {link: i for i, link in enumerate(robot.foot_ids)}
    body: dict[str, float] = {}
    for c in pybullet.getContactPoints(bodyA=robot.body, physicsClientId=client):
        if c[2] == robot.body:  # self-collision is off; ignore if a future URDF turns it on
            continue
        link, force = c[3], c[9]
        if link in foot_slot:
            feet[foot_slot[link]] += force
        else:
            name = robot.link_names.get(link, str(link))
            body[name] = body.get(name, 0.0) + force
    return feet, body


class ImuModel:
    """IMU at the base: orientation, gyro and accelerometer (specific force) in the body frame."""

    def __init__(self, rng: np.random.Generator, scale: float):
        self.rng, self.scale = rng, scale

    def _noise(self, std: float, n: int) -> np.ndarray:
        return self.rng.normal(0.0, std * self.scale, n) if self.scale > 0 else np.zeros(n)

    def read(
        self, quat: np.ndarray, ang_vel_w: np.ndarray, lin_acc_w: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """quat (4,), world angular velocity (3,), world linear acceleration (3,) -> noisy IMU."""
        r_wb = rot_matrix(quat)
        gyro = r_wb.T @ ang_vel_w + self._noise(GYRO_STD, 3)
        accel = r_wb.T @ (lin_acc_w + GRAVITY) + self._noise(ACCEL_STD, 3)
        d = self._noise(ORIENT_STD, 3) / 2.0  # small-angle rotation as a quaternion
        q = quat_mul(np.asarray(quat, dtype=float), np.array([d[0], d[1], d[2], 1.0]))
        return q / np.linalg.norm(q), gyro, accel


class OdometryEstimator:
    """Leg-odometry-like state estimate: the body's true motion over each control period, with the
    errors of leg odometry and a gyro added (a velocity scale error, white velocity noise and a yaw
    rate bias), integrated from the true start pose. With scale 0 it is exact; with noise it drifts
    by those errors only.

    Integrating the velocity sampled once per control period instead (as this did before) drifted
    by itself: a trotting body's velocity spikes at footfalls and a pressed, tilted body's gyro z is
    not the yaw rate, so with no noise at all the estimate was 20 degrees and 0.4 m off after 15 s
    against a block (docs/body.md).
    """

    def __init__(self, rng: np.random.Generator, scale: float, pos: np.ndarray, yaw: float):
        self.rng, self.scale = rng, scale
        self.vel_scale = 1.0 + (rng.normal(0.0, ODOM_SCALE_STD * scale) if scale > 0 else 0.0)
        self.yaw_bias = rng.normal(0.0, ODOM_YAW_BIAS_STD * scale) if scale > 0 else 0.0
        self.pos = np.asarray(pos, dtype=float).copy()  # (3,) m, odom frame
        self.yaw = float(yaw)
        self._true_pos, self._true_yaw = self.pos.copy(), self.yaw  # the truth at the last update

    def update(
        self, pos: np.ndarray, quat: np.ndarray, lin_vel_w: np.ndarray, ang_vel_w: np.ndarray, dt: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Advance by dt to the true pose pos (3,), quat (4,) with true world velocities (3,), (3,);
        returns the estimate: pos (3,), quat (4,), body lin vel (3,), body ang vel (3,)."""
        r_wb = rot_matrix(quat)
        v_body = r_wb.T @ lin_vel_w * self.vel_scale
        w_body = r_wb.T @ ang_vel_w
        noise = np.zeros(3)
        if self.scale > 0:
            noise = self.rng.normal(0.0, ODOM_VEL_STD * self.scale, 3)
            v_body = v_body + noise
            w_body = w_body + np.array([0.0, 0.0, self.yaw_bias])
        true_yaw = _yaw_of(quat)
        turned = wrap_angle(true_yaw - self._true_yaw)
        true_mid, est_mid = self._true_yaw + 0.5 * turned, self.yaw + 0.5 * (turned + self.yaw_bias * dt)
        # The period's displacement in the heading frame (yaw only), scaled, noise added, then laid
        # along the estimated heading: with no errors, exactly the true displacement.
        moved = _yaw_rotation(-true_mid) @ (np.asarray(pos, dtype=float) - self._true_pos)
        self.pos = self.pos + _yaw_rotation(est_mid) @ (moved * self.vel_scale + noise * dt)
        self.yaw += turned + self.yaw_bias * dt
        self._true_pos, self._true_yaw = np.asarray(pos, dtype=float).copy(), true_yaw
        # Roll and pitch are observable from gravity, so the estimate keeps the true ones; yaw drifts.
        roll_pitch = quat_mul(yaw_quat(-true_yaw), np.asarray(quat, dtype=float))
        q_est = quat_mul(yaw_quat(self.yaw), roll_pitch)
        return self.pos.copy(), q_est / np.linalg.norm(q_est), v_body, w_body


def _yaw_rotation(yaw: float) -> np.ndarray:
    """(3, 3) rotation about z by yaw."""
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _yaw_of(quat: np.ndarray) -> float:
    x, y, z, w = (float(v) for v in quat)
    return float(np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)))
