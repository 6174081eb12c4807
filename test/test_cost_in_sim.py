"""The intrinsic cost and the guardrail against physics: a wall hurts, the guardrail slows the robot
and keeps the pain lower than pushing on unguarded, and faster trotting costs more energy per second
(in-process sim, no ROS)."""

from __future__ import annotations

import numpy as np
import pytest

from lecun_agent.episodes.cost_in_sim import energy_at_speeds, walk_into_wall

pytest.importorskip("pybullet")


@pytest.fixture(scope="module")
def wall_runs():
    return walk_into_wall(guarded=False).arrays(), walk_into_wall(guarded=True)


def test_walking_into_a_wall_raises_pain(wall_runs):
    bare, _ = wall_runs
    free = bare["time"] < bare["time"][np.argmax(bare["x"] > 2.4)]  # open floor, before nearing the wall
    contact = bare["time"] > bare["time"][np.argmax(bare["x"] > 2.6)]
    assert bare["pain"][free].mean() < 0.2
    assert bare["pain"][contact].max() > 5 * max(bare["pain"][free].max(), 0.1)


def test_guardrail_slows_the_robot_at_the_wall(wall_runs):
    bare, trace = wall_runs
    guarded = trace.arrays()
    t_near = guarded["time"][np.argmax(guarded["x"] > 2.4)]
    free = (guarded["time"] > 0.5) & (guarded["time"] < t_near)  # after the start ramp, before the wall
    assert np.all(guarded["verdict"][free] == "pass")  # walking on open floor is never slowed
    assert trace.counts.get("clamp:pain_rising", 0) > 10
    t_slow = guarded["time"][(guarded["time"] > 0.5) & (guarded["verdict"] == "clamp")][0]
    # After the deceleration ramp and for at least slow_hold (1 s): slow_factor of the 0.5 m/s proposal.
    held = (guarded["time"] > t_slow + 0.3) & (guarded["time"] < t_slow + 1.0)
    assert held.sum() > 10 and guarded["sent_vx"][held].max() <= 0.5 * 0.3 + 1e-6
    assert guarded["fall"].max() < 0.5  # it stays on its feet
    assert guarded["pain"].max() < 0.8 * bare["pain"].max()


def test_faster_trot_costs_more_energy_per_second():
    power = energy_at_speeds((0.2, 0.4, 0.6))
    watts = [power[s] for s in (0.2, 0.4, 0.6)]
    assert watts[0] < watts[1] < watts[2]
    assert watts[2] > 1.3 * watts[0]
