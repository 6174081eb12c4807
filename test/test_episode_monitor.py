"""The episode monitor counts the guardrail decisions on commands that acted within the episode:
a decision stamped at the end (the last tick, or the agent's final zero at shutdown) moves nothing,
and whether it arrives before the stack stops depends on the machine, so it is never counted."""

import time

import pytest
import rclpy
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from rclpy.executors import SingleThreadedExecutor

from lecun_agent.messages.conversions import sec_to_stamp
from lecun_agent.nodes.qos import DECISION_QOS
from lecun_agent.stack.episode_monitor import EpisodeMonitor

pytestmark = pytest.mark.ros


def decision(stamp: float, *reasons: str) -> DiagnosticArray:
    out = DiagnosticArray(status=[DiagnosticStatus(name="guardrail", values=[KeyValue(key=r, value="1")
                                                                             for r in reasons])])
    out.header.stamp = sec_to_stamp(stamp)
    return out


def test_decisions_at_the_episode_end_are_not_counted():
    rclpy.init()
    try:
        monitor = EpisodeMonitor()
        sender = rclpy.create_node("decision_sender")
        pub = sender.create_publisher(DiagnosticArray, "guardrail/decisions", DECISION_QOS)
        executor = SingleThreadedExecutor()
        executor.add_node(monitor)
        deadline = time.monotonic() + 10.0
        while pub.get_subscription_count() < 1 and time.monotonic() < deadline:
            executor.spin_once(timeout_sec=0.05)
        sent = [decision(0.0, "clamp:acceleration"), decision(0.1, "clamp:acceleration", "clamp:velocity"),
                decision(1.9, "plan_veto:pain"), decision(2.0, "clamp:acceleration")]
        for msg in sent:
            pub.publish(msg)
        while len(monitor.decisions) < len(sent) and time.monotonic() < deadline:
            executor.spin_once(timeout_sec=0.05)
        assert len(monitor.decisions) == len(sent)
        assert monitor.interventions(end=2.0) == {"clamp:acceleration": 2, "clamp:velocity": 1, "plan_veto:pain": 1}
        assert [t for t, _ in monitor.decisions_before(1.9)] == [0.0, 0.1]
        executor.shutdown()
        sender.destroy_node()
        monitor.destroy_node()
    finally:
        rclpy.try_shutdown()
