"""The mode-2 planner on problems with known answers (actor/toy.py) and on small world models.

No wall-clock assertions: deadlines run on a fake clock.
"""

import math

import pytest
import torch

from lecun_agent.actor import Planner, PlannerConfig, WorldModelAdapter
from lecun_agent.actor.plain import plain_costs
from lecun_agent.actor.plan_cost import PlanScorer, integrate_poses
from lecun_agent.actor.planning_model import along_steps
from lecun_agent.actor.rollout import rollout
from lecun_agent.actor.sampling import ActionSpace, mppi_weights, shift_plan
from lecun_agent.actor.toy import PointMassModel
from lecun_agent.cost.total import IntrinsicCost
from lecun_agent.cost.veto import PLAN_FEATURES
from lecun_agent.cost.weights import TERM_NAMES, CostWeights
from lecun_agent.world_model.config import WorldModelConfig
from lecun_agent.world_model.model import WorldModel

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # conftest.py


GOAL_ONLY = {"energy": 0.0, "progress": 0.0}  # the toy's body never hurts, so only goal_distance is left


def toy_cost(**weights) -> IntrinsicCost:
    return IntrinsicCost(weights=CostWeights(**{**GOAL_ONLY, **weights}))


def toy_config(**kw) -> PlannerConfig:
    base = dict(
        samples=256, iterations=4, discount=1.0, critic_weight=0.0, rate_limit=None, uncertainty="none"
    )
    return PlannerConfig(**{**base, **kw})


# Walking without turning (vx, vy): the optimum towards a goal straight ahead is known in closed form.
# (With yaw the robot could go faster diagonally, vx and vy together, which is harder to write down.)
# From a standing start (no warm start yet) MPPI needs about 8 iterations, CEM about 12 (its std shrinks).
_PLANAR = dict(action_low=(-0.4, -0.3), action_high=(0.8, 0.3), samples=512, noise_smoothing=0.8)
PLANAR = {"mppi": {**_PLANAR, "iterations": 8}, "cem": {**_PLANAR, "iterations": 12}}


def straight_cost(goal_x: float, speeds: list[float], dt: float = 0.1) -> float:
    """Sum over the steps of the distance left to a goal straight ahead."""
    x, total = 0.0, 0.0
    for v in speeds:
        x += v * dt
        total += abs(goal_x - x)
    return total


@pytest.mark.parametrize("method", ["mppi", "cem"])
def test_reaches_the_known_optimum_far_goal(method):
    # Goal 10 m ahead, 1.6 s horizon: the optimum is full speed forward at every step.
    planner = Planner(PointMassModel(action_dim=2), toy_cost(), toy_config(method=method, **PLANAR[method]))
    r = planner.plan(torch.zeros(8), goal=(10.0, 0.0))
    best = straight_cost(10.0, [0.8] * 16)
    hold = straight_cost(10.0, [0.0] * 16)
    assert r.cost == pytest.approx(r.weighted["goal_distance"].sum().item(), rel=1e-5)
    assert (r.cost - best) / (hold - best) < 0.05, (r.cost, best)


@pytest.mark.parametrize("method", ["mppi", "cem"])
def test_reaches_the_known_optimum_near_goal(method):
    # Goal 0.6 m ahead: the optimum drives there at full speed and stops on it (an interior optimum).
    planner = Planner(PointMassModel(action_dim=2), toy_cost(), toy_config(method=method, **PLANAR[method]))
    r = planner.plan(torch.zeros(8), goal=(0.6, 0.0))
    best = straight_cost(0.6, [0.8] * 7 + [0.4] + [0.0] * 8)
    hold = straight_cost(0.6, [0.0] * 16)
    assert (r.cost - best) / (hold - best) < 0.05, (r.cost, best)
    assert r.poses[-1, 0].item() == pytest.approx(0.6, abs=0.05)


def test_warm_start_is_the_previous_plan_shifted_and_never_lost():
    planner = Planner(PointMassModel(), toy_cost(), toy_config(iterations=1))
    first = planner.plan(torch.zeros(8), goal=(10.0, 0.0), seed=0)
    assert torch.equal(planner.warm_start(), shift_plan(first.actions))
    assert torch.equal(shift_plan(torch.arange(6.0).reshape(3, 2)), torch.tensor([[2.0, 3], [4, 5], [4, 5]]))
    # The shifted plan is sample 0 (noise-free) of the next tick, so the next plan is no worse.
    shifted = planner.warm_start()
    scorer = planner.scorer
    roll = rollout(planner.model, torch.zeros(8), shifted[None])
    shifted_cost = scorer.score(roll.feats, roll.value, torch.zeros(3), torch.tensor([10.0, 0.0])).total[0]
    second = planner.plan(torch.zeros(8), goal=(10.0, 0.0), seed=1)
    assert second.cost <= float(shifted_cost) + 1e-4
    planner.reset()
    assert torch.equal(planner.warm_start(), torch.zeros(16, 3))


def test_raising_the_energy_weight_lowers_predicted_energy_on_the_next_plan():
    cost = IntrinsicCost(weights=CostWeights(progress=0.0))
    low = Planner(PointMassModel(), IntrinsicCost(weights=CostWeights(progress=0.0)), toy_config())
    live = Planner(PointMassModel(), cost, toy_config())
    for planner in (low, live):
        planner.plan(torch.zeros(8), goal=(5.0, 0.0), seed=0)
    a = low.plan(torch.zeros(8), goal=(5.0, 0.0), seed=1)
    b = live.plan(torch.zeros(8), goal=(5.0, 0.0), seed=1, weights={"energy": 1.0})  # e.g. ros2 param set
    assert cost.weights["energy"] == 1.0
    assert b.predicted["energy"].sum() < 0.5 * a.predicted["energy"].sum()
    assert b.poses[-1, 0] < a.poses[-1, 0]  # it pays for the energy with progress


def test_a_vetoing_term_excludes_samples():
    pit = (0.6, 0.0, 0.25)  # a hole on the straight line to the goal: the fall term vetoes it
    model = PointMassModel(pits=[pit])
    planner = Planner(model, toy_cost(), toy_config(samples=512, iterations=3, noise_std=0.5))
    r = planner.plan(torch.zeros(8), goal=(1.5, 0.0))
    assert r.vetoed_fraction > 0.0  # the straight samples fell in
    assert not r.vetoed and r.predicted["fall"].max() < 0.5
    dist = torch.linalg.vector_norm(r.poses[:, :2] - torch.tensor(pit[:2]), dim=-1)
    assert dist.min() >= pit[2]
    # MPPI gives vetoed samples no weight while any sample is acceptable.
    w = mppi_weights(torch.tensor([1.0, 0.5, 2.0]), torch.tensor([False, True, False]), 0.1)
    assert w[1] == 0.0 and w.sum() == pytest.approx(1.0)


def test_same_seed_same_plans_with_the_deadline_off():
    def run(seed):
        planner = Planner(
            PointMassModel(members=3, spread=0.2), toy_cost(), PlannerConfig(samples=64, seed=seed)
        )
        return [
            planner.plan(torch.zeros(8), goal=(2.0, 1.0), last_action=(0.1, 0, 0)).actions for _ in range(3)
        ]

    a, b, c = run(3), run(3), run(4)
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    assert not torch.equal(a[0], c[0])


def test_inference_mode_plans_what_no_grad_plans_and_its_results_can_be_kept():
    """Planner.plan runs under torch.inference_mode for speed; the numbers are no_grad's, and what it
    returns or remembers can be read, copied and planned from again outside it."""
    model = small_world_model()
    cfg = PlannerConfig(samples=32, horizon=8, elites=4)
    fast, eager = (Planner(WorldModelAdapter(model, fast_members=(0,)), IntrinsicCost(), cfg) for _ in range(2))
    for tick in range(3):
        a = fast.plan(torch.randn(16, generator=torch.Generator().manual_seed(tick)), (0, 0, 0), (3.0, 1.0),
                      stamp=0.1 * tick)
        with torch.no_grad():
            b = Planner.plan.__wrapped__(eager, torch.randn(16, generator=torch.Generator().manual_seed(tick)),
                                         (0, 0, 0), (3.0, 1.0), stamp=0.1 * tick)
        assert torch.equal(a.actions, b.actions) and a.cost == b.cost
        assert all(torch.equal(a.predicted[k], b.predicted[k]) for k in b.predicted)
    kept = a.actions.clone()
    kept[0] += 1.0  # a copy outside inference mode is an ordinary tensor
    assert not torch.equal(kept, a.actions)
    fast.memory.touch(torch.tensor([0.5, 0.0, 0.0]), a.actions[0])
    assert fast.plan(torch.randn(16), (0, 0, 0), (3.0, 1.0), last_action=a.actions[0]).actions.shape == (8, 3)


class FakeClock:
    """Advances 1 ms per reading: deadlines depend on how much work was done, not on machine speed."""

    def __init__(self):
        self.t = 0.0

    def __call__(self):
        self.t += 1e-3
        return self.t


def test_deadline_miss_falls_back_and_is_counted():
    planner = Planner(PointMassModel(), toy_cost(), toy_config(), clock=FakeClock())
    r = planner.plan(torch.zeros(8), goal=(2.0, 0.0), last_action=(0.3, 0.0, 0.0), deadline_s=0.002)
    assert r.source == "warm_start" and r.deadline_missed and planner.stats["deadline_misses"] == 1
    assert torch.allclose(r.actions, torch.tensor([0.3, 0.0, 0.0]).expand(16, 3))
    assert r.poses.shape == (17, 3)  # the fallback still carries its predictions for the guardrail

    proposal = torch.tensor([0.5, 0.0, 0.1]).expand(16, 3)
    r = planner.plan(torch.zeros(8), goal=(2.0, 0.0), deadline_s=0.002, proposal=proposal)
    assert r.source == "mode1" and torch.allclose(r.actions, proposal)
    assert planner.stats["deadline_misses"] == 2

    # A deadline that fits one iteration but not four: fewer iterations, a plan, no miss.
    planner = Planner(PointMassModel(), toy_cost(), toy_config(), clock=FakeClock())
    r = planner.plan(torch.zeros(8), goal=(2.0, 0.0), deadline_s=0.06)
    assert r.source == "plan" and 1 <= r.iterations < 4 and planner.stats["deadline_misses"] == 0


@pytest.mark.parametrize("latent,action", [(7, 2), (12, 3), (9, 4)])
def test_other_action_and_latent_sizes_on_the_toy(latent, action):
    box = (tuple([-1.0] * action), tuple([1.0] * action))
    cfg = toy_config(action_low=box[0], action_high=box[1], samples=128, iterations=2)
    r = Planner(PointMassModel(latent_dim=latent, action_dim=action), toy_cost(), cfg).plan(
        torch.zeros(latent), goal=(1.0, 0.0)
    )
    assert r.actions.shape == (16, action) and r.poses[-1, 0] > 0.5


def small_world_model(latent=16, hidden=32, members=2, action=3) -> WorldModel:
    torch.manual_seed(0)
    cfg = WorldModelConfig(
        latent_dim=latent, hidden=hidden, ensemble=members, action_dim=action, channels=(4, 4, 4, 4)
    )
    return WorldModel(cfg).eval()


@pytest.mark.parametrize("uncertainty", ["none", "elites", "penalty", "members"])
def test_world_model_adapter_plans_in_every_mode(uncertainty):
    model = small_world_model()
    cfg = PlannerConfig(samples=32, horizon=16, elites=4, uncertainty=uncertainty)
    r = Planner(WorldModelAdapter(model, fast_members=(0,)), IntrinsicCost(), cfg).plan(
        torch.randn(16), (1.0, 2.0, 0.5), (3.0, 2.0)
    )
    assert r.actions.shape == (16, 3) and r.poses.shape == (17, 3) and r.samples_xy.shape == (32, 17, 2)
    assert torch.equal(r.poses[0], torch.tensor([1.0, 2.0, 0.5]))
    assert all(v.shape == (16,) and torch.isfinite(v).all() for v in r.predicted.values())
    assert {"pain", "fall", "force", "tilt"} <= set(r.predicted)  # what the guardrail's veto reads
    assert set(r.predicted) <= {*TERM_NAMES, *PLAN_FEATURES}  # the guardrail refuses a plan naming any other
    lo, hi = torch.tensor(cfg.action_low), torch.tensor(cfg.action_high)
    assert ((r.actions >= lo) & (r.actions <= hi)).all()


def test_world_model_with_two_actions_and_latent_32():
    model = small_world_model(latent=32, members=1, action=2)
    cfg = PlannerConfig(
        samples=16, horizon=8, action_low=(-1.0, -1.0), action_high=(1.0, 1.0), rate_limit=(0.2, 0.2)
    )
    r = Planner(WorldModelAdapter(model), IntrinsicCost(), cfg).plan(torch.randn(32), goal=(1.0, 0.0))
    assert r.actions.shape == (8, 2)
    assert (r.actions[1:] - r.actions[:-1]).abs().max() <= 0.2 + 1e-6


def test_adapter_matches_the_world_model():
    model = small_world_model(members=3)
    s, a = torch.randn(5, 16), torch.rand(5, 3)
    with torch.no_grad():
        assert torch.allclose(WorldModelAdapter(model).step(s, a), model.next(s, a), atol=1e-5)
        assert torch.allclose(
            WorldModelAdapter(model, (1,)).step(s, a), model.next_ensemble(s, a)[1], atol=1e-5
        )
        assert torch.allclose(
            WorldModelAdapter(model).step_members(s, a), model.next_ensemble(s, a), atol=1e-5
        )
        heads = model.cost_heads(s)
        feats = WorldModelAdapter(model).features(s)
        assert all(torch.allclose(feats[k], heads[k], atol=1e-5) for k in heads if k != "body_contact_force")
        # Body contact: the regression head, raised to the contact head's expected force where that is more.
        expected = model.plan_heads(s)["contact"] * WorldModelAdapter(model).contact_force_n
        assert torch.allclose(feats["body_contact_force"], torch.maximum(heads["body_contact_force"], expected),
                              atol=1e-4)
        bf = WorldModelAdapter(model, dtype=torch.bfloat16).step(s, a)
        assert torch.allclose(bf, model.next(s, a), atol=0.1)
        cut = WorldModelAdapter(model, feature_names=["tilt", "base_velocity"]).features(s)
        assert set(cut) == {"tilt", "base_velocity"} and torch.allclose(cut["tilt"], heads["tilt"], atol=1e-5)


def test_strided_heads_run_on_every_nth_step_and_interpolate_between():
    net = torch.nn.Linear(4, 3)
    steps = torch.arange(10.0)[:, None]  # (H=10, 1): x linear in the step, so a linear net's output is too
    x = (steps * torch.randn(1, 4) + torch.randn(1, 4)).expand(5, 10, 4)  # (N, H, D)
    with torch.no_grad():
        exact = net(x)
        assert torch.allclose(along_steps(net, x, 3), exact, atol=1e-5)  # steps 0, 3, 6, 9
        assert torch.allclose(along_steps(net, x, 4), exact, atol=1e-5)  # steps 0, 4, 8 and the last, 9
        bent = torch.nn.Sequential(net, torch.nn.Tanh())  # not linear: exact only where it runs
        strided = along_steps(bent, x, 4)
        assert torch.allclose(strided[:, [0, 4, 8, 9]], bent(x)[:, [0, 4, 8, 9]], atol=1e-6)
        assert torch.equal(along_steps(bent, x, 1), bent(x))


def test_strided_heads_save_work_on_the_samples_and_the_checked_plan_is_scored_on_every_step():
    model = small_world_model()
    pm = WorldModelAdapter(model, fast_members=(0,))
    planner = Planner(pm, IntrinsicCost(), PlannerConfig(samples=64, horizon=16, elites=4, head_stride=4))
    s0 = torch.randn(16)
    r = planner.plan(s0, (0.0, 0.0, 0.0), (2.0, 0.5), seed=3)
    again = planner.score_plan(s0, r.actions, (0.0, 0.0, 0.0), (2.0, 0.5))  # heads on every step
    for name in ("pain", "fall", "force", "energy", "tilt"):
        assert torch.allclose(r.predicted[name], again.predicted[name], rtol=1e-4, atol=1e-5), name


def test_batched_costs_equal_the_plain_loop():
    model = small_world_model()
    pm = WorldModelAdapter(model, fast_members=(0,))
    scorer = PlanScorer(IntrinsicCost(), 0.1, 0.95, 1.0)
    s0, pose, goal = torch.randn(16), torch.tensor([0.5, -0.2, 0.3]), torch.tensor([2.0, 1.0])
    u = ActionSpace((-0.4, -0.3, -1.0), (0.8, 0.3, 1.0)).clamp(torch.randn(6, 8, 3))
    roll = rollout(pm, s0, u)
    batched = scorer.score(roll.feats, roll.value, pose, goal).total
    plain, _ = plain_costs(pm, scorer, s0, u, pose, goal)
    assert torch.allclose(batched, plain, rtol=1e-4, atol=1e-4)


def test_integrated_poses_follow_the_twist():
    twist = torch.tensor([[1.0, 0.0, 0.0]]).expand(1, 10, 3)
    pos, yaw = integrate_poses(twist, torch.tensor([1.0, 2.0, math.pi / 2]), 0.1)
    assert torch.allclose(pos[0, -1], torch.tensor([1.0, 3.0]), atol=1e-5) and torch.allclose(
        yaw, torch.full((1, 10), math.pi / 2)
    )
    # A circle: vx = 1 m/s, wz = 1 rad/s for 2*pi s comes back to the start (midpoint heading).
    n = 628
    twist = torch.tensor([1.0, 0.0, 1.0]).expand(1, n, 3)
    pos, _ = integrate_poses(twist, torch.zeros(3), 2 * math.pi / n)
    assert pos[0, -1].norm() < 1e-3
    # The toy moves exactly as the planner integrates, so its planned poses are its true poses.
    toy = PointMassModel(lag=0.5)
    u = torch.rand(1, 16, 3)
    roll = rollout(toy, torch.zeros(8), u)
    p, y = integrate_poses(roll.feats["base_velocity"], torch.zeros(3), 0.1)
    s = torch.zeros(1, 8)
    for h in range(16):
        s = toy.step(s, u[:, h])
    assert torch.allclose(p[0, -1], s[0, :2], atol=1e-5) and torch.allclose(y[0, -1], s[0, 2], atol=1e-5)
