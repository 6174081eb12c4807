"""What actor_node publishes about a plan, and the cost definition cost_node publishes for it.

- `agent/plan`: nav_msgs/Path of the predicted base poses in `odom`, row 0 = the pose now.
- `agent/plan_costs`: JointState carrier, name = "<quantity>[<step>]", position = predicted raw value.
- `agent/plan_actions`: the command sequence, 32FC1 Image H x A (messages/latents.py).
- `agent/plan_samples`: visualization_msgs/MarkerArray, one LINE_STRIP per drawn sample path.
- `cost/definition`: JointState carrier, name = cost_node parameter, position = value.
"""

from __future__ import annotations

import re

import numpy as np
from builtin_interfaces.msg import Time as TimeMsg
from geometry_msgs.msg import Point, PoseStamped
from nav_msgs.msg import Path
from sensor_msgs.msg import JointState
from std_msgs.msg import ColorRGBA
from visualization_msgs.msg import Marker, MarkerArray

from lecun_agent.messages.conversions import ODOM_FRAME

PLAN_NAME = re.compile(r"([a-z_]+)\[(\d+)\]")  # plan_costs_msg's "<quantity>[<step>]", e.g. "tilt[3]"


def path_msg(stamp: TimeMsg, poses: np.ndarray, frame_id: str = ODOM_FRAME) -> Path:
    """poses (H + 1, 3) x, y, yaw -> nav_msgs/Path, every pose stamped with the plan's stamp."""
    msg = Path()
    msg.header.stamp, msg.header.frame_id = stamp, frame_id
    poses = np.asarray(poses, dtype=float)
    with np.errstate(invalid="ignore"):  # an infinite yaw gives a NaN orientation, which the guardrail vetoes
        half_sin, half_cos = np.sin(poses[:, 2] / 2), np.cos(poses[:, 2] / 2)
    for (x, y, _), qz, qw in zip(poses, half_sin, half_cos, strict=True):
        ps = PoseStamped()
        ps.header = msg.header
        ps.pose.position.x, ps.pose.position.y = float(x), float(y)
        ps.pose.orientation.z, ps.pose.orientation.w = float(qz), float(qw)
        msg.poses.append(ps)
    return msg


def named_values_msg(stamp: TimeMsg, values: dict[str, float]) -> JointState:
    """name -> value as a JointState carrier (name, position)."""
    msg = JointState(name=list(values), position=[float(v) for v in values.values()])
    msg.header.stamp = stamp
    return msg


def named_values(msg: JointState) -> dict[str, float]:
    """The carrier's name -> value; ValueError when the lists do not pair up."""
    if len(msg.name) != len(msg.position):
        raise ValueError(f"{len(msg.name)} names but {len(msg.position)} values")
    return dict(zip(msg.name, (float(v) for v in msg.position), strict=True))


def plan_costs_msg(stamp: TimeMsg, predicted: dict[str, np.ndarray]) -> JointState:
    """quantity -> (H,) predicted values -> "<quantity>[<k>]" entries (what cost_node's veto reads)."""
    return named_values_msg(stamp, {f"{name}[{k}]": float(v) for name, values in predicted.items()
                                    for k, v in enumerate(np.asarray(values, dtype=float).reshape(-1))})


def plan_costs_from_msg(msg: JointState) -> tuple[dict[str, np.ndarray], str | None]:
    """`plan_costs_msg`'s inverse: quantity -> predicted values in step order, or ({}, why) when the
    names and values do not pair up (a plan that cannot be read). Not `named_values`: a name sent twice must
    keep both values, or a NaN could hide behind a finite one."""
    if len(msg.name) != len(msg.position):
        return {}, f"{len(msg.name)} names but {len(msg.position)} values"
    predicted: dict[str, list[float]] = {}
    for name, value in zip(msg.name, msg.position, strict=True):
        predicted.setdefault(name.split("[")[0], []).append(value)
    return {k: np.array(v, dtype=float) for k, v in predicted.items()}, None


def plan_names_problem(names) -> str | None:
    """Why a plan's cost names are not `plan_costs_msg`'s "<quantity>[<step>]" (a misspelt veto quantity
    would otherwise never veto), or None."""
    bad = next((name for name in names if PLAN_NAME.fullmatch(name) is None), None)
    return None if bad is None else f"a name {bad!r} that is not <quantity>[<step>]"


def path_problem(msg: Path) -> str | None:
    """Why a plan's path cannot be trusted (no pose: a plan has at least the pose now; a non-finite one),
    or None."""
    if not msg.poses:
        return "no poses"
    values = [(p.position.x, p.position.y, p.position.z, p.orientation.x, p.orientation.y, p.orientation.z,
               p.orientation.w) for p in (ps.pose for ps in msg.poses)]
    return None if np.all(np.isfinite(np.asarray(values, dtype=float))) else "a non-finite pose"


def samples_markers(stamp: TimeMsg, paths: np.ndarray, costs: np.ndarray, count: int,
                    frame_id: str = ODOM_FRAME) -> MarkerArray:
    """The `count` cheapest sampled paths (N, H + 1, 2) as LINE_STRIPs, green (cheap) to red."""
    order = np.argsort(np.where(np.isfinite(costs), costs, np.inf))[:count]
    out = MarkerArray()
    clear = Marker(action=Marker.DELETEALL)
    clear.header.stamp, clear.header.frame_id = stamp, frame_id
    out.markers.append(clear)
    for rank, i in enumerate(order):
        m = Marker(ns="plan_samples", id=rank, type=Marker.LINE_STRIP, action=Marker.ADD)
        m.header.stamp, m.header.frame_id = stamp, frame_id
        m.pose.orientation.w = 1.0
        m.scale.x = 0.01
        share = rank / max(len(order) - 1, 1)
        m.color = ColorRGBA(r=float(share), g=float(1.0 - share), b=0.0, a=0.6)
        m.points = [Point(x=float(x), y=float(y), z=0.05) for x, y in paths[i]]
        out.markers.append(m)
    return out
