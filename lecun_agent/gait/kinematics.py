"""Analytic inverse and forward kinematics of one 3-joint leg (hip abduction, thigh, calf).

Leg geometry comes from the URDF via RobotModel, so a changed body needs no code change.
Conventions (URDF, zero = leg straight down): the hip joint rotates about body x, thigh and
calf about y; a positive thigh angle swings the foot backward; the calf angle is negative
(knee pointing backward). Foot positions are relative to the hip joint origin, body frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lecun_agent.body.readings import LEGS
from lecun_agent.body.robot_model import RobotModel


@dataclass(frozen=True)
class LegGeometry:
    """Where one leg attaches and how long its segments are."""

    hip_origin: np.ndarray  # (3,) m, hip joint in the base frame
    thigh_offset: float  # m, signed lateral offset of the thigh joint from the hip axis (+ left)
    thigh_length: float  # m, thigh joint to calf joint
    calf_length: float  # m, calf joint to foot centre


def leg_geometries(model: RobotModel) -> dict[str, LegGeometry]:
    """Per-leg geometry read from the URDF joint origins."""
    out = {}
    for leg in LEGS:
        out[leg] = LegGeometry(
            hip_origin=model.origin(f"{leg}_hip_joint"),
            thigh_offset=float(model.origin(f"{leg}_thigh_joint")[1]),
            thigh_length=float(-model.origin(f"{leg}_calf_joint")[2]),
            calf_length=float(-model.origin(f"{leg}_foot_joint")[2]),
        )
    return out


def leg_ik(p: np.ndarray, geo: LegGeometry) -> np.ndarray:
    """Foot position p (3,) relative to the hip joint -> (hip, thigh, calf) angles (3,), rad.

    Unreachable points are pulled onto the workspace boundary rather than raising, since a
    controller must always produce a command.
    """
    x, y, z = (float(v) for v in p)
    d, l1, l2 = geo.thigh_offset, geo.thigh_length, geo.calf_length
    # Hip abduction: in the y-z plane the foot is the thigh offset d plus a leg "length" zp < 0.
    r2 = y * y + z * z
    zp = -np.sqrt(max(r2 - d * d, 1e-9))
    q_hip = np.arctan2(z, y) - np.arctan2(zp, d)
    # Sagittal plane of the rotated leg: two-link planar IK with the knee bent backward.
    length = np.clip(np.hypot(x, zp), abs(l1 - l2) + 1e-6, l1 + l2 - 1e-6)
    cos_knee = (length * length - l1 * l1 - l2 * l2) / (2 * l1 * l2)
    q_calf = -np.arccos(np.clip(cos_knee, -1.0, 1.0))
    q_thigh = np.arctan2(-x, -zp) - np.arctan2(l2 * np.sin(q_calf), l1 + l2 * np.cos(q_calf))
    q_hip = (q_hip + np.pi) % (2 * np.pi) - np.pi
    return np.array([q_hip, q_thigh, q_calf])


def leg_fk(q: np.ndarray, geo: LegGeometry) -> np.ndarray:
    """(hip, thigh, calf) angles (3,) -> foot position (3,) relative to the hip joint."""
    q0, q1, q2 = (float(v) for v in q)
    l1, l2 = geo.thigh_length, geo.calf_length
    x = -l1 * np.sin(q1) - l2 * np.sin(q1 + q2)
    zp = -l1 * np.cos(q1) - l2 * np.cos(q1 + q2)
    d = geo.thigh_offset
    y = d * np.cos(q0) - zp * np.sin(q0)
    z = d * np.sin(q0) + zp * np.cos(q0)
    return np.array([x, y, z])
