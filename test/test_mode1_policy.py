"""Mode 1: behaviour cloning of the planner's first actions, on synthetic data; proposal and fallback."""

import math

import pytest
import torch

from lecun_agent.actor import Mode1Policy, Planner, PlannerConfig, PolicyConfig, distill_policy, policy_inputs
from lecun_agent.actor.toy import PointMassModel
from lecun_agent.cost.total import IntrinsicCost

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # conftest.py


def synthetic_plans(n: int, latent: int, seed: int = 0):
    """A stand-in planner: walk at the goal, turn towards it, slower when close (box units)."""
    g = torch.Generator().manual_seed(seed)
    cfg = PolicyConfig(latent_dim=latent)
    s = torch.randn(n, latent, generator=g)
    pose = torch.cat([torch.randn(n, 2, generator=g), (torch.rand(n, 1, generator=g) - 0.5) * 2 * math.pi], 1)
    goal = pose[:, :2] + torch.randn(n, 2, generator=g) * 2.0
    x = policy_inputs(s, pose, goal, None, cfg)
    cos_b, sin_b, dist = x[:, latent], x[:, latent + 1], x[:, latent + 2] * cfg.goal_range
    vx = (0.8 * cos_b.clamp(min=0) * (dist / 0.5).clamp(max=1)).clamp(-0.4, 0.8)
    wz = torch.atan2(sin_b, cos_b).clamp(-1.0, 1.0)
    return cfg, x, torch.stack([vx, torch.zeros(n), wz], 1)


def test_distill_learns_synthetic_plans():
    torch.manual_seed(0)
    cfg, x, a = synthetic_plans(3000, 8)
    cfg.hidden = 64
    policy = Mode1Policy(cfg)
    losses = distill_policy(policy, x[:2000], a[:2000], steps=400, batch_size=128, lr=3e-3, seed=0)
    assert sum(losses[-20:]) / 20 < 0.2 * sum(losses[:20]) / 20
    with torch.no_grad():
        held_out = (policy.to_action(policy(x[2000:])) - a[2000:]).abs().mean(0)  # (A,) per axis
    assert held_out[0] < 0.1 and held_out[2] < 0.15, held_out


def test_policy_actions_stay_in_the_box_and_propose_a_sequence():
    policy = Mode1Policy(PolicyConfig(latent_dim=8))
    with torch.no_grad():
        for p in policy.parameters():
            p.mul_(50.0)  # saturate the output
    a = policy.act(torch.randn(8), (0.0, 0.0, 0.0), (3.0, 1.0), (0.2, 0.0, 0.0))
    lo, hi = torch.tensor(policy.cfg.action_low), torch.tensor(policy.cfg.action_high)
    assert a.shape == (3,) and ((a >= lo) & (a <= hi)).all()
    seq = policy.propose(torch.randn(8), torch.zeros(3), None, None, horizon=16)
    assert seq.shape == (16, 3) and torch.equal(seq[0], seq[-1])


def test_planner_uses_the_policy_as_proposal_and_fallback():
    policy = Mode1Policy(PolicyConfig(latent_dim=8))
    clock = iter(range(10**6))
    planner = Planner(
        PointMassModel(), IntrinsicCost(), PlannerConfig(samples=32), policy, clock=lambda: next(clock) * 1e-3
    )
    r = planner.plan(torch.zeros(8), goal=(2.0, 0.0), deadline_s=0.002)
    assert r.source == "mode1"
    assert torch.allclose(r.actions[0], policy.act(torch.zeros(8), torch.zeros(3), torch.tensor([2.0, 0.0])))
    r = planner.plan(torch.zeros(8), goal=(2.0, 0.0), deadline_s=None)
    assert r.source == "plan"


def test_mode1_acting_alone_is_scored_as_a_policy_plan_not_a_deadline_miss():
    """The mode1 agent publishes its closed-loop plan scored like a plan; no deadline was involved."""
    planner = Planner(PointMassModel(), IntrinsicCost(), PlannerConfig(samples=32))
    actions = torch.zeros(PlannerConfig().horizon, 3)
    actions[:, 0] = 0.4
    r = planner.score_plan(torch.zeros(8), actions, goal=(2.0, 0.0))
    assert r.source == "policy" and not r.deadline_missed
    assert r.poses[-1, 0] > 0.1  # the scored plan walks the policy's commands towards the goal
