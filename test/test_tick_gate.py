"""TickGate: an event is acted on once its inputs reach its stamp. Every input is waited for from
the start (so the first act does not depend on discovery); after a wait for one ran out, only once
it has caught up with the instant given up at (an outage costs one wait, not one per event)."""

from __future__ import annotations

import pytest

from lecun_agent.nodes import tick_gate
from lecun_agent.nodes.tick_gate import TickGate


class FakeNode:
    """What TickGate uses of a node: a timer (driven by hand here) and a logger."""

    def __init__(self):
        self.warnings = []

    def create_timer(self, period, callback, clock=None):
        self.expire = callback

    def get_logger(self):
        return self

    def warning(self, text, **_):  # throttle_duration_sec
        self.warnings.append(text)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def wall(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(tick_gate.time, "monotonic", clock)
    return clock


def gate_with_log():
    """A gate with odometry and body contacts as inputs, a 5 s wait; acts go to a list."""
    node, acts = FakeNode(), []
    gate = TickGate(node, ("odom", "body"), 5.0, lambda t, item, inputs, timed_out: acts.append(
        (t, item, dict(inputs), timed_out)))
    return node, gate, acts


def first_event_times_out(wall, heard: str):
    """A gate whose first event (t = 0) had only input `heard` when its 5 s wait ran out."""
    node, gate, acts = gate_with_log()
    gate.input(heard, 0.0, f"{heard}0")
    gate.event(0.0, "latent0")
    wall.now += 5.1
    node.expire()
    return node, gate, acts


def test_the_first_event_waits_for_an_input_not_yet_heard(wall):
    _, gate, acts = gate_with_log()
    gate.input("odom", 0.0, "odom0")
    gate.event(0.0, "latent0")
    assert acts == []  # body contacts may only be late (discovery): waited for
    gate.input("body", 0.0, "body0")
    assert acts == [(0.0, "latent0", {"odom": "odom0", "body": "body0"}, False)]


def test_an_input_that_never_comes_is_waited_for_once_then_skipped_until_heard(wall):
    node, gate, acts = first_event_times_out(wall, "odom")
    assert acts == [(0.0, "latent0", {"odom": "odom0", "body": None}, True)] and gate.timeouts == 1
    assert "['body']" in node.warnings[0]
    gate.input("odom", 0.1, "odom1")
    gate.event(0.1, "latent1")  # a robot without bump sensors: no second wait
    assert acts[-1] == (0.1, "latent1", {"odom": "odom1", "body": None}, False)
    gate.input("body", 0.2, "body2")  # heard after all: waited for again
    gate.input("odom", 0.3, "odom3")
    gate.event(0.3, "latent3")
    assert len(acts) == 2
    gate.input("body", 0.3, "body3")
    assert acts[-1] == (0.3, "latent3", {"odom": "odom3", "body": "body3"}, False) and gate.timeouts == 1


def test_a_late_input_is_skipped_until_it_catches_up_then_waited_for_again(wall):
    """A sender running late (stamps behind the events) costs one wait, not one per event."""
    node, gate, acts = first_event_times_out(wall, "body")
    assert acts == [(0.0, "latent0", {"odom": None, "body": "body0"}, True)]
    for t in (0.1, 0.2):  # odometry is late: only older readings come, and no event waits for them
        gate.input("body", t, f"body{t}")
        gate.input("odom", t - 0.5, f"late{t}")
        gate.event(t, f"latent{t}")
        assert acts[-1] == (t, f"latent{t}", {"odom": f"late{t}", "body": f"body{t}"}, False)
    gate.input("odom", 0.0, "odom0")  # caught up with the instant given up at: waited for again
    gate.input("body", 0.3, "body3")
    gate.event(0.3, "latent3")
    assert len(acts) == 3
    gate.input("odom", 0.3, "odom3")
    assert acts[-1] == (0.3, "latent3", {"odom": "odom3", "body": "body3"}, False) and gate.timeouts == 1


def test_an_optional_input_is_handed_over_but_never_waited_for():
    """The configurator on a robot: each odometry reading takes the newest goal sighting at or before it,
    and waits for none (camera and odometry stamps never coincide there)."""
    node, acts = FakeNode(), []
    gate = TickGate(node, (), 5.0, lambda t, item, inputs, timed_out: acts.append((t, dict(inputs))),
                    optional=("sighting",))
    gate.event(1.0, "odom1")  # no sighting yet: acted on at once
    gate.input("sighting", 1.013, "frame1")
    gate.event(1.02, "odom2")
    gate.event(1.04, "odom3")
    gate.input("sighting", 1.113, "frame2")  # after the readings: not theirs
    assert acts == [(1.0, {"sighting": None}), (1.02, {"sighting": "frame1"}), (1.04, {"sighting": "frame1"})]
    assert gate.timeouts == 0 and not gate.pending


def test_an_input_arriving_out_of_order_is_used_for_its_own_instant_only():
    """A lagging relay or a second publisher: odometry stamped 9.0 arrives after one stamped 10.0. The event at
    10.0 takes the reading of 10.0, and the late one is counted."""
    _, gate, acts = gate_with_log()
    gate.input("odom", 10.0, "odom10")
    gate.input("body", 10.0, "body10")
    gate.input("odom", 9.0, "odom9")
    gate.event(10.0, "latent10")
    gate.input("odom", 10.02, "odom10.02")  # the stream goes on (a late one is never the newest)
    assert acts == [(10.0, "latent10", {"odom": "odom10", "body": "body10"}, False)]
    assert gate.out_of_order == {"odom": 1}
    gate.event(9.0, "latent9")  # an event of the late reading's own instant takes it
    assert acts[-1][2]["odom"] == "odom9"


def test_with_slop_an_event_takes_an_input_a_little_older_instead_of_waiting_for_its_next(wall):
    """QA against a fake robot (2026-12-08): a driver stamps each topic on its own, so odometry at 20 Hz held
    each event up to one odometry period, waiting for a message stamped at or after it."""
    acts = []
    gate = TickGate(FakeNode(), ("odom",), 5.0, lambda t, item, inputs, timed_out: acts.append((t, inputs["odom"])),
                    slop_s=0.05)
    gate.input("odom", 1.00, "odom at 1.00")
    gate.event(1.04, "frame")  # the odometry 40 ms older: in
    gate.event(1.10, "frame")  # 100 ms older: waits for the next
    assert acts == [(1.04, "odom at 1.00")]
    gate.input("odom", 1.05, "odom at 1.05")
    assert acts == [(1.04, "odom at 1.00"), (1.10, "odom at 1.05")]


def test_without_slop_an_event_waits_for_an_input_at_or_after_it(wall):
    acts = []
    gate = TickGate(FakeNode(), ("odom",), 5.0, lambda t, item, inputs, timed_out: acts.append(t))
    gate.input("odom", 1.00, "odom")
    gate.event(1.001, "frame")
    assert acts == []
    gate.input("odom", 1.001, "odom")
    assert acts == [1.001]


def stopping_gate(stopped_after):
    """Joint readings (events) at 50 Hz gated on contacts; the contacts stop after t = 0.0."""
    node, acts = FakeNode(), []
    gate = TickGate(node, ("feet",), 5.0, lambda t, item, inputs, timed_out: acts.append((t, inputs["feet"])),
                    stopped_after=stopped_after)
    gate.input("feet", 0.0, "feet0")
    for k in range(13):  # up to 0.24 s
        gate.event(round(0.02 * k, 9), f"joints{k}")
    return gate, acts


def test_in_real_time_an_input_that_stopped_is_not_waited_for_past_its_limit(wall):
    """QA, 2026-12-08 (cost_node on a fake real robot): a contact stream that stopped held every joint reading for the
    gate's whole wait (5 s), so nothing was scored and no stop of its own came. With `stopped_after`, once an event
    is newer than the input's newest message by more than its limit, every event waiting is acted on at once, with
    that newest (the act judges its age): no wait, no timeout counted."""
    gate, acts = stopping_gate({"feet": 0.25})
    assert [t for t, _ in acts] == [0.0]  # 0.02 .. 0.24: maybe only late, waited for
    gate.event(0.26, "joints13")  # 0.26 s after the newest contacts: they stopped
    assert [t for t, _ in acts] == [round(0.02 * k, 9) for k in range(13)] + [0.26]
    assert all(feet == "feet0" for _, feet in acts) and gate.timeouts == 0 and not gate.pending
    gate.input("feet", 0.28, "feet28")  # back: waited for again
    gate.event(0.30, "joints15")
    assert acts[-1][0] == 0.26
    gate.input("feet", 0.30, "feet30")
    assert acts[-1] == (0.30, "feet30")


def test_in_lock_step_an_input_that_stopped_is_still_waited_for(wall):
    """Without `stopped_after` (lock-step: nothing goes on before the tick's inputs come) the events wait however far
    behind the input is, until the gate's timeout."""
    gate, acts = stopping_gate(None)
    gate.event(0.5, "joints25")
    assert [t for t, _ in acts] == [0.0] and gate.timeouts == 0


def test_an_input_never_heard_is_waited_for_even_with_a_stop_limit(wall):
    """A robot without contact sensors pays the one wait at start (the limit needs a message to measure from)."""
    node, acts = FakeNode(), []
    gate = TickGate(node, ("feet",), 5.0, lambda t, item, inputs, timed_out: acts.append(t),
                    stopped_after={"feet": 0.25})
    gate.event(0.0, "joints0")
    gate.event(1.0, "joints50")
    assert acts == []
    wall.now += 5.1
    node.expire()
    assert acts == [0.0, 1.0] and gate.timeouts == 1
