"""`lecun-agent up` says a node's WARN or ERROR once it holds (QA, 2026-12-08: a goal refused in three nodes' logs,
and the terminal said only "stack is up")."""

from __future__ import annotations

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus

from lecun_agent.stack.status_watch import StatusWatch


def report(name: str, level: bytes, message: str) -> DiagnosticArray:
    return DiagnosticArray(status=[DiagnosticStatus(name=name, level=level, message=message)])


def test_a_level_that_holds_is_said_once_and_a_brief_one_never():
    now = [0.0]
    watch = StatusWatch(hold_s=2.0, clock=lambda: now[0])
    watch.on_report(report("cost_node", DiagnosticStatus.WARN, "clamp: acceleration limited"))
    now[0] = 1.0
    watch.on_report(report("cost_node", DiagnosticStatus.OK, "pass: ok"))  # a clamp while walking: brief
    watch.on_report(report("actor_node", DiagnosticStatus.WARN, "goal_pose in frame 'map' refused"))
    assert watch.lines() == []
    now[0] = 3.0
    watch.on_report(report("actor_node", DiagnosticStatus.WARN, "goal_pose in frame 'map' refused"))
    assert watch.lines() == [(1, "actor_node: WARN: goal_pose in frame 'map' refused")]
    now[0] = 4.0
    assert watch.lines() == []  # said once
    watch.on_report(report("actor_node", DiagnosticStatus.OK, "planning"))
    now[0] = 6.5
    assert watch.lines() == [(0, "actor_node: OK again (planning)")]


def test_a_new_cause_at_the_same_level_is_said_once_it_holds_and_a_changing_count_is_not_one():
    """QA (2026-12-08): perception at WARN for a camera clock behind, a brief OK, then WARN for a camera at the wrong
    rate: the second cause was never said, since only the level was compared."""
    now = [0.0]
    watch = StatusWatch(hold_s=2.0, clock=lambda: now[0])
    watch.on_report(report("perception_node", DiagnosticStatus.WARN, "10 frames skipped, the last too_old: 0.5 s"))
    now[0] = 2.0
    watch.on_report(report("perception_node", DiagnosticStatus.WARN, "12 frames skipped, the last too_old: 0.7 s"))
    assert watch.lines() == [(1, "perception_node: WARN: 12 frames skipped, the last too_old: 0.7 s")]
    watch.on_report(report("perception_node", DiagnosticStatus.OK, "ok"))  # brief: never said
    now[0] = 3.0
    watch.on_report(report("perception_node", DiagnosticStatus.WARN, "camera frames every 0.199 s"))
    now[0] = 4.0
    watch.on_report(report("perception_node", DiagnosticStatus.WARN, "camera frames every 0.201 s"))
    assert watch.lines() == []  # not held yet
    now[0] = 5.0
    watch.on_report(report("perception_node", DiagnosticStatus.WARN, "camera frames every 0.200 s"))
    assert watch.lines() == [(1, "perception_node: WARN: camera frames every 0.200 s")]
    assert watch.lines() == []
