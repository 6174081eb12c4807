"""The actor's contact memory: a touch is remembered on the body's edge where it touched, and plans that go
back there (or stay pressed on it) pay contact."""

from __future__ import annotations

import math

import pytest
import torch

from lecun_agent.actor import Planner, PlannerConfig
from lecun_agent.actor.contact_memory import FADE_M, ContactMemory, Footprint, strongest_touches
from lecun_agent.actor.plan_cost import PlanScorer
from lecun_agent.actor.toy import PointMassModel
from lecun_agent.body.robot_model import load_robot_model
from lecun_agent.cost.total import IntrinsicCost

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # conftest.py


FOOTPRINT = Footprint(half_length=0.3, half_width=0.16,
                      links={"FL_thigh": (0.19, 0.14), "RR_hip": (-0.25, -0.06)})


def test_the_footprint_comes_from_the_urdf():
    footprint = Footprint.of(load_robot_model())
    assert "base" not in footprint.links and {"FL_thigh", "RR_calf"} <= set(footprint.links)
    x, y = footprint.links["FL_thigh"]
    assert x > 0 and y > 0 and footprint.links["RR_calf"][0] < 0 > footprint.links["RR_calf"][1]
    assert footprint.half_length > x and footprint.half_width > y


def test_a_named_link_marks_its_side_of_the_footprint_in_the_odom_frame():
    memory = ContactMemory(capacity=8, force_n=100.0, footprint=FOOTPRINT)
    # Facing +y (yaw 90 deg), walking forward, the left front thigh touches: the spot is on the
    # body's left edge (-x in odom) beside the front hip (+y), not ahead of the motion.
    assert memory.touch(torch.tensor([1.0, 2.0, math.pi / 2]), torch.tensor([0.5, 0.0, 0.0]), {"FL_thigh": 30.0}) == 1
    assert torch.allclose(memory.points[0], torch.tensor([1.0 - 0.16, 2.0 + 0.19]), atol=1e-6)
    # A link nearer the rear edge than the side marks the rear edge.
    memory.touch(torch.tensor([0.0, 0.0, 0.0]), torch.tensor([0.5, 0.0, 0.0]), {"RR_hip": 5.0, "FL_thigh": 0.0})
    assert torch.allclose(memory.points[1], torch.tensor([-0.3, -0.06]), atol=1e-6)


@pytest.mark.parametrize("links", [None, {}, {"base": 40.0}, {"bumper_left": 40.0}])
def test_an_unplaced_touch_is_remembered_where_the_motion_leaves_the_footprint(links):
    memory = ContactMemory(capacity=8, force_n=100.0, footprint=FOOTPRINT)
    # Facing +y, walking forward: the front edge, further along +y.
    memory.touch(torch.tensor([1.0, 2.0, math.pi / 2]), torch.tensor([0.5, 0.0, 0.0]), links)
    assert torch.allclose(memory.points[0], torch.tensor([1.0, 2.0 + 0.3]), atol=1e-6)
    # Sidestepping left while facing +x: the left edge.
    memory.touch(torch.tensor([0.0, 0.0, 0.0]), torch.tensor([0.0, 0.3, 0.0]), links)
    assert torch.allclose(memory.points[1], torch.tensor([0.0, 0.16]), atol=1e-6)
    # Standing still: ahead of the heading.
    memory.touch(torch.tensor([5.0, 5.0, math.pi]), torch.zeros(3), links)
    assert torch.allclose(memory.points[2], torch.tensor([5.0 - 0.3, 5.0]), atol=1e-6)


def test_the_same_spot_is_kept_once_and_the_oldest_spots_go_first():
    memory = ContactMemory(capacity=2, force_n=100.0, footprint=FOOTPRINT)
    pose, cmd = torch.tensor([0.0, 0.0, 0.0]), torch.tensor([0.5, 0.0, 0.0])
    assert memory.touch(pose, cmd) and not memory.touch(pose + torch.tensor([0.02, 0.0, 0.0]), cmd)
    memory.touch(torch.tensor([3.0, 0.0, 0.0]), cmd)
    memory.touch(torch.tensor([6.0, 0.0, 0.0]), cmd)
    assert len(memory.points) == 2 and float(memory.points[0, 0]) == pytest.approx(3.0 + 0.3)


def test_untrusted_touches_are_ignored_and_capacity_zero_is_off():
    memory = ContactMemory(capacity=4, force_n=100.0, footprint=FOOTPRINT)
    assert not memory.touch(torch.tensor([float("nan"), 0.0, 0.0]), torch.tensor([0.5, 0.0, 0.0]))
    assert not memory.touch(torch.tensor([0.0, 0.0, 0.0]), torch.tensor([float("inf"), 0.0, 0.0]))
    assert not memory.touch(torch.zeros(3), torch.tensor([float("nan"), 0.0, 0.0]), {"FL_thigh": float("nan")})
    assert len(memory.points) == 0 and memory.force(torch.zeros(3, 2), torch.zeros(3)) is None
    off = ContactMemory(capacity=0, force_n=100.0)
    assert not off.touch(torch.zeros(3), torch.tensor([0.5, 0.0, 0.0]), {"FL_thigh": 9.0})
    assert off.force(torch.zeros(1, 2), torch.zeros(1)) is None


def test_the_charge_is_full_on_the_edge_deeper_inside_and_fades_outside():
    memory = ContactMemory(capacity=4, force_n=100.0, footprint=FOOTPRINT)
    memory.touch(torch.zeros(3), torch.tensor([0.5, 0.0, 0.0]))  # spot on the front edge, (0.3, 0)
    xs = torch.tensor([0.0, 0.1, -0.5 * FADE_M, -FADE_M - 0.01])  # body at the touch, nearer, backed off
    force = memory.force(torch.stack([xs, torch.zeros(4)], -1), torch.zeros(4))
    assert force.tolist() == pytest.approx([100.0, 100.0 * (1 + 0.1 / FADE_M), 50.0, 0.0], abs=1e-3)
    # Turned 90 deg at the touch pose, the spot is 0.3 m off the left side: 0.14 m outside.
    turned = memory.force(torch.zeros(1, 2), torch.tensor([math.pi / 2]))
    assert float(turned[0]) == pytest.approx(100.0 * (1 - 0.14 / FADE_M), abs=1e-3)


def test_the_touches_since_the_last_tick_are_the_strongest_per_link_of_the_trusted_readings():
    readings = [{}, {"FL_thigh": 20.0}, {"FL_thigh": 5.0, "base": 3.0}, {"FL_calf": float("nan"), "base": 90.0}, {}]
    assert strongest_touches(readings) == {"FL_thigh": 20.0, "base": 3.0}  # the NaN reading is left out whole
    assert strongest_touches([]) == {} and strongest_touches([{"RR_hip": float("inf")}]) == {}


def test_a_spot_the_body_now_stands_on_is_forgotten():
    memory = ContactMemory(capacity=4, force_n=100.0, footprint=FOOTPRINT)
    memory.touch(torch.zeros(3), torch.tensor([0.5, 0.0, 0.0]))  # front edge, (0.3, 0)
    memory.touch(torch.zeros(3), torch.tensor([0.0, 0.3, 0.0]))  # left edge, (0, 0.16)
    # Slid 0.05 m to the left, the left-edge spot is 0.05 m inside the footprint: kept (a leg may be there).
    assert memory.forget_under(torch.tensor([0.0, 0.05, 0.0])) == 0 and len(memory.points) == 2
    # Slid 0.15 m, it is 0.15 m deep, where the body stands: forgotten; the front spot stays.
    assert memory.forget_under(torch.tensor([0.0, 0.15, 0.0])) == 1
    assert torch.allclose(memory.points, torch.tensor([[0.3, 0.0]]))
    # An untrusted pose forgets nothing.
    assert memory.forget_under(torch.tensor([0.3, float("nan"), 0.0])) == 0 and len(memory.points) == 1


def test_after_a_touch_on_the_left_stepping_right_is_charged_less_than_holding_or_stepping_left():
    memory = ContactMemory(capacity=4, force_n=100.0, footprint=FOOTPRINT)
    memory.touch(torch.zeros(3), torch.tensor([0.8, 0.3, 0.0]), {"FL_thigh": 50.0})
    ys = torch.tensor([-0.05, 0.0, 0.05])  # right, held, left; all with the point beside the body
    force = memory.force(torch.stack([torch.full((3,), 0.1), ys], -1), torch.zeros(3))
    assert force[0] < force[1] < force[2]


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
            planner.memory.touch(torch.tensor([x - 0.3, y, 0.0]), torch.tensor([0.5, 0.0, 0.0]))
    around = planner.plan(torch.zeros(8), (0.0, 0.0, 0.0), goal, seed=1)
    on_line = lambda r: (r.poses[1:, 1].abs() < 0.1) & (r.poses[1:, 0] > 0.3)  # noqa: E731
    assert on_line(free).any() and not on_line(around).any()
    planner.reset()
    assert len(planner.memory.points) == 0


def test_pressing_past_a_touched_spot_is_vetoed_in_the_planner_but_never_published_as_a_hard_contact():
    """The depth is priced and vetoed like pain, but the plan the guardrail checks holds at most a
    certain contact: the remembered spot is no prediction of a hard contact, so it cannot stop the robot."""
    scorer = PlanScorer(IntrinsicCost(), dt=0.1, discount=1.0, critic_weight=0.0)
    model = PointMassModel(latent_dim=8, action_dim=3)
    memory = ContactMemory(capacity=4, force_n=360.0)
    memory.touch(torch.zeros(3), torch.tensor([0.5, 0.0, 0.0]))  # spot on the front edge
    u = torch.zeros(2, 6, 3)
    u[0, :, 0], u[1, :, 0] = 0.5, -0.3  # into the spot, away from it
    s, steps = torch.zeros(2, 8), []
    for h in range(u.shape[1]):
        s = model.step(s, u[:, h])
        steps.append(s)
    feats = model.features(torch.stack(steps, 1))
    scored = scorer.score(feats, torch.zeros(2), torch.zeros(3), None, memory=memory)
    assert scored.fail.tolist() == [True, False]
    certain_pain = 360.0 / scorer.cost.limits.weight
    assert float(scored.data.raw["pain"].max()) <= certain_pain + 1e-4 < IntrinsicCost().veto.pain
    assert not scored.data.fail_flag.any()  # what the guardrail sees: no breach
