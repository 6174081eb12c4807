"""`agent/mode_stamped`: the configurator's mode as of an odometry reading, for agents that act in lock-step.

`agent/mode` (latched std_msgs/String) says what the mode is now; it has no stamp, so an agent tick
at t could not tell whether the configurator had judged the odometry of t yet, and which tick first
rested after the goal depended on message timing. The configurator therefore also publishes, after
each odometry reading, a sensor_msgs/JointState carrier stamped with that reading: `name` = [mode],
no values. An agent's TickGate waits for it like for the odometry itself.
"""

from __future__ import annotations

from builtin_interfaces.msg import Time as TimeMsg
from sensor_msgs.msg import JointState


def mode_msg(stamp: TimeMsg, mode: str) -> JointState:
    msg = JointState(name=[mode])
    msg.header.stamp = stamp
    return msg


def mode_of(msg: JointState | None) -> str | None:
    """The mode a carrier holds; None for no message or a malformed one (not exactly one name)."""
    return msg.name[0] if msg is not None and len(msg.name) == 1 else None
