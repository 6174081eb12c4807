"""LockStepAnswers (nodes/lockstep_answers.py) on its own: which instant of the body's readings gets an
answer from the stop rules, which waits for its tick's proposal, and when the clock waives that wait."""

from __future__ import annotations

import pytest
import rclpy
from rclpy.node import Node

from lecun_agent.messages.conversions import sec_to_stamp, stamp_to_sec
from lecun_agent.nodes.lockstep_answers import LockStepAnswers

pytestmark = pytest.mark.ros
TICK = 0.1  # s: one agent tick = five 0.02 s control steps


class Answers:
    """A LockStepAnswers whose re-checks are recorded, with a clock the test sets."""

    def __init__(self, node: Node) -> None:
        self.now, self.started, self.rechecked = 0.0, True, []
        self.steps = LockStepAnswers(node, TICK, timeout_s=60.0, recheck=self._recheck,
                                     started=lambda: self.started, now=lambda: self.now)

    def _recheck(self, stamp_msg) -> None:
        self.rechecked.append(round(stamp_to_sec(stamp_msg), 6))

    def reading(self, t: float) -> None:
        """The body's reading at t comes in and is scored."""
        self.steps.new_instant(t, sec_to_stamp(t))
        self.steps.scored(t, sec_to_stamp(t))


@pytest.fixture
def answers():
    rclpy.init()
    node = Node("lockstep_answers_test")
    yield Answers(node)
    node.destroy_node()
    rclpy.try_shutdown()


def test_readings_between_ticks_are_answered_by_the_stop_rules(answers):
    answers.steps.proposal_judged(0.0)
    for t in (0.02, 0.04, 0.06):
        answers.reading(t)
    assert answers.rechecked == [0.02, 0.04, 0.06]


def test_a_reading_at_a_tick_waits_for_the_ticks_proposal_which_answers_it(answers):
    answers.steps.proposal_judged(0.0)
    answers.reading(0.08)
    answers.reading(0.1)  # a tick: its proposal has not been judged yet
    assert answers.rechecked == [0.08] and answers.steps.answered == pytest.approx(0.08)
    answers.steps.proposal_judged(0.1)
    assert answers.rechecked == [0.08]  # the proposal was the answer: no re-check on top of it
    assert answers.steps.answered == pytest.approx(0.1)


def test_when_the_clock_runs_half_a_tick_past_the_last_answer_the_wait_is_waived(answers):
    answers.steps.proposal_judged(0.0)
    answers.reading(0.08)
    answers.reading(0.1)  # waits for the tick's proposal
    answers.now = 0.12
    assert not answers.steps.loop_ran_on() and answers.rechecked == [0.08]
    answers.now = 0.14  # past the newest answer (0.08) by more than half a tick: the agent fell behind
    assert not answers.steps.loop_ran_on()  # waived: the reading is answered now, so the timer need not
    assert answers.rechecked == [0.08, 0.1] and answers.steps.waived == pytest.approx(0.1)
    answers.reading(0.12)  # the next reading no longer waits for the waived tick's proposal
    assert answers.rechecked == [0.08, 0.1, 0.12]


def test_when_the_readings_stop_the_clock_running_on_asks_the_timer_to_recheck(answers):
    answers.steps.proposal_judged(0.0)
    answers.reading(0.02)
    answers.now = 0.06
    assert not answers.steps.loop_ran_on()
    answers.now = 0.08  # no reading to answer, and half a tick past the last answer
    assert answers.steps.loop_ran_on() and answers.rechecked == [0.02]


def test_nothing_is_answered_before_the_first_proposal(answers):
    answers.started = False
    answers.reading(0.02)
    assert answers.rechecked == []


def test_a_refused_reading_is_answered_too(answers):
    answers.steps.proposal_judged(0.0)
    answers.steps.refused(0.04)  # e.g. joint_states with NaN: the gait still waits for an answer to it
    assert answers.rechecked == [0.04]
