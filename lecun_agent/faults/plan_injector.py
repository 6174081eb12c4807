"""A node inside the stack that publishes bad plans, timed and stamped by the sim's own odometry.

Kinds, by topic: `agent/plan_costs` gets a plan predicting NaN tilt, stamped with the odometry it
was sent on; `agent/plan` a plan stamped FUTURE_S ahead of it (a publisher on a broken clock). One
plan per PLAN_PERIOD_S of odometry stamps in [start_s, end_s).

It runs as a process of its own, as the relay does (`relay.py`): published from the harness's
process, plans were stamped with the sim time the harness had heard, which trails a lock-step sim
on a loaded machine (a plan meant for 2.0 s reached cost_node at 3.88 s, stamped 2.0 s), so
whether the guardrail saw it fresh, stale or not at all depended on the machine.
"""

from __future__ import annotations

import math

from nav_msgs.msg import Odometry, Path
from rclpy.node import Node
from sensor_msgs.msg import JointState

from lecun_agent.messages.conversions import sec_to_stamp, stamp_to_sec
from lecun_agent.nodes.qos import COMMAND_QOS, OBSERVER_QOS
from lecun_agent.nodes.spin import spin_node

from .catalog import FUTURE_S, TOPICS

PLAN_TOPICS = ("agent/plan_costs", "agent/plan")
PLAN_PERIOD_S = 0.1  # one injected plan per agent tick


def bad_plan(topic: str, stamp: float) -> JointState | Path:
    """The injected message for `topic` at odometry time `stamp`."""
    if topic == "agent/plan_costs":
        msg = JointState(name=[f"tilt[{k}]" for k in range(1, 11)], position=[math.nan] * 10)
        msg.header.stamp = sec_to_stamp(stamp)
        return msg
    if topic == "agent/plan":
        msg = Path()
        msg.header.stamp, msg.header.frame_id = sec_to_stamp(stamp + FUTURE_S), "odom"
        return msg
    raise ValueError(f"no injected plan for topic {topic!r}; plan topics are {PLAN_TOPICS}")


class PlanInjector(Node):
    """Publishes `bad_plan(topic)` once per PLAN_PERIOD_S of odometry stamps in [start_s, end_s)."""

    def __init__(self) -> None:
        super().__init__("fault_plan_injector")
        self.topic = self.declare_parameter("topic", PLAN_TOPICS[0]).value
        self.start_s = self.declare_parameter("start_s", 0.0).value
        self.end_s = self.declare_parameter("end_s", 0.0).value
        bad_plan(self.topic, 0.0)  # an unknown topic fails here, at start-up, with the reason
        self.next_s = self.start_s
        self.sent = 0
        self.pub = self.create_publisher(TOPICS[self.topic][0], self.topic, COMMAND_QOS)
        self.create_subscription(Odometry, "odom", self._on_odom, OBSERVER_QOS)
        self.get_logger().info(f"injecting on {self.topic} at odometry stamps in [{self.start_s}, {self.end_s})")

    def _on_odom(self, msg: Odometry) -> None:
        stamp = stamp_to_sec(msg.header.stamp)
        if not self.start_s <= stamp < self.end_s or stamp < self.next_s - 1e-9:
            return
        self.next_s = stamp + PLAN_PERIOD_S
        self.pub.publish(bad_plan(self.topic, stamp))
        self.sent += 1


def report(node: PlanInjector) -> None:
    node.get_logger().info(f"injected {node.sent} plans on {node.topic}")


def main(args=None) -> None:
    spin_node(PlanInjector, args, on_shutdown=report)


if __name__ == "__main__":
    main()
