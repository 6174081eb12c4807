"""`lecun-agent up` says which node's lock-step wait ran out, and why (QA, 2026-12-07: bad inputs froze a lock-step
stack for 5-15 s at a time, and only the node's own log said so)."""

from __future__ import annotations

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue

from lecun_agent.stack.wait_watch import WaitWatch


def report(name: str, timeouts: int) -> DiagnosticArray:
    return DiagnosticArray(status=[DiagnosticStatus(name=name, values=[KeyValue(key="sync_timeouts",
                                                                                value=str(timeouts))])])


def test_a_rising_sync_timeout_count_is_said_once_with_the_nodes_reason(tmp_path):
    log = tmp_path / "cost_node.log"
    log.write_text("[INFO] [1.0] [cost_node]: ready\n"
                   "[WARN] [2.0] [cost_node]: waited 5.0 s for ['scored'] at t=12.340; acting without them\n"
                   "[WARN] [3.0] [cost_node]: guardrail clamp: tilted >= 0.15 rad within 1.0 s (now 0.16)\n")
    watch = WaitWatch()
    watch.on_report(report("cost_node", 0))
    assert watch.lines({"cost_node": log}) == []  # a healthy count says nothing
    watch.on_report(report("cost_node", 1))
    watch.on_report(report("cost_node", 1))
    assert watch.lines({"cost_node": log}) == [
        "cost_node waited for an input of the instant it acts on and went on without it (1 so far): waited 5.0 s for "
        "['scored'] at t=12.340; acting without them"]
    assert watch.lines({"cost_node": log}) == []  # said once
    watch.on_report(report("gait_node", 2))  # no log to quote
    assert watch.lines({}) == ["gait_node waited for an input of the instant it acts on and went on without it "
                               "(2 so far)"]
