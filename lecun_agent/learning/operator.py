"""path_blocked: the in-process collector's stand-in for a careful teleoperator.

A person collecting data with a joystick does not drive a robot backwards or sideways into walls
it cannot see; the random program alone does, and then the body's motion depends on obstacles
outside the forward camera's view, which no model of the robot's own observations can predict.
Before each step the collector asks whether the direction the robot is commanded to move is
clear of obstacles and walls for `lookahead_m` (three horizontal ray tests, body centre and
both sides, ground truth from the simulator); if not, the program turns in place until it is.
"""

from __future__ import annotations

import numpy as np
import pybullet

from lecun_agent.body.readings import quat_to_rpy

START_M = 0.3  # rays start outside the body and legs
RAY_HEIGHT_M = 0.2  # below the lowest obstacle (0.3 m) and wall (0.4 m) tops
SIDE_OFFSET_M = 0.15  # half the body's width, for the two side rays


def path_blocked(sim, command: np.ndarray, lookahead_m: float = 0.8, min_speed: float = 0.05) -> bool:
    """True if moving along command's (vx, vy) would hit something within lookahead_m of the base."""
    v = np.asarray(command[:2], dtype=float)
    speed = float(np.hypot(*v))
    if speed < min_speed:
        return False
    gt = sim.ground_truth()
    yaw = float(quat_to_rpy(gt.quat)[2])
    c, s = np.cos(yaw), np.sin(yaw)
    direction = np.array([c * v[0] - s * v[1], s * v[0] + c * v[1]]) / speed  # (2,) world frame
    side = np.array([-direction[1], direction[0]])
    starts, ends = [], []
    for offset in (-SIDE_OFFSET_M, 0.0, SIDE_OFFSET_M):
        base = gt.pos[:2] + offset * side
        starts.append([*(base + START_M * direction), RAY_HEIGHT_M])
        ends.append([*(base + lookahead_m * direction), RAY_HEIGHT_M])
    hits = pybullet.rayTestBatch(starts, ends, physicsClientId=sim.client)
    return any(hit[0] not in (-1, sim.robot.body) for hit in hits)


def clearance(sim, angles: np.ndarray, max_m: float = 5.0) -> np.ndarray:
    """Body-frame headings (n,) rad -> free distance (n,) m from the base centre: the minimum over
    three parallel rays (centre and both sides) at RAY_HEIGHT_M, so it is the body's clearance."""
    gt = sim.ground_truth()
    yaw = float(quat_to_rpy(gt.quat)[2])
    starts, ends = [], []
    for a in np.asarray(angles, dtype=float):
        direction = np.array([np.cos(yaw + a), np.sin(yaw + a)])
        side = np.array([-direction[1], direction[0]])
        for offset in (-SIDE_OFFSET_M, 0.0, SIDE_OFFSET_M):
            base = gt.pos[:2] + offset * side
            starts.append([*(base + START_M * direction), RAY_HEIGHT_M])
            ends.append([*(base + max_m * direction), RAY_HEIGHT_M])
    hits = pybullet.rayTestBatch(starts, ends, physicsClientId=sim.client)
    frac = np.array([h[2] if h[0] not in (-1, sim.robot.body) else 1.0 for h in hits]).reshape(-1, 3)
    return START_M + frac.min(1) * (max_m - START_M)  # (n,)


class SimSenses:
    """The programs' `Senses` in the in-process sim: odometry heading and measured contact force
    from the latest readings; range readings and the operator's check from the simulator."""

    def __init__(self, sim):
        self.sim = sim
        self.readings = None  # set by the collector before each program step

    def heading(self) -> float:
        return float(quat_to_rpy(self.readings.odom_quat)[2])

    def contact_force(self) -> float:
        return float(self.readings.body_contact_force)

    def clearance(self, angles: np.ndarray) -> np.ndarray:
        return clearance(self.sim, angles)

    def blocked(self, command: np.ndarray) -> bool:
        return path_blocked(self.sim, command)
