"""`agent/mode_stamped`: the configurator's mode as of an odometry reading, for agents that act in lock-step.

`agent/mode` (latched std_msgs/String) says what the mode is now; it has no stamp, so an agent tick
at t could not tell whether the configurator had judged the odometry of t yet, and which tick first
rested after the goal depended on message timing. The configurator therefore also publishes, after
each odometry reading, a sensor_msgs/JointState carrier stamped with that reading: `name` = [mode],
and while it holds a goal `position` = [x, y of the goal sent, x, y of the goal to walk to] (m, odom;
the second pair is the first moved onto the goal marker the robot sees: configurator/goal_homing.py),
and while it looks around for that marker (configurator/look_around.py) the goal to walk to is the
viewpoint and a third pair follows: x, y of the point to keep in view.
An agent's TickGate waits for it like for the odometry itself.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from builtin_interfaces.msg import Time as TimeMsg
from sensor_msgs.msg import JointState


class TickGoal(NamedTuple):
    sent: np.ndarray  # (2,) m, odom
    target: np.ndarray  # (2,) m, odom: the goal to walk to
    look_at: np.ndarray | None  # (2,) m, odom: the point to keep in view while looking around; None: none


def mode_msg(stamp: TimeMsg, mode: str, sent: np.ndarray | None = None, target: np.ndarray | None = None,
             look_at: np.ndarray | None = None) -> JointState:
    msg = JointState(name=[mode])
    msg.header.stamp = stamp
    if sent is not None and target is not None:
        msg.position = [float(v) for v in (*sent, *target, *(() if look_at is None else look_at))]
    return msg


def mode_of(msg: JointState | None) -> str | None:
    """The mode a carrier holds; None for no message or a malformed one (not exactly one name)."""
    return msg.name[0] if msg is not None and len(msg.name) == 1 else None


def goal_of(msg: JointState | None) -> TickGoal | None:
    """The goals a carrier holds; None for none, a malformed carrier (not 4 or 6 values) or non-finite values."""
    if mode_of(msg) is None or len(msg.position) not in (4, 6):
        return None
    values = np.asarray(msg.position, dtype=float)
    if not np.all(np.isfinite(values)):
        return None
    return TickGoal(values[:2], values[2:4], values[4:] if len(values) == 6 else None)
