"""The robot body as numbers, read from the URDF with xml.etree (no pybullet, no ROS).

The cost core needs joint limits and the mass, the tests need the link tree, and the gait
needs leg geometry; all of them read it from here, so the URDF stays the one source of truth.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lecun_agent.body.readings import JOINT_NAMES
from lecun_agent.paths import urdf_path

CAMERA_LINK = "camera_link"


@dataclass
class JointInfo:
    """One URDF joint: its type, parent/child links, origin and (for revolute joints) limits."""

    name: str
    type: str
    parent: str
    child: str
    origin_xyz: np.ndarray  # (3,) m, in the parent link frame
    axis: np.ndarray  # (3,)
    origin_rpy: np.ndarray = field(default_factory=lambda: np.zeros(3))  # (3,) rad, fixed-axis roll, pitch, yaw
    lower: float = 0.0  # rad
    upper: float = 0.0  # rad
    effort: float = 0.0  # N*m
    velocity: float = 0.0  # rad/s


@dataclass
class LinkInfo:
    """One URDF link: mass, diagonal inertia and whether it has collision geometry (and where)."""

    name: str
    mass: float  # kg
    inertia_diag: np.ndarray  # (3,) kg*m^2, ixx iyy izz
    has_collision: bool
    collision_xyz: np.ndarray = field(default_factory=lambda: np.zeros(3))  # (3,) m, first collision's origin


@dataclass
class RobotModel:
    """What a controller or a cost term needs to know about the body."""

    name: str
    joints: dict[str, JointInfo]  # all joints, fixed ones included
    links: dict[str, LinkInfo]
    actuated: tuple[str, ...] = field(default=JOINT_NAMES)  # order of every (12,) joint array
    camera_link: str = CAMERA_LINK

    @property
    def total_mass(self) -> float:
        return float(sum(link.mass for link in self.links.values()))

    def _limit(self, attr: str) -> np.ndarray:
        return np.array([getattr(self.joints[n], attr) for n in self.actuated])

    @property
    def lower(self) -> np.ndarray:  # (12,) rad
        return self._limit("lower")

    @property
    def upper(self) -> np.ndarray:  # (12,) rad
        return self._limit("upper")

    @property
    def effort_limits(self) -> np.ndarray:  # (12,) N*m
        return self._limit("effort")

    @property
    def velocity_limits(self) -> np.ndarray:  # (12,) rad/s
        return self._limit("velocity")

    def origin(self, joint: str) -> np.ndarray:
        """(3,) joint origin in its parent frame; the gait derives leg geometry from these."""
        return self.joints[joint].origin_xyz.copy()

    @property
    def root(self) -> str:
        """The link no joint moves (the base)."""
        return next(iter(set(self.links) - {j.child for j in self.joints.values()}))

    def link_positions(self) -> dict[str, np.ndarray]:
        """{link: (3,) m} each link frame's origin in the root frame at zero joint angles: the joint
        origins summed down the tree, their rotations ignored (the legs' joints have none)."""
        found = {self.root: np.zeros(3)}
        todo = [self.root]
        while todo:
            parent = todo.pop()
            for joint in self.joints.values():
                if joint.parent == parent:
                    found[joint.child] = found[parent] + joint.origin_xyz
                    todo.append(joint.child)
        return found


def _floats(text: str | None, default: str) -> np.ndarray:
    return np.array([float(v) for v in (text or default).split()])


def _parse_joint(el: ET.Element) -> JointInfo:
    origin = el.find("origin")
    axis = el.find("axis")
    limit = el.find("limit")
    info = JointInfo(
        name=el.attrib["name"],
        type=el.attrib["type"],
        parent=el.find("parent").attrib["link"],
        child=el.find("child").attrib["link"],
        origin_xyz=_floats(origin.get("xyz") if origin is not None else None, "0 0 0"),
        axis=_floats(axis.get("xyz") if axis is not None else None, "1 0 0"),
        origin_rpy=_floats(origin.get("rpy") if origin is not None else None, "0 0 0"),
    )
    if limit is not None:
        info.lower = float(limit.get("lower", 0.0))
        info.upper = float(limit.get("upper", 0.0))
        info.effort = float(limit.get("effort", 0.0))
        info.velocity = float(limit.get("velocity", 0.0))
    return info


def _parse_link(el: ET.Element) -> LinkInfo:
    inertial = el.find("inertial")
    mass, diag = 0.0, np.zeros(3)
    if inertial is not None:
        mass = float(inertial.find("mass").attrib["value"])
        ine = inertial.find("inertia").attrib
        diag = np.array([float(ine["ixx"]), float(ine["iyy"]), float(ine["izz"])])
    collision = el.find("collision")
    origin = collision.find("origin") if collision is not None else None
    return LinkInfo(el.attrib["name"], mass, diag, collision is not None,
                    _floats(origin.get("xyz") if origin is not None else None, "0 0 0"))


def load_robot_model(path: str | Path | None = None) -> RobotModel:
    """Parse the URDF (default: the package's quadruped) into a RobotModel."""
    root = ET.parse(str(path or urdf_path())).getroot()
    joints = {j.name: j for j in (_parse_joint(el) for el in root.findall("joint"))}
    links = {lk.name: lk for lk in (_parse_link(el) for el in root.findall("link"))}
    missing = [n for n in JOINT_NAMES if n not in joints]
    if missing:
        raise ValueError(f"URDF {path} lacks actuated joints {missing}")
    return RobotModel(name=root.attrib.get("name", ""), joints=joints, links=links)
