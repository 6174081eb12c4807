"""Unit tests of the configurator core: mode events and floor-respecting weight profiles."""

from __future__ import annotations

import pytest

from lecun_agent.configurator.modes import Mode, ModeMachine
from lecun_agent.configurator.profiles import DEFAULT_PROFILES, merge_floors, weights_for
from lecun_agent.cost.weights import DEFAULT_FLOORS, TERM_NAMES, weight_problem


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


def test_default_profiles_are_valid_weights():
    for mode in Mode:
        weights, raised = weights_for(DEFAULT_PROFILES, mode)
        assert set(weights) == set(TERM_NAMES) and raised == []
        assert all(weight_problem(n, v, DEFAULT_FLOORS) is None for n, v in weights.items())


def test_profile_below_floor_is_clipped_never_pushed():
    profiles = {Mode.EXPLORE: {"pain": 0.0, "fall": 1.0, "force": -3.0, "energy": 0.0}}
    weights, raised = weights_for(profiles, Mode.EXPLORE, DEFAULT_FLOORS)
    assert sorted(raised) == ["fall", "force", "pain"]
    for name, floor in DEFAULT_FLOORS.items():
        assert weights[name] == floor
    assert weights["energy"] == 0.0
    assert all(weight_problem(n, v, DEFAULT_FLOORS) is None for n, v in weights.items())


def test_stricter_floor_wins():
    floors = merge_floors({"pain": 0.5, "fall": 50.0}, {"pain": 2.0, "force": 0.7})
    assert floors == {"pain": 2.0, "fall": 50.0, "force": 0.7}
    weights, raised = weights_for(DEFAULT_PROFILES, Mode.REACH, floors)
    assert weights["pain"] == 2.0 and raised == ["pain"]


def test_unknown_term_in_profile_is_an_error():
    with pytest.raises(ValueError, match="unknown terms"):
        weights_for({Mode.REST: {"happiness": 1.0}}, Mode.REST)
