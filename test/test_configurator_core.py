"""Unit tests of the configurator core: the mode events."""

from __future__ import annotations

import pytest

from lecun_agent.configurator.modes import Mode, ModeMachine


def test_goal_reach_rest_cycle():
    m = ModeMachine(goal_tolerance=0.2, after_goal=Mode.REST)
    assert m.mode == Mode.EXPLORE
    t = m.on_goal((2.0, 0.0))
    assert t.new == Mode.REACH and "goal received" in t.reason
    assert m.on_position((1.0, 0.0)) is None and m.mode == Mode.REACH
    t = m.on_position((1.9, 0.05))
    assert t.new == Mode.REST and "goal reached" in t.reason and m.goal is None
    assert m.on_goal((0.0, 1.0)).new == Mode.REACH
    assert [(h.old, h.new) for h in m.history] == [
        (Mode.EXPLORE, Mode.REACH), (Mode.REACH, Mode.REST), (Mode.REST, Mode.REACH)]


def test_after_goal_explore_and_fall_goes_to_rest():
    m = ModeMachine(after_goal=Mode.EXPLORE, fall_tilt=1.0)
    m.on_goal((0.1, 0.0))
    assert m.on_position((0.0, 0.0)).new == Mode.EXPLORE
    assert m.on_tilt(0.5) is None
    t = m.on_tilt(1.3)
    assert t.new == Mode.REST and "fall" in t.reason
    assert m.on_tilt(1.4) is None  # already resting: no repeated transition


def test_position_ignored_outside_reach():
    m = ModeMachine()
    assert m.on_position((0.0, 0.0)) is None
    assert m.set_mode("rest").new == Mode.REST
    with pytest.raises(ValueError):
        m.set_mode("sprint")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_a_non_finite_reading_is_no_goal_reached_and_no_fall(bad):
    m = ModeMachine()
    m.on_goal((1.0, 0.0))
    assert m.on_position((bad, 0.0)) is None and m.on_position((bad, bad)) is None
    assert m.on_tilt(bad) is None
    assert m.mode == Mode.REACH  # the fault clears: the robot still goes for its goal
    assert m.on_goal((bad, 0.0)) is None and list(m.goal) == [1.0, 0.0]
    assert m.on_position((1.0, 0.1)).new == Mode.REST
