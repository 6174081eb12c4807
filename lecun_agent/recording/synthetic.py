"""A small, plausible recording of the robot-side topics, written without ROS running.

Tests, docs and benchmarks use it where a simulator run would be slow or unavailable: it goes
through the same message conversions sim_node uses, so consumers cannot tell the difference.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import CameraInfo

from lecun_agent.body.readings import FOOT_LINKS, JOINT_NAMES, Readings
from lecun_agent.messages import conversions as conv
from lecun_agent.messages.conversions import sec_to_stamp
from lecun_agent.recording.bag import BagWriter
from lecun_agent.recording.topics import resolve

STAND = np.tile([0.0, 0.8, -1.6], 4)  # (12,) rad, a crouched standing pose


def synthetic_readings(t: float, rng: np.random.Generator, command: np.ndarray) -> Readings:
    """A trotting-in-place body moving at `command` (vx, vy, yaw_rate)."""
    phase = 2 * np.pi * 2.0 * t
    q = STAND + 0.15 * np.sin(phase + np.arange(12))
    yaw = command[2] * t
    quat = np.array([0.0, 0.0, np.sin(yaw / 2), np.cos(yaw / 2)])
    return Readings(
        stamp=t, joint_pos=q, joint_vel=0.15 * 2 * np.pi * 2.0 * np.cos(phase + np.arange(12)),
        joint_effort=rng.normal(0, 2.0, 12), imu_quat=quat, imu_gyro=np.array([0, 0, command[2]]),
        imu_accel=np.array([0, 0, 9.81]) + rng.normal(0, 0.1, 3),
        foot_forces=np.clip(30 + 30 * np.sin(phase + np.array([0, np.pi, np.pi, 0])), 0, None),
        odom_pos=np.array([command[0] * t, command[1] * t, 0.3]), odom_quat=quat,
        odom_lin_vel=np.array([command[0], command[1], 0.0]), odom_ang_vel=np.array([0, 0, command[2]]),
    )


def write_synthetic_bag(path: Path | str, duration_s: float = 3.0, seed: int = 0, joint_hz: float = 50.0,
                        camera_hz: float = 10.0, namespace: str = "", omit: Iterable[str] = (),
                        nan_at: Iterable[float] = (), reset_at: float | None = None,
                        image_size: int = 64, chunk_size: int = 1 << 20, compression: str = "zstd",
                        log_time_scale: float = 1.0, first_command_s: float = 0.0) -> Path:
    """Write `duration_s` of sim-time data; `nan_at` times get NaN joint readings, `reset_at` restarts
    the clock at 0 (a second episode), `omit` leaves topics out; `chunk_size` and `compression` go to
    BagWriter (small chunks make a file with many, as a long recording has). `log_time_scale`: wall
    seconds per sim second in the log times (a lock-step run recorded without sim time). `first_command_s`: no
    /cmd_vel before then (a recorder hears the sensors before the first command)."""
    rng = np.random.default_rng(seed)
    omit, nan_at = set(omit), sorted(nan_at)
    path = Path(path)
    ticks = int(round(duration_s * joint_hz))
    per_frame = max(1, int(round(joint_hz / camera_hz)))
    base_ns = 1_700_000_000 * 10**9  # wall-clock-like log times, as a real recording has
    with BagWriter(path, compression=compression, chunk_size=chunk_size) as bag:
        def put(topic: str, msg, log_s: float) -> None:
            if topic not in omit:
                bag.write(resolve(topic, namespace), msg, base_ns + int(log_s * log_time_scale * 1e9))

        info = CameraInfo(width=image_size, height=image_size)
        info.header.frame_id = "camera_optical_frame"
        put("camera/camera_info", info, 0.0)
        for i in range(ticks):
            log_s = i / joint_hz  # receive time keeps growing across a reset, as in a real recording
            t = log_s if reset_at is None or log_s < reset_at else log_s - reset_at
            command = np.array([0.3 * np.sin(0.5 * log_s), 0.0, 0.2 * np.cos(0.3 * log_s)])
            r = synthetic_readings(t, rng, command)
            if any(abs(t - n) < 0.5 / joint_hz for n in nan_at):
                r.joint_pos = r.joint_pos * np.nan
            put("/clock", Clock(clock=sec_to_stamp(t)), log_s)
            put("joint_states", conv.joint_state_msg(r), log_s)
            put("imu/data", conv.imu_msg(r), log_s)
            put("foot_contacts", conv.contacts_msg(t, FOOT_LINKS, r.foot_forces), log_s)
            put("odom", conv.odometry_msg(t, r.odom_pos, r.odom_quat, r.odom_lin_vel, r.odom_ang_vel), log_s)
            if i % per_frame == 0:
                img = np.zeros((image_size, image_size, 3), dtype=np.uint8)
                x = int((image_size - 8) * (0.5 + 0.4 * np.sin(t)))
                img[:, :, 2] = 120
                img[20:28, x:x + 8] = (200, 60, 30)
                put("camera/image_raw", conv.image_msg(t, img), log_s + 0.001)
                if log_s >= first_command_s:
                    put("cmd_vel", conv.twist_msg(sec_to_stamp(t), command), log_s + 0.002)
    assert len(JOINT_NAMES) == 12
    return path
