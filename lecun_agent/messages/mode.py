"""`agent/mode_stamped`: the configurator's mode as of an odometry reading, for agents that act in lock-step.

`agent/mode` (latched std_msgs/String) says what the mode is now; it has no stamp, so an agent tick
at t could not tell whether the configurator had judged the odometry of t yet, and which tick first
rested after the goal depended on message timing. The configurator therefore also publishes, after
each odometry reading, a sensor_msgs/JointState carrier stamped with that reading: `name` = [mode],
and while it holds a goal `position` = [x, y of the goal sent, x, y of the goal to walk to] (m, odom;
the second pair is the first moved onto the goal marker the robot sees: configurator/goal_homing.py).
An agent's TickGate waits for it like for the odometry itself.
"""

from __future__ import annotations

import numpy as np
from builtin_interfaces.msg import Time as TimeMsg
from sensor_msgs.msg import JointState


def mode_msg(stamp: TimeMsg, mode: str, sent: np.ndarray | None = None, target: np.ndarray | None = None
             ) -> JointState:
    msg = JointState(name=[mode])
    msg.header.stamp = stamp
    if sent is not None and target is not None:
        msg.position = [float(v) for v in (*sent, *target)]
    return msg


def mode_of(msg: JointState | None) -> str | None:
    """The mode a carrier holds; None for no message or a malformed one (not exactly one name)."""
    return msg.name[0] if msg is not None and len(msg.name) == 1 else None


def goal_of(msg: JointState | None) -> tuple[np.ndarray, np.ndarray] | None:
    """(goal sent, goal to walk to), each (2,) m in odom, from a carrier that holds them; None for none, a
    malformed carrier or non-finite values."""
    if mode_of(msg) is None or len(msg.position) != 4:
        return None
    values = np.asarray(msg.position, dtype=float)
    if not np.all(np.isfinite(values)):
        return None
    return values[:2], values[2:]
