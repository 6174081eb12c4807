"""Slow near a touch or a seen contact: while one lies within slow_within_m of the footprint's edge, the
planner plans with the forward speed capped at slow_max_vx (actor/slow_near.py)."""

from __future__ import annotations

import math

import pytest
import torch

from lecun_agent.actor import Planner, PlannerConfig
from lecun_agent.actor.contact_memory import Footprint
from lecun_agent.actor.slow_near import near
from lecun_agent.actor.toy import PointMassModel
from lecun_agent.cost.total import IntrinsicCost

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # conftest.py

FOOTPRINT = Footprint(half_length=0.3, half_width=0.16)


def test_a_point_is_near_within_the_distance_of_the_footprints_edge():
    pose = torch.tensor([1.0, 2.0, math.pi / 2])  # facing +y: the front edge is at y = 2.3
    ahead = torch.tensor([[1.0, 2.4]])  # 0.1 m past the front edge
    beside = torch.tensor([[1.26, 2.0]])  # 0.1 m past the right edge
    for point in (ahead, beside):
        assert near(point, pose, FOOTPRINT, 0.15) and not near(point, pose, FOOTPRINT, 0.05)
    assert not near(ahead, pose, FOOTPRINT, 0.0)  # 0: off
    assert not near(torch.zeros(0, 2), pose, FOOTPRINT, 1.0)  # nothing remembered
    assert near(ahead, torch.tensor([float("nan"), 2.0, 0.0]), FOOTPRINT, 0.15)  # unknown distance: slow


def _planner(slow_within_m: float) -> Planner:
    cfg = PlannerConfig(samples=256, iterations=3, horizon=12, critic_weight=0.0, uncertainty="none",
                        slow_within_m=slow_within_m, slow_max_vx=0.4)
    return Planner(PointMassModel(latent_dim=8, action_dim=3), IntrinsicCost(), cfg, footprint=FOOTPRINT)


@pytest.mark.parametrize("where", ["touched", "seen"])
def test_near_a_touch_or_a_seen_contact_the_plan_keeps_under_the_cap(where):
    goal = (6.0, 0.0)  # far ahead: a free plan walks at full speed
    plans = {}
    for within in (0.0, 0.2):
        planner = _planner(within)
        if where == "touched":  # touched on the left while stepping left: a spot on the left edge
            assert planner.memory.touch(torch.zeros(3), torch.tensor([0.0, 0.3, 0.0]))
        else:
            planner.seen.points, planner.seen.stamps = torch.tensor([[0.0, 0.26]]), torch.zeros(1, dtype=torch.float64)
        plans[within] = (planner.plan(torch.zeros(8), (0.0, 0.0, 0.0), goal, seed=3), planner.stats["slowed_ticks"])
    free, slowed = plans[0.0], plans[0.2]
    assert float(free[0].actions[:, 0].max()) > 0.6 and free[1] == 0
    assert float(slowed[0].actions[:, 0].max()) <= 0.4 + 1e-6 and slowed[1] == 1
    assert float(slowed[0].actions[:, 0].min()) >= -0.4 - 1e-6


def test_far_from_every_point_the_box_is_the_full_one():
    planner = _planner(0.2)
    planner.memory.touch(torch.tensor([5.0, 5.0, 0.0]), torch.tensor([0.5, 0.0, 0.0]))
    result = planner.plan(torch.zeros(8), (0.0, 0.0, 0.0), (6.0, 0.0), seed=3)
    assert float(result.actions[:, 0].max()) > 0.6 and planner.stats["slowed_ticks"] == 0
