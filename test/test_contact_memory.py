"""The actor's contact memory: a touch is remembered ahead of the motion, and plans that go back there pay contact."""

from __future__ import annotations

import math

import pytest
import torch

from lecun_agent.actor import Planner, PlannerConfig
from lecun_agent.actor.contact_memory import FADE_M, REACH_M, ContactMemory
from lecun_agent.actor.plan_cost import PlanScorer
from lecun_agent.actor.toy import PointMassModel
from lecun_agent.cost.total import IntrinsicCost

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # conftest.py


def test_a_touch_is_remembered_ahead_of_the_motion_in_the_odom_frame():
    memory = ContactMemory(capacity=8, force_n=100.0)
    # Facing +y (yaw 90 deg), walking forward: the touched spot is REACH_M further along +y.
    assert memory.touch(torch.tensor([1.0, 2.0, math.pi / 2]), torch.tensor([0.5, 0.0, 0.0]))
    assert torch.allclose(memory.points[0], torch.tensor([1.0, 2.0 + REACH_M]), atol=1e-6)
    # Sidestepping left while facing +x: the spot is to the left (+y).
    memory.touch(torch.tensor([0.0, 0.0, 0.0]), torch.tensor([0.0, 0.3, 0.0]))
    assert torch.allclose(memory.points[1], torch.tensor([0.0, REACH_M]), atol=1e-6)
    # Standing still: ahead of the heading.
    memory.touch(torch.tensor([5.0, 5.0, math.pi]), torch.zeros(3))
    assert torch.allclose(memory.points[2], torch.tensor([5.0 - REACH_M, 5.0]), atol=1e-6)


def test_the_same_spot_is_kept_once_and_the_oldest_spots_go_first():
    memory = ContactMemory(capacity=2, force_n=100.0)
    pose, cmd = torch.tensor([0.0, 0.0, 0.0]), torch.tensor([0.5, 0.0, 0.0])
    assert memory.touch(pose, cmd) and not memory.touch(pose + torch.tensor([0.02, 0.0, 0.0]), cmd)
    memory.touch(torch.tensor([3.0, 0.0, 0.0]), cmd)
    memory.touch(torch.tensor([6.0, 0.0, 0.0]), cmd)
    assert len(memory.points) == 2 and float(memory.points[0, 0]) == pytest.approx(3.0 + REACH_M)


def test_untrusted_touches_are_ignored_and_capacity_zero_is_off():
    memory = ContactMemory(capacity=4, force_n=100.0)
    assert not memory.touch(torch.tensor([float("nan"), 0.0, 0.0]), torch.tensor([0.5, 0.0, 0.0]))
    assert not memory.touch(torch.tensor([0.0, 0.0, 0.0]), torch.tensor([float("inf"), 0.0, 0.0]))
    assert len(memory.points) == 0 and memory.force(torch.zeros(3, 2)) is None
    off = ContactMemory(capacity=0, force_n=100.0)
    assert not off.touch(torch.zeros(3), torch.tensor([0.5, 0.0, 0.0])) and off.force(torch.zeros(1, 2)) is None


def test_the_remembered_force_is_full_at_the_touch_pose_and_fades_beyond_it():
    memory = ContactMemory(capacity=4, force_n=100.0)
    memory.touch(torch.zeros(3), torch.tensor([0.5, 0.0, 0.0]))  # spot at (REACH_M, 0)
    xs = torch.tensor([0.0, REACH_M, -0.5 * FADE_M, -FADE_M - 0.01])
    force = memory.force(torch.stack([xs, torch.zeros(4)], -1))
    assert force.tolist() == pytest.approx([100.0, 100.0, 50.0, 0.0], abs=1e-3)


def test_plans_that_go_back_to_a_touched_spot_pay_contact_pain():
    scorer = PlanScorer(IntrinsicCost(), dt=0.1, discount=1.0, critic_weight=0.0)
    model = PointMassModel(latent_dim=8, action_dim=3)
    s0 = torch.zeros(8)
    ahead, back = torch.zeros(1, 6, 3), torch.zeros(1, 6, 3)
    ahead[..., 0], back[..., 0] = 0.5, -0.3
    memory = ContactMemory(capacity=4, force_n=360.0)
    memory.touch(torch.zeros(3), torch.tensor([0.5, 0.0, 0.0]))  # touched something straight ahead
    pain = {}
    for name, u in (("ahead", ahead), ("back", back)):
        s = s0[None]
        steps = []
        for h in range(u.shape[1]):
            s = model.step(s, u[:, h])
            steps.append(s)
        feats = model.features(torch.stack(steps, 1))
        pain[name] = scorer.score(feats, torch.zeros(1), torch.zeros(3), None, memory=memory).data.raw["pain"]
        none = scorer.score(feats, torch.zeros(1), torch.zeros(3), None).data.raw["pain"]
        pain[name + "_without"] = none
    assert (pain["ahead"] > pain["ahead_without"] + 1.0).all()  # every step is at or past the touch pose
    # Walking away: the charge fades while the body leaves the touch pose, then is gone.
    extra = (pain["back"] - pain["back_without"])[0]
    assert (extra[1:] <= extra[:-1]).all() and extra[-1] == 0.0
    assert extra.sum() < (pain["ahead"] - pain["ahead_without"]).sum()


def test_the_planner_steers_around_a_remembered_touch_and_reset_forgets_it():
    cfg = PlannerConfig(samples=256, iterations=4, horizon=16, critic_weight=0.0, uncertainty="none",
                        contact_memory=8)
    planner = Planner(PointMassModel(latent_dim=8, action_dim=3), IntrinsicCost(), cfg)
    goal = (3.0, 0.0)
    free = planner.plan(torch.zeros(8), (0.0, 0.0, 0.0), goal, seed=1)
    planner.reset()
    for x in (0.4, 0.5, 0.6):  # a wall of touches on the straight line, across it
        for y in (-0.1, 0.0, 0.1):
            planner.memory.touch(torch.tensor([x - REACH_M, y, 0.0]), torch.tensor([0.5, 0.0, 0.0]))
    around = planner.plan(torch.zeros(8), (0.0, 0.0, 0.0), goal, seed=1)
    on_line = lambda r: (r.poses[1:, 1].abs() < 0.1) & (r.poses[1:, 0] > 0.3)  # noqa: E731
    assert on_line(free).any() and not on_line(around).any()
    planner.reset()
    assert len(planner.memory.points) == 0
