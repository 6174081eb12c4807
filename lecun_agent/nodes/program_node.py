"""program_node: a scripted operator that proposes body velocities from a named program.

It stands in for the actor when you want to see the body and the guardrail work on a known
command sequence (walk, turn, stand, square). Like the actor it acts once per agent tick: on
each `agent/latent` (one per camera frame) it proposes the program's command for the time since
its first tick, stamped with the latent's stamp, so the command carries the tick to the gait.
"""

from __future__ import annotations

from geometry_msgs.msg import TwistStamped
from rclpy.node import Node
from sensor_msgs.msg import Image

from lecun_agent.messages import conversions as conv
from lecun_agent.programs.scripted import PROGRAMS

from .parameters import Parameters
from .qos import COMMAND_QOS, declare_reliable_sensors, sensor_qos
from .spin import propose_zero, spin_node


class ProgramNode(Node):
    def __init__(self, **node_kwargs) -> None:
        super().__init__("program_node", allow_undeclared_parameters=True, **node_kwargs)
        p = self.params = Parameters(self)
        p.declare("program", "walk", "velocity program", choices=tuple(sorted(PROGRAMS)))
        sensor = sensor_qos(declare_reliable_sensors(p))
        p.reject_unknown_overrides()
        self.program = PROGRAMS[p["program"]]
        self.start: float | None = None  # stamp of the first tick
        self.pub = self.create_publisher(TwistStamped, "agent/cmd_vel_proposed", COMMAND_QOS)
        self.create_subscription(Image, "agent/latent", self._on_tick, sensor)

    def _on_tick(self, latent: Image) -> None:
        t = conv.stamp_to_sec(latent.header.stamp)
        self.start = t if self.start is None else self.start
        self.pub.publish(conv.twist_msg(latent.header.stamp, self.program(t - self.start)))


def main(args=None) -> None:
    spin_node(ProgramNode, args, on_shutdown=propose_zero)


if __name__ == "__main__":
    main()
