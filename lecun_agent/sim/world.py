"""Builds one episode's pybullet world from scratch: floor, walls, obstacles, goal marker, robot.

Rebuilding from the seed (rather than saveState/restoreState) is what makes two runs with
the same seed bit-identical: pybullet's restored branches can diverge in contact caches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pybullet
import pybullet_data

from lecun_agent.body.readings import FOOT_LINKS, JOINT_NAMES
from lecun_agent.paths import urdf_path
from lecun_agent.sim.arena import Arena
from lecun_agent.sim.config import SimConfig

FOOT_RADIUS_M = 0.022  # matches urdf/quadruped.urdf


@dataclass
class RobotHandles:
    """pybullet ids of the robot: body, joint indices in JOINT_NAMES order, link indices by name."""

    body: int
    joint_ids: list[int]  # (12,) in JOINT_NAMES order
    link_ids: dict[str, int]  # link name -> pybullet link index (base = -1)
    foot_ids: list[int]  # (4,) in FOOT_LINKS order
    link_names: dict[int, str]  # inverse of link_ids


def _yaw_quat(yaw: float) -> list[float]:
    return [0.0, 0.0, float(np.sin(yaw / 2)), float(np.cos(yaw / 2))]


def _box(client: int, center, half_extents, yaw: float, rgba, mass: float = 0.0) -> int:
    col = pybullet.createCollisionShape(
        pybullet.GEOM_BOX, halfExtents=list(half_extents), physicsClientId=client
    )
    vis = pybullet.createVisualShape(
        pybullet.GEOM_BOX, halfExtents=list(half_extents), rgbaColor=list(rgba), physicsClientId=client
    )
    return pybullet.createMultiBody(mass, col, vis, list(center), _yaw_quat(yaw), physicsClientId=client)


def build_static_world(client: int, arena: Arena, config: SimConfig) -> None:
    """Floor (checker texture, so the camera sees motion), walls, obstacles and the goal marker."""
    pybullet.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=client)
    floor = pybullet.loadURDF("plane.urdf", physicsClientId=client)
    pybullet.changeDynamics(floor, -1, lateralFriction=config.ground_friction, physicsClientId=client)
    half, h, t = arena.config.size_m / 2.0, arena.config.wall_height_m, 0.05
    wall_rgba = (0.75, 0.75, 0.72, 1.0)
    for cx, cy, hx, hy in ((half, 0, t, half), (-half, 0, t, half), (0, half, half, t), (0, -half, half, t)):
        _box(client, (cx, cy, h / 2), (hx, hy, h / 2), 0.0, wall_rgba)
    for ob in arena.obstacles:
        _box(client, ob.center, ob.half_extents, ob.yaw, ob.rgba)
    # Goal: a visual-only green post with a ball on top, tall enough to be seen over obstacles.
    r = arena.config.goal_radius_m
    post = pybullet.createVisualShape(
        pybullet.GEOM_CYLINDER, radius=0.04, length=0.6, rgbaColor=[0.1, 0.8, 0.2, 1], physicsClientId=client
    )
    ball = pybullet.createVisualShape(
        pybullet.GEOM_SPHERE, radius=r, rgbaColor=[0.1, 0.95, 0.25, 1], physicsClientId=client
    )
    gx, gy = (float(v) for v in arena.goal_xy)
    pybullet.createMultiBody(0, -1, post, [gx, gy, 0.3], physicsClientId=client)
    pybullet.createMultiBody(0, -1, ball, [gx, gy, 0.6 + r], physicsClientId=client)


def load_robot(client: int, arena: Arena, config: SimConfig) -> RobotHandles:
    """Load the URDF at the start pose, joints in the standing pose, feet just touching the floor."""
    thigh, calf = config.stand_pose[1], config.stand_pose[2]
    # Leg lengths from the URDF: 0.22 m each (see docs/body.md); height of the base centre.
    height = 0.22 * np.cos(thigh) + 0.22 * np.cos(thigh + calf) + FOOT_RADIUS_M + 0.002
    start = [float(arena.start_xy[0]), float(arena.start_xy[1]), float(height)]
    body = pybullet.loadURDF(
        str(urdf_path()),
        start,
        _yaw_quat(arena.start_yaw),
        flags=pybullet.URDF_USE_INERTIA_FROM_FILE,
        physicsClientId=client,
    )
    link_ids = {"base": -1}
    for j in range(pybullet.getNumJoints(body, physicsClientId=client)):
        info = pybullet.getJointInfo(body, j, physicsClientId=client)
        link_ids[info[12].decode()] = j
        link_ids[info[1].decode()] = j  # joint name -> same index (a joint's child link index)
    joint_ids = [link_ids[n] for n in JOINT_NAMES]
    for j, q in zip(joint_ids, list(config.stand_pose) * 4, strict=True):
        pybullet.resetJointState(body, j, q, 0.0, physicsClientId=client)
    for foot in FOOT_LINKS:
        pybullet.changeDynamics(body, link_ids[foot], lateralFriction=1.0, physicsClientId=client)
    link_names = {idx: name for name, idx in link_ids.items() if not name.endswith("_joint")}
    return RobotHandles(body, joint_ids, link_ids, [link_ids[f] for f in FOOT_LINKS], link_names)
