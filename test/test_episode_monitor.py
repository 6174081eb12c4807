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


def report(node: str, timeouts: int) -> DiagnosticArray:
    return DiagnosticArray(status=[DiagnosticStatus(name=node, values=[KeyValue(key="sync_timeouts",
                                                                                value=str(timeouts))])])


def test_sync_timeouts_reported_once_the_stack_is_stopping_are_not_the_episode_s(monkeypatch):
    """On a loaded machine the stack took over 5 s to stop after the end, and the configurator, still waiting
    for a sighting of a frame the stopped sim never rendered, counted a timeout (QA, 2026-12-07)."""
    from lecun_agent.stack import episode_monitor

    now = [100.0]
    monkeypatch.setattr(episode_monitor.time, "monotonic", lambda: now[0])
    rclpy.init()
    try:
        monitor = EpisodeMonitor()
        monitor._on_diagnostics(report("sim_node", 1))  # a stall within the episode counts
        now[0] = 110.0
        monitor.episode_ended()
        now[0] = 110.0 + episode_monitor.REPORT_LAG_S - 0.1
        monitor._on_diagnostics(report("cost_node", 2))  # counted before the end, heard just after: counts
        now[0] = 116.0
        monitor._on_diagnostics(report("configurator_node", 1))  # waiting while the stack stops: not counted
        monitor._on_diagnostics(report("sim_node", 2))
        assert monitor.sync_timeouts() == {"sim_node": 1, "cost_node": 2}
        assert monitor.node_reports["configurator_node"] == {"sync_timeouts": "1"}  # still shown as it is
        monitor.destroy_node()
    finally:
        rclpy.try_shutdown()


def test_sim_node_reporting_its_end_marks_the_end_for_the_count():
    rclpy.init()
    try:
        monitor = EpisodeMonitor()
        still = DiagnosticArray(status=[DiagnosticStatus(name="sim_node", values=[KeyValue(key="episode_end")])])
        monitor._on_diagnostics(still)  # "": running
        assert monitor.ended_wall is None
        ended = DiagnosticArray(status=[DiagnosticStatus(name="sim_node", values=[
            KeyValue(key="episode_end", value="success")])])
        monitor._on_diagnostics(ended)
        assert monitor.ended_wall is not None
        monitor.destroy_node()
    finally:
        rclpy.try_shutdown()
