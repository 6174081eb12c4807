"""The actor's detour: a robot that stopped getting nearer its goal plans towards a point beside it for a
while, then towards the goal again; one that keeps getting nearer never detours."""

from __future__ import annotations

import math

import pytest
import torch

from lecun_agent.actor.detour import AT_GOAL_M, PROGRESS_M, REACH_M, Detour

GOAL = (4.0, 0.0)
NO_TOUCHES = torch.zeros(0, 2)


def _stall(detour: Detour, pose, start: float, seconds: float, touches=NO_TOUCHES) -> list:
    """The goals a robot standing at `pose` is given at 10 Hz for `seconds` from `start`."""
    return [detour.goal(start + 0.1 * i, pose, GOAL, touches) for i in range(round(seconds * 10) + 1)]


def test_a_robot_that_keeps_getting_nearer_never_detours():
    detour = Detour(after_s=8.0, distance_m=1.5)
    # Slowly, 0.05 m/s: 0.25 m in 5 s, inside the 8 s window.
    goals = [detour.goal(0.1 * i, (0.005 * i, 0.0, 0.0), GOAL, NO_TOUCHES) for i in range(600)]
    assert set(goals) == {GOAL} and detour.count == 0


def test_a_stall_detours_beside_on_the_side_it_faces_then_returns_then_tries_the_other_side():
    detour = Detour(after_s=8.0, distance_m=1.5)
    facing_left = (0.0, 0.0, 0.6)  # goal straight ahead along +x; the body turned left (+y)
    goals = _stall(detour, facing_left, 0.0, 8.0)
    assert set(goals[:-1]) == {GOAL}, "no detour before the stall has lasted after_s"
    assert goals[-1] == pytest.approx((0.0, 1.5)) and detour.count == 1
    # Still stuck: it keeps the subgoal for after_s, then gives up on it and aims at the goal again.
    goals = _stall(detour, facing_left, 8.1, 7.8)
    assert all(g == pytest.approx((0.0, 1.5)) for g in goals)
    assert detour.goal(16.0, facing_left, GOAL, NO_TOUCHES) == GOAL
    # A fresh stall clock: after_s more without progress, and the next detour is the other side.
    assert set(_stall(detour, facing_left, 16.1, 7.8)) == {GOAL}
    assert detour.goal(24.05, facing_left, GOAL, NO_TOUCHES) == pytest.approx((0.0, -1.5)) and detour.count == 2


def test_reaching_the_subgoal_ends_the_detour_and_progress_resets_the_clock():
    detour = Detour(after_s=8.0, distance_m=1.5)
    _stall(detour, (0.0, 0.0, -0.3), 0.0, 8.0)  # facing right: the subgoal is on the right
    assert detour.subgoal == pytest.approx((0.0, -1.5))
    near = (0.0, -1.5 + 0.9 * REACH_M, 0.0)
    assert detour.goal(9.0, near, GOAL, NO_TOUCHES) == GOAL
    # From there, nearer by more than PROGRESS_M within after_s each time: no detour for a minute.
    goals = [detour.goal(9.0 + 0.1 * i, (0.0 + 0.04 * i, -1.5, 0.0), GOAL, NO_TOUCHES) for i in range(100)]
    assert set(goals) == {GOAL} and 0.04 * 10 * 7.9 > PROGRESS_M


def test_a_robot_standing_at_its_goal_never_detours():
    detour = Detour(after_s=8.0, distance_m=1.5)
    at_goal = (GOAL[0] - 0.9 * AT_GOAL_M, 0.0, 0.0)  # short of the configurator's tolerance, by odometry
    assert set(_stall(detour, at_goal, 0.0, 60.0)) == {GOAL} and detour.count == 0
    # Just outside, the same stand is a stall.
    assert _stall(detour, (GOAL[0] - 1.1 * AT_GOAL_M, 0.0, 0.0), 61.0, 8.0)[-1] != GOAL


def test_a_side_whose_way_out_passes_a_remembered_touch_is_swapped():
    detour = Detour(after_s=8.0, distance_m=1.5)
    # Facing left, but a block was touched 0.8 m to the left: the detour goes right.
    touches = torch.tensor([[0.1, 0.8], [0.3, 0.1]])  # the second one is where the robot is stuck
    goals = _stall(detour, (0.0, 0.0, 0.6), 0.0, 8.0, touches)
    assert goals[-1] == pytest.approx((0.0, -1.5))


def test_time_going_back_is_a_new_episode_and_untrusted_input_never_detours():
    detour = Detour(after_s=8.0, distance_m=1.5)
    _stall(detour, (0.0, 0.0, 0.0), 0.0, 7.0)
    assert detour.goal(1.0, (0.0, 0.0, 0.0), GOAL, NO_TOUCHES) == GOAL  # stamp went back: the clock restarts
    assert set(_stall(detour, (0.0, 0.0, 0.0), 1.1, 7.5)) == {GOAL}
    # The actor idled (rest mode) from 8.5 s to 30 s: that is no stall, the clock starts again.
    assert set(_stall(detour, (0.0, 0.0, 0.0), 30.0, 7.5)) == {GOAL} and detour.count == 0
    for pose in [(math.nan, 0.0, 0.0), (0.0, 0.0, math.inf)]:
        assert detour.goal(100.0, pose, GOAL, NO_TOUCHES) == GOAL
    assert detour.goal(100.0, (0.0, 0.0, 0.0), None, NO_TOUCHES) is None
    off = Detour(after_s=0.0, distance_m=1.5)
    assert set(_stall(off, (0.0, 0.0, 0.0), 0.0, 60.0)) == {GOAL} and off.count == 0
