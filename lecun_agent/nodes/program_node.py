"""program_node: a scripted operator that proposes body velocities from a named program.

It stands in for the actor when you want to see the body and the guardrail work on a known
command sequence (walk, turn, stand, square), timed on the node clock so it follows sim time.
"""

from __future__ import annotations

from geometry_msgs.msg import TwistStamped
from rclpy.node import Node

from lecun_agent.messages import conversions as conv
from lecun_agent.programs.scripted import PROGRAMS

from .parameters import Parameters
from .qos import COMMAND_QOS
from .spin import publish_last, spin_node


class ProgramNode(Node):
    def __init__(self) -> None:
        super().__init__("program_node", allow_undeclared_parameters=True)
        p = self.params = Parameters(self)
        p.declare("program", "walk", "velocity program", choices=tuple(sorted(PROGRAMS)))
        p.declare("rate_hz", 20.0, "command publishing rate", low=1.0, high=200.0)
        p.reject_unknown_overrides()
        self.program = PROGRAMS[p["program"]]
        self.start = None
        self.pub = self.create_publisher(TwistStamped, "agent/cmd_vel_proposed", COMMAND_QOS)
        self.create_timer(1.0 / p["rate_hz"], self._tick)

    def _tick(self) -> None:
        now = self.get_clock().now()
        if now.nanoseconds == 0:
            return  # sim time not started yet
        if self.start is None:
            self.start = now
        elapsed = (now - self.start).nanoseconds * 1e-9
        self.pub.publish(conv.twist_msg(now.to_msg(), self.program(elapsed)))

    def zero(self) -> None:
        publish_last(self.pub, conv.twist_msg(self.get_clock().now().to_msg(), [0.0, 0.0, 0.0]))


def main(args=None) -> None:
    spin_node(ProgramNode, args, on_shutdown=lambda node: node.zero())


if __name__ == "__main__":
    main()
