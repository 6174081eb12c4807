"""Seen contacts: where the model predicted a first contact is remembered for a few seconds, so a block
that has left the camera's view still costs; priced, never published as a prediction."""

from __future__ import annotations

import math

import pytest
import torch

from lecun_agent.actor import Planner, PlannerConfig
from lecun_agent.actor.contact_memory import FADE_M, Footprint
from lecun_agent.actor.plan_cost import PlanScorer
from lecun_agent.actor.seen_contacts import SeenContacts
from lecun_agent.actor.toy import PointMassModel
from lecun_agent.cost.total import IntrinsicCost

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # conftest.py

FOOTPRINT = Footprint(half_length=0.3, half_width=0.16)
FORCE_N = 360.0


def straight_samples(n_steps: int, contact_from: int | None, vy: float = 0.0, yaw: float = 0.0):
    """One sample moving 0.05 m per step along the body's (1, vy) from the origin at heading yaw,
    predicting a certain contact from step `contact_from` on -> (position (1, H, 2), yaw (1, H), contact (1, H))."""
    c, s = math.cos(yaw), math.sin(yaw)
    step = torch.tensor([c * 0.05 - s * vy, s * 0.05 + c * vy])
    position = torch.arange(1, n_steps + 1, dtype=torch.float32)[:, None] * step
    contact = torch.zeros(n_steps)
    if contact_from is not None:
        contact[contact_from:] = FORCE_N
    return position[None], torch.full((1, n_steps), yaw), contact[None]


def test_the_first_predicted_contact_is_remembered_where_the_motion_leaves_the_footprint():
    seen = SeenContacts(keep_s=4.0, force_n=FORCE_N, footprint=FOOTPRINT)
    assert seen.add(0.0, torch.zeros(3), *straight_samples(10, contact_from=5)) == 1
    # The contact starts at step 5, 0.3 m ahead: the front edge there, 0.6 m ahead, on a 0.1 m grid.
    assert torch.allclose(seen.points[0], torch.tensor([0.6, 0.0]), atol=1e-5)
    # Facing +y, the same motion: the point is 0.6 m along +y.
    seen.clear()
    seen.add(0.0, torch.zeros(3), *straight_samples(10, contact_from=5, yaw=math.pi / 2))
    assert torch.allclose(seen.points[0], torch.tensor([0.0, 0.6]), atol=1e-5)
    # A sample with no predicted contact, or one below the threshold, adds nothing.
    position, yaw, contact = straight_samples(10, contact_from=None)
    assert seen.add(1.0, torch.zeros(3), position, yaw, contact) == 0
    assert seen.add(1.0, torch.zeros(3), position, yaw, contact + 0.4 * FORCE_N) == 0


def test_a_contact_predicted_at_the_goal_is_not_remembered():
    """The robot is sent to the goal, so the goal is clear; the world model does predict contacts
    round the goal marker (docs/actor.md, "Seen contacts")."""
    seen = SeenContacts(keep_s=4.0, force_n=FORCE_N, footprint=FOOTPRINT)
    assert seen.add(0.0, torch.zeros(3), *straight_samples(10, contact_from=5), goal=torch.tensor([0.7, 0.1])) == 0
    assert seen.add(0.0, torch.zeros(3), *straight_samples(10, contact_from=5), goal=torch.tensor([2.0, 0.0])) == 1


def test_points_last_keep_s_unless_predicted_again_and_time_going_back_forgets_them():
    seen = SeenContacts(keep_s=4.0, force_n=FORCE_N, footprint=FOOTPRINT)
    far = torch.tensor([-5.0, 0.0, math.pi])  # the robot elsewhere, facing away: nothing under it or in view
    seen.add(0.0, far, *straight_samples(10, contact_from=5))
    seen.add(3.0, far, *straight_samples(10, contact_from=5))  # predicted again: refreshed, not doubled
    assert len(seen.points) == 1
    none = straight_samples(10, contact_from=None)
    seen.add(6.5, far, *none)
    assert len(seen.points) == 1  # 3.5 s since it was last predicted
    seen.add(7.5, far, *none)
    assert len(seen.points) == 0  # 4.5 s
    seen.add(10.0, far, *straight_samples(10, contact_from=5))
    seen.add(2.0, far, *none)  # a new episode
    assert len(seen.points) == 0


def test_a_point_the_body_stands_on_was_wrong_and_is_forgotten():
    seen = SeenContacts(keep_s=4.0, force_n=FORCE_N, footprint=FOOTPRINT)
    seen.add(0.0, torch.zeros(3), *straight_samples(10, contact_from=5))  # (0.6, 0)
    seen.add(0.1, torch.tensor([0.4, 0.0, math.pi]), *straight_samples(10, contact_from=None))  # facing away
    assert len(seen.points) == 0


def test_in_view_the_model_predicts_afresh_and_out_of_view_the_point_is_kept():
    seen = SeenContacts(keep_s=4.0, force_n=FORCE_N, footprint=FOOTPRINT, half_view=math.radians(35.0))
    seen.add(0.0, torch.zeros(3), *straight_samples(10, contact_from=5))  # (0.6, 0), dead ahead
    none = straight_samples(10, contact_from=None)
    seen.add(0.1, torch.tensor([0.0, 0.0, math.radians(50.0)]), *none)  # turned 50 deg left: out of view
    assert len(seen.points) == 1
    seen.add(0.2, torch.tensor([0.0, 0.0, math.radians(30.0)]), *none)  # back within 35 deg: the model sees
    assert len(seen.points) == 0  # no contact there now


def test_untrusted_input_adds_nothing_and_zero_keep_is_off():
    seen = SeenContacts(keep_s=4.0, force_n=FORCE_N, footprint=FOOTPRINT)
    samples = straight_samples(10, contact_from=5)
    assert seen.add(float("nan"), torch.zeros(3), *samples) == 0
    assert seen.add(0.0, torch.tensor([0.0, float("inf"), 0.0]), *samples) == 0
    position, yaw, contact = samples
    assert seen.add(0.0, torch.zeros(3), position * float("nan"), yaw, contact) == 0
    assert seen.force(torch.zeros(2, 2), torch.zeros(2)) is None
    off = SeenContacts(keep_s=0.0, force_n=FORCE_N)
    assert off.add(0.0, torch.zeros(3), *samples) == 0


def test_the_charge_is_full_on_the_edge_fades_outside_and_never_exceeds_a_certain_contact():
    seen = SeenContacts(keep_s=4.0, force_n=FORCE_N, footprint=FOOTPRINT)
    seen.add(0.0, torch.tensor([-5.0, 0.0, 0.0]), *straight_samples(10, contact_from=5))  # (0.6, 0)
    xs = torch.tensor([0.3, 0.5, 0.3 - 0.5 * FADE_M, 0.3 - FADE_M - 0.01])  # edge on it, past it, backed off
    force = seen.force(torch.stack([xs, torch.zeros(4)], -1), torch.zeros(4))
    assert force.tolist() == pytest.approx([FORCE_N, FORCE_N, 0.5 * FORCE_N, 0.0], abs=1e-2)


def _features(model, u):
    s, steps = torch.zeros(u.shape[0], model.latent_dim), []
    for h in range(u.shape[1]):
        s = model.step(s, u[:, h])
        steps.append(s)
    return model.features(torch.stack(steps, 1))


def test_seen_contacts_are_priced_as_pain_but_not_published_to_the_guardrail():
    scorer = PlanScorer(IntrinsicCost(), dt=0.1, discount=1.0, critic_weight=0.0)
    model = PointMassModel(latent_dim=8, action_dim=3)
    seen = SeenContacts(keep_s=4.0, force_n=FORCE_N, footprint=FOOTPRINT)
    seen.add(0.0, torch.tensor([-5.0, 0.0, 0.0]), *straight_samples(10, contact_from=5))  # (0.6, 0)
    u = torch.zeros(1, 8, 3)
    u[..., 0] = 0.5  # walks 0.4 m: the front edge reaches the point
    feats = _features(model, u)
    without = scorer.score(feats, torch.zeros(1), torch.zeros(3), None)
    with_seen = scorer.score(feats, torch.zeros(1), torch.zeros(3), None, seen=seen)
    assert float(with_seen.total[0]) > float(without.total[0]) + 1.0
    assert torch.equal(with_seen.data.raw["pain"], without.data.raw["pain"])  # what the guardrail sees
    assert torch.equal(with_seen.contact, feats["body_contact_force"])  # the model's own, for the next tick


def test_the_planner_keeps_away_from_a_block_after_the_model_stops_seeing_it():
    """A block ahead, seen on the first tick; then the model loses it. The planner with seen contacts
    still goes round it on the next tick; without them it walks into it; reset forgets it."""
    goal, start, block = (3.0, 0.0), (0.0, 0.0, 0.0), (1.0, 0.0, 0.35)

    def plans(keep_s: float):
        cfg = PlannerConfig(samples=256, iterations=2, horizon=16, critic_weight=0.0, uncertainty="none",
                            seen_contacts_s=keep_s)
        planner = Planner(PointMassModel(latent_dim=8, action_dim=3, blocks=[block]), IntrinsicCost(), cfg,
                          footprint=FOOTPRINT)
        first = planner.plan(torch.zeros(8), start, goal, seed=1, stamp=0.0)
        remembered = len(planner.seen.points)
        planner.model = PointMassModel(latent_dim=8, action_dim=3)  # the model has lost the block
        later = planner.plan(torch.zeros(8), start, goal, seed=2, stamp=0.1)
        return planner, first, later, remembered

    def through_block(result) -> bool:
        return bool((torch.linalg.vector_norm(result.poses[1:, :2] - torch.tensor(block[:2]), dim=-1)
                     < block[2]).any())

    planner, first, later, remembered = plans(4.0)
    assert not through_block(first) and remembered > 0
    assert not through_block(later)
    _, _, forgot, _ = plans(0.0)
    assert through_block(forgot)
    assert len(planner.seen.points) == 0  # in view, and the model now predicts no contact there
    planner.seen.add(0.2, torch.zeros(3), *straight_samples(10, contact_from=5))
    assert len(planner.seen.points) == 1
    planner.reset()
    assert len(planner.seen.points) == 0
