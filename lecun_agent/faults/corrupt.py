"""Bad copies of good messages: NaN or Inf values, wrong sizes, shifted stamps.

Each function returns a new message and leaves the original alone (the relay forwards the original
outside a fault's window). Wrong sizes exist only for messages with variable-length arrays
(JointState, Image, JointTrajectory); Imu, Odometry and the stamped twists and poses have fixed
sizes, and rclpy refuses a wrong-size covariance before it is ever sent.
"""

from __future__ import annotations

import copy

import numpy as np
from geometry_msgs.msg import Pose, PoseArray, PoseStamped, TwistStamped
from nav_msgs.msg import Odometry
from sensor_msgs.msg import Image, Imu, JointState
from trajectory_msgs.msg import JointTrajectory

from lecun_agent.messages.conversions import sec_to_stamp, stamp_to_sec


def shifted(msg, seconds: float):
    """The message stamped `seconds` later (negative: earlier), as a driver on another clock sends it."""
    out = copy.deepcopy(msg)
    out.header.stamp = sec_to_stamp(max(0.0, stamp_to_sec(msg.header.stamp) + seconds))
    return out


def with_value(msg, value: float):
    """Every float the consumer reads set to `value` (NaN or Inf)."""
    out = copy.deepcopy(msg)
    if isinstance(out, JointState):
        for name in ("position", "velocity", "effort"):
            if len(getattr(out, name)):
                setattr(out, name, [value] * len(getattr(out, name)))
    elif isinstance(out, Imu):
        o, w, a = out.orientation, out.angular_velocity, out.linear_acceleration
        o.x = o.y = o.z = o.w = w.x = w.y = w.z = a.x = a.y = a.z = value
    elif isinstance(out, Odometry):
        p, q, t = out.pose.pose.position, out.pose.pose.orientation, out.twist.twist
        p.x = p.y = p.z = q.x = q.y = q.z = q.w = value
        t.linear.x = t.linear.y = t.linear.z = t.angular.x = t.angular.y = t.angular.z = value
    elif isinstance(out, TwistStamped):
        t = out.twist
        t.linear.x = t.linear.y = t.linear.z = t.angular.x = t.angular.y = t.angular.z = value
    elif isinstance(out, PoseStamped):
        out.pose.position.x = out.pose.position.y = value
    elif isinstance(out, PoseArray):  # a goal sighting: the marker seen at a non-finite place
        pose = Pose()
        pose.position.x = pose.position.y = value
        out.poses = [pose]
    elif isinstance(out, JointTrajectory):
        for point in out.points:
            point.positions = [value] * len(point.positions)
    elif isinstance(out, Image) and out.encoding == "32FC1":
        out.data = np.full(len(out.data) // 4, value, dtype=np.float32).tobytes()
    else:
        raise ValueError(f"no {value} form of {type(msg).__name__} ({getattr(msg, 'encoding', '')})")
    return out


def wrong_size(msg):
    """Arrays shorter than the message says, or fewer entries than the contract needs."""
    out = copy.deepcopy(msg)
    if isinstance(out, JointState):  # the last three joints (or forces) left out, names and values
        n = max(0, len(out.name) - 3)
        out.name = list(out.name[:n])
        for name in ("position", "velocity", "effort"):
            values = list(getattr(out, name))
            setattr(out, name, values[:n] if values else values)
    elif isinstance(out, Image):  # half the data the width, height and step promise
        out.data = bytes(out.data[: len(out.data) // 2])
        if out.encoding == "32FC1":  # a latent of another size: fewer columns, consistent fields
            out.width, out.step = max(1, out.width - 3), 4 * max(1, out.width - 3)
            out.data = bytes(4 * out.width * out.height)
    elif isinstance(out, JointTrajectory):
        for point in out.points:
            point.positions = list(point.positions[:6])
    else:
        raise ValueError(f"{type(msg).__name__} has fixed sizes: no wrong-size form")
    return out


def corrupted(msg, kind: str):
    """The message as fault `kind` (nan, inf, wrong_size) sends it."""
    if kind == "nan":
        return with_value(msg, float("nan"))
    if kind == "inf":
        return with_value(msg, float("inf"))
    if kind == "wrong_size":
        return wrong_size(msg)
    raise ValueError(f"unknown corruption {kind!r}")
