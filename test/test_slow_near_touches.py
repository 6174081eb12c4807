"""Slow near touches (actor/slow_near_touches.py): plan steps that pass a remembered touch pay for speed
above the cap; elsewhere the plan is as it was."""

from __future__ import annotations

import pytest
import torch

from lecun_agent.actor import Planner, PlannerConfig
from lecun_agent.actor.contact_memory import ContactMemory, Footprint, signed_distance
from lecun_agent.actor.slow_near_touches import SlowNearTouches
from lecun_agent.actor.toy import PointMassModel
from lecun_agent.cost.total import IntrinsicCost
from lecun_agent.cost.weights import CostWeights

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # conftest.py

FOOTPRINT = Footprint(half_length=0.3, half_width=0.16)
SPOT = torch.tensor([[1.0, 0.3]])  # beside the straight line to a goal ahead, 0.14 m off the body's left edge


def touched(points: torch.Tensor) -> ContactMemory:
    memory = ContactMemory(8, 360.0, FOOTPRINT)
    memory.points = points
    return memory


def test_speed_above_the_cap_costs_only_on_steps_near_a_touch():
    slow = SlowNearTouches(weight=10.0, distance_m=0.2, speed_m_s=0.5)
    position = torch.tensor([[[1.0, 0.0], [1.0, 0.0], [3.0, 0.0]]])  # beside the spot twice, then far past it
    twist = torch.tensor([[[0.8, 0.0, 0.0], [0.4, 0.0, 0.0], [0.8, 0.0, 0.0]]])
    cost = slow.cost(touched(SPOT).gap(position, torch.zeros(1, 3)), twist)
    assert cost[0].tolist() == pytest.approx([10.0 * 0.3, 0.0, 0.0])


def test_no_touch_or_weight_zero_costs_nothing():
    position, yaw, twist = torch.zeros(1, 2, 2), torch.zeros(1, 2), torch.ones(1, 2, 3)
    assert SlowNearTouches(10.0, 0.2, 0.5).cost(touched(torch.zeros(0, 2)).gap(position, yaw), twist) is None
    assert SlowNearTouches(0.0, 0.2, 0.5).cost(touched(SPOT).gap(position, yaw), twist) is None


def planner(weight: float) -> Planner:
    cfg = PlannerConfig(samples=256, iterations=4, horizon=16, critic_weight=0.0, uncertainty="none",
                        contact_memory=8, slow_near_touches_weight=weight)
    # energy free: the fastest walk to the goal is the cheapest, so only the cap slows the plan
    return Planner(PointMassModel(latent_dim=8, action_dim=3), IntrinsicCost(weights=CostWeights(energy=0.0)), cfg)


def speeds_near_the_touches(weight: float) -> torch.Tensor:
    """Predicted planar speed of the plan's steps within 0.2 m of a touch, walking at 0.8 m/s through a
    0.6 m gap between two touched spots on the straight line to a goal 3 m ahead."""
    p = planner(weight)
    for side in (0.3, -0.3):  # each spot ahead of the pose it is touched from
        p.memory.touch(torch.tensor([0.7, side, 0.0]), torch.zeros(3), None)
    assert torch.allclose(p.memory.points, torch.tensor([[1.0, 0.3], [1.0, -0.3]]))
    result = p.plan(torch.zeros(8), (0.0, 0.0, 0.0), (3.0, 0.0), last_action=(0.8, 0.0, 0.0), seed=2)
    speed = torch.linalg.vector_norm(result.poses[1:, :2] - result.poses[:-1, :2], dim=-1) / 0.1
    near = signed_distance(p.memory.points, result.poses[1:, :2], result.poses[1:, 2], FOOTPRINT).min(-1).values < 0.2
    assert near.sum() >= 3  # the gap is the way
    return speed[near]


def test_the_plan_slows_where_it_passes_a_touch():
    assert speeds_near_the_touches(0.0).min() > 0.65
    assert speeds_near_the_touches(10.0).max() < 0.6


def test_with_nothing_touched_the_plan_is_unchanged():
    plain = planner(0.0).plan(torch.zeros(8), (0.0, 0.0, 0.0), (3.0, 0.0), seed=3)
    capped = planner(10.0).plan(torch.zeros(8), (0.0, 0.0, 0.0), (3.0, 0.0), seed=3)
    assert torch.equal(plain.actions, capped.actions) and plain.cost == capped.cost
