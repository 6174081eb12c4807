"""Goal homing (configurator/goal_homing.py): the goal moves onto the marker sightings only once enough
near ones agree, weighted by range; sightings too far from the robot or from the goal sent are not taken."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lecun_agent.configurator.goal_homing import GoalHoming, HomingSettings, footprint_to_odom


def test_the_goal_stays_where_it_was_sent_until_enough_sightings_then_follows_them():
    homing = GoalHoming(HomingSettings(need=3))
    assert homing.goal is None
    homing.reset(np.array([4.0, 1.0]))
    assert homing.add(np.array([4.3, 0.8]), 1.5) and homing.add(np.array([4.3, 0.8]), 1.4)
    assert homing.goal == pytest.approx([4.0, 1.0])  # two sightings: not yet
    assert homing.add(np.array([4.3, 0.8]), 1.2)
    assert homing.goal == pytest.approx([4.3, 0.8])


def test_nearer_sightings_weigh_more():
    homing = GoalHoming(HomingSettings(need=1))
    homing.reset(np.zeros(2))
    homing.add(np.array([0.4, 0.0]), 2.0)
    homing.add(np.array([0.2, 0.0]), 1.0)  # 16 times the weight of the sighting from twice as far
    assert homing.goal[0] == pytest.approx((0.4 + 16 * 0.2) / 17)


@pytest.mark.parametrize(("marker", "range_m", "why"), [
    ((1.2, 0.0), 1.0, "farther from the goal sent than gate_m: another green thing, not its marker"),
    ((0.1, 0.0), 2.5, "farther from the robot than range_m: one pixel row spans too much"),
    ((math.nan, 0.0), 1.0, "not finite"), ((0.1, 0.0), math.inf, "range not finite"),
])
def test_a_sighting_it_cannot_use_is_not_taken(marker, range_m, why):
    homing = GoalHoming(HomingSettings(need=1, gate_m=1.0, range_m=2.0))
    homing.reset(np.zeros(2))
    assert not homing.add(np.array(marker), range_m), why
    assert homing.goal == pytest.approx([0.0, 0.0])


def test_a_new_goal_forgets_the_old_goals_sightings_and_without_a_goal_nothing_is_taken():
    homing = GoalHoming(HomingSettings(need=1))
    assert not homing.add(np.array([1.0, 1.0]), 1.0)
    homing.reset(np.array([1.0, 1.0]))
    homing.add(np.array([1.2, 1.0]), 1.0)
    homing.reset(np.array([5.0, 5.0]))
    assert homing.goal == pytest.approx([5.0, 5.0]) and homing.taken == 0


def test_only_the_newest_sightings_count():
    """Odometry drifts on: an old sighting put the marker where the drift then had it."""
    homing = GoalHoming(HomingSettings(need=1, keep=2))
    homing.reset(np.zeros(2))
    for x in (0.5, 0.1, 0.1):
        homing.add(np.array([x, 0.0]), 1.0)
    assert homing.goal == pytest.approx([0.1, 0.0])


def test_a_point_under_the_base_goes_to_odom_by_the_base_pose():
    pose = np.array([2.0, 1.0, math.pi / 2])  # facing +y
    assert footprint_to_odom(np.array([1.0, 0.5]), pose) == pytest.approx([1.5, 2.0])
