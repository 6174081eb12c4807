"""straight_node: the straight-line baseline agent. Turns towards the goal and walks at it.

On each `agent/latent` (the agent tick: one per camera frame) it takes the odometry of the
tick's instant (TickGate) and the latest `goal_pose` (HeldGoal: after a respawn, the goal the other
nodes hold on `agent/goal`), and proposes the heading controller's
command (`actor/straight.py`) on `agent/cmd_vel_proposed`, stamped with the tick. It never looks
at the latent itself: it is the comparison every planning agent must beat, and it goes through
the same guardrail and gait as the actor's commands. In the configurator's rest mode, or without
a goal, it proposes zero.
"""

from __future__ import annotations

import numpy as np
from geometry_msgs.msg import TwistStamped
from nav_msgs.msg import Odometry
from rclpy.node import Node
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import String

from lecun_agent.actor.straight import StraightLineSettings, straight_line_command
from lecun_agent.messages import conversions as conv
from lecun_agent.messages.mode import mode_of

from .diagnostics import OK, WARN, Diagnostics
from .held_goal import HeldGoal
from .parameters import Parameters
from .qos import COMMAND_QOS, LATCHED_QOS, declare_reliable_sensors, sensor_qos
from .spin import propose_zero, spin_node
from .tick_gate import SYNC_TIMEOUT_S, TickGate


class StraightNode(Node):
    def __init__(self, **node_kwargs) -> None:
        super().__init__("straight_node", allow_undeclared_parameters=True, **node_kwargs)
        p = self.params = Parameters(self)
        p.declare_settings(StraightLineSettings)
        sync_s = p.declare("sync_timeout_s", SYNC_TIMEOUT_S, "wall seconds to wait for the odometry of a tick's "
                           "instant (counted)", low=0.05, high=60.0)
        sensor = sensor_qos(declare_reliable_sensors(p))
        p.reject_unknown_overrides()
        self.goal: np.ndarray | None = None
        self.mode = "explore"
        self.ticks = 0
        self.gate = TickGate(self, ("odom", "mode"), sync_s, self._propose)
        self.pub = self.create_publisher(TwistStamped, "agent/cmd_vel_proposed", COMMAND_QOS)
        self.create_subscription(Image, "agent/latent",
                                 lambda m: self.gate.event(conv.stamp_to_sec(m.header.stamp), m), sensor)
        self.create_subscription(Odometry, "odom", self.gate.feed("odom"), sensor)
        self.held_goal = HeldGoal(self, self._on_goal)
        self.create_subscription(JointState, "agent/mode_stamped", self.gate.feed("mode"), sensor)  # as actor_node
        self.create_subscription(String, "agent/mode", lambda m: setattr(self, "mode", m.data), LATCHED_QOS)
        self.diagnostics = Diagnostics(self, self._report)

    def _on_goal(self, goal: np.ndarray | None, problem: str | None) -> None:
        self.goal = goal
        if problem is not None:
            self.get_logger().error(f"{problem}: goal dropped, proposing zero until a good one comes")
        self.get_logger().info(f"goal {self.goal}")
        self.diagnostics.publish()  # at once: an episode runner waits for this before the body starts

    def _propose(self, stamp: float, latent: Image, inputs: dict, timed_out: bool) -> None:
        odom, self.mode = inputs["odom"], mode_of(inputs["mode"]) or self.mode
        pose = None if odom is None else conv.planar_pose(odom)
        if pose is None or conv.message_problem(odom) or self.mode == "rest":  # NaN, Inf, no rotation: zero
            command = np.zeros(3)
        else:
            cfg = self.params.settings(StraightLineSettings)
            command = straight_line_command(pose[:2], float(pose[2]), self.goal, cfg)
        self.pub.publish(conv.twist_msg(latent.header.stamp, command))
        self.ticks += 1

    def _report(self):
        goal = None if self.goal is None else [round(float(v), 6) for v in self.goal]
        values = {"ticks": self.ticks, "goal": goal, "mode": self.mode, "sync_timeouts": self.gate.timeouts}
        return (OK if self.goal is not None else WARN), "steering to the goal" if self.goal is not None \
            else "no goal", values


def main(args=None) -> None:
    spin_node(StraightNode, args, on_shutdown=propose_zero)


if __name__ == "__main__":
    main()
