"""Unit tests of the intrinsic cost terms: hand-computed values, properties, batched == single."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lecun_agent.body.readings import Readings
from lecun_agent.cost.energy import EnergyTerm
from lecun_agent.cost.fall import FallTerm
from lecun_agent.cost.features import FEATURES, features_from_readings, stack, validate
from lecun_agent.cost.force import ForceTerm
from lecun_agent.cost.limits import BodyLimits, load_body_limits
from lecun_agent.cost.pain import PainTerm
from lecun_agent.cost.task import GoalDistanceTerm, ProgressTerm, UprightTerm
from lecun_agent.cost.term import CostTerm
from lecun_agent.cost.total import IntrinsicCost
from lecun_agent.cost.veto import VetoLimits
from lecun_agent.cost.weights import SAFETY_TERMS, CostWeights, Floors
from lecun_agent.settings import specs

LIMITS = BodyLimits.default()
STAND = np.array([0.0, 0.8, -1.5] * 4)  # rad, a normal standing pose, well inside the limits


def quat_about_x(angle: float) -> np.ndarray:
    return np.array([math.sin(angle / 2), 0.0, 0.0, math.cos(angle / 2)])


def readings(**over) -> Readings:
    base = dict(
        stamp=1.0,
        joint_pos=STAND.copy(),
        joint_vel=np.zeros(12),
        joint_effort=np.zeros(12),
        imu_quat=np.array([0.0, 0.0, 0.0, 1.0]),
        imu_gyro=np.zeros(3),
        imu_accel=np.array([0.0, 0.0, 9.81]),
        foot_forces=np.full(4, 12.0 * 9.81 / 4),
        odom_pos=np.array([0.0, 0.0, 0.3]),
        odom_quat=np.array([0.0, 0.0, 0.0, 1.0]),
        odom_lin_vel=np.zeros(3),
        odom_ang_vel=np.zeros(3),
    )
    base.update(over)
    return Readings(**base)


def feats(goal=None, **over):
    return features_from_readings(readings(**over), goal)


def random_features(lead: tuple[int, ...], seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    out = {}
    for name, (trailing, _, _) in FEATURES.items():
        out[name] = torch.rand((*lead, *trailing), generator=g) * 2 - 1
    out["tilt"] = torch.rand(lead, generator=g) * 1.5
    out["height"] = torch.rand(lead, generator=g) * 0.4
    out["body_contact_force"] = torch.rand(lead, generator=g) * 200
    out["foot_force"] = torch.rand((*lead, 4), generator=g) * 400
    stand = torch.as_tensor(STAND, dtype=torch.float32)
    out["joint_pos"] = stand + (torch.rand((*lead, 12), generator=g) - 0.5) * 4
    out["joint_effort"] = (torch.rand((*lead, 12), generator=g) - 0.5) * 80
    out["joint_vel"] = (torch.rand((*lead, 12), generator=g) - 0.5) * 20
    out["has_goal"] = (torch.rand(lead, generator=g) > 0.5).float()
    return out


def test_features_schema_and_shapes():
    f = feats(goal=np.array([1.0, 2.0]))
    validate(f)
    assert f["tilt"].shape == () and f["joint_pos"].shape == (12,) and f["foot_force"].shape == (4,)
    assert float(f["has_goal"]) == 1.0 and float(f["height"]) == pytest.approx(0.3)
    validate(random_features((3, 5)))
    with pytest.raises(ValueError, match="missing"):
        validate({k: v for k, v in f.items() if k != "height"})


def test_energy_hand_computed():
    tau = np.zeros(12)
    qd = np.zeros(12)
    tau[0], qd[0] = 10.0, 2.0  # 20 W driving
    tau[1], qd[1] = -5.0, 3.0  # 15 W braking counts too
    f = feats(joint_effort=tau, joint_vel=qd)
    assert float(EnergyTerm().compute(f)) == pytest.approx(35.0)
    assert float(EnergyTerm(heat_coeff=0.1).compute(f)) == pytest.approx(35.0 + 0.1 * (100 + 25))


def test_force_hand_computed_and_monotone():
    term = ForceTerm(LIMITS, multiple=1.5)
    w = LIMITS.weight
    f = feats(foot_forces=np.array([2.0 * w, 0.5 * w, 1.5 * w, 0.0]))
    assert float(term.compute(f)) == pytest.approx(0.5, rel=1e-5)  # only FL is over, by 0.5 m*g
    feet = [np.array([x * w, 0, 0, 0]) for x in np.linspace(0, 4, 9)]
    values = [float(term.compute(feats(foot_forces=f))) for f in feet]
    assert all(b >= a for a, b in zip(values, values[1:], strict=False)) and values[-1] > 0


def test_pain_components_hand_computed():
    term = PainTerm(LIMITS, joint_margin=0.1, torque_ratio=0.8, tilt_threshold=0.35, fall_tilt=1.0,
                    torque_gain=1.0)
    assert float(term.compute(feats())) == 0.0  # standing still is painless
    q = STAND.copy()
    q[0] = 0.8  # hip exactly at its upper limit: joint-limit pain 1.0
    tau = np.zeros(12)
    tau[2] = 35.0  # calf at its effort limit: torque pain 1.0
    f = feats(joint_pos=q, joint_effort=tau, imu_quat=quat_about_x(1.0))
    f["body_contact_force"] = torch.tensor(LIMITS.weight * 2)  # two body weights on the trunk
    parts = {k: float(v) for k, v in term.components(f).items()}
    assert parts == pytest.approx({"contact": 2.0, "joint_limit": 1.0, "torque": 1.0, "tilt": 1.0}, rel=1e-4)
    assert float(term.compute(f)) == pytest.approx(5.0, rel=1e-4)


def test_pain_and_fall_monotone_in_tilt_and_contact():
    pain, fall = PainTerm(LIMITS), FallTerm()
    tilts = np.linspace(0, 1.5, 16)
    p = [float(pain.compute(feats(imu_quat=quat_about_x(t)))) for t in tilts]
    fl = [float(fall.compute(feats(imu_quat=quat_about_x(t)))) for t in tilts]
    assert all(b >= a for a, b in zip(p, p[1:], strict=False)) and p[0] == 0 and p[-1] > 1
    assert all(b >= a for a, b in zip(fl, fl[1:], strict=False)) and fl[0] == 0 and fl[-1] == 1.0
    forces = [0.0, 10.0, 50.0, 200.0]
    pc = []
    for x in forces:
        f = feats()
        f["body_contact_force"] = torch.tensor(x)
        pc.append(float(pain.compute(f)))
    assert pc == sorted(pc) and pc[0] == 0


def test_fall_saturates_and_vetoes():
    cost = IntrinsicCost(LIMITS)
    upright = cost.evaluate(feats())
    fallen = cost.evaluate(feats(imu_quat=quat_about_x(2.5)))
    lying = cost.evaluate(feats(odom_pos=np.array([0.0, 0.0, 0.05])))
    assert float(upright.raw["fall"]) == 0.0 and not bool(upright.fail_flag)
    assert float(fallen.raw["fall"]) == 1.0 and bool(fallen.fail_flag)
    assert float(lying.raw["fall"]) == 1.0 and bool(lying.fail_flag)
    assert float(fallen.weighted["fall"]) == pytest.approx(100.0)


def test_task_drives():
    goal = np.array([3.0, 4.0])
    assert float(GoalDistanceTerm().compute(feats(goal=goal))) == pytest.approx(5.0)
    assert float(GoalDistanceTerm().compute(feats())) == 0.0  # no goal, no drive
    term = ProgressTerm(v_ref=0.5)
    # heading +y (yaw 90 deg) walking forward at 0.5 m/s towards a goal straight ahead in +y
    yaw90 = np.array([0.0, 0.0, math.sin(math.pi / 4), math.cos(math.pi / 4)])
    moving = feats(goal=np.array([0.0, 5.0]), odom_quat=yaw90, odom_lin_vel=np.array([0.5, 0.0, 0.0]))
    still = feats(goal=np.array([0.0, 5.0]), odom_quat=yaw90)
    assert float(term.compute(moving)) == pytest.approx(0.0, abs=1e-6)
    assert float(term.compute(still)) == pytest.approx(0.5)
    assert float(UprightTerm().compute(feats(imu_quat=quat_about_x(math.pi / 2)))) == pytest.approx(1.0)


def test_all_terms_non_negative_and_batched_equals_single():
    cost = IntrinsicCost(LIMITS)
    batch = random_features((4, 6), seed=1)  # (B=4 plans, H=6 steps)
    data = cost.evaluate(batch)
    assert data.costs.shape == (4, 6) and data.fail_flag.shape == (4, 6)
    for name in cost.term_names:
        assert data.raw[name].shape == (4, 6)
        assert torch.all(data.raw[name] >= 0), name
    for b, h in [(0, 0), (1, 3), (3, 5)]:
        single = cost.evaluate({k: v[b, h] for k, v in batch.items()})
        assert float(single.costs) == pytest.approx(float(data.costs[b, h]), rel=1e-5)
        for name in cost.term_names:
            assert float(single.raw[name]) == pytest.approx(float(data.raw[name][b, h]), rel=1e-5, abs=1e-6)
        assert bool(single.fail_flag) == bool(data.fail_flag[b, h])


def test_measured_stack_equals_single():
    cost = IntrinsicCost(LIMITS)
    states = [feats(imu_quat=quat_about_x(t), joint_vel=np.full(12, t)) for t in (0.0, 0.5, 1.2)]
    data = cost.evaluate(stack(states))
    for i, s in enumerate(states):
        assert float(cost.evaluate(s).costs) == pytest.approx(float(data.costs[i]), rel=1e-6)


def test_total_is_weighted_sum():
    cost = IntrinsicCost(LIMITS, weights=CostWeights(energy=0.5))
    tau, qd = np.full(12, 2.0), np.full(12, 1.0)
    data = cost.evaluate(feats(goal=np.array([1.0, 0.0]), joint_effort=tau, joint_vel=qd))
    expected = sum(cost.weights[n] * float(data.raw[n]) for n in cost.term_names)
    assert float(data.costs) == pytest.approx(expected, rel=1e-6)
    assert float(data.weighted["energy"]) == pytest.approx(0.5 * 24.0)


def test_weight_ranges_hold_the_safety_floors():
    """The only validation of a weight is its range, which rclpy enforces on every path."""
    floors = {f.name: f for f in specs(Floors)}
    for w in specs(CostWeights):
        assert w.runtime and w.high == 1000.0
        if w.name in SAFETY_TERMS:
            assert w.low == floors[w.name].default > 0, w.name  # never below the floor, never off
        else:
            assert w.low == 0.0, w.name  # task drives may be switched off
    for f in floors.values():
        assert f.low == f.default and not f.runtime  # a floor can only be raised, at launch


def test_set_weights_names_unknown_terms():
    cost = IntrinsicCost(LIMITS)
    with pytest.raises(ValueError, match="unknown cost terms"):
        cost.set_weights({"energy": 0.2, "bogus": 1.0})
    cost.set_weights({"energy": 0.2})
    assert cost.weights["energy"] == 0.2


def test_veto_flags_falls_tilt_overload_and_nan():
    cost = IntrinsicCost(LIMITS, veto=VetoLimits())
    assert not bool(cost.evaluate(feats()).fail_flag)
    assert bool(cost.evaluate(feats(imu_quat=quat_about_x(0.85))).fail_flag)  # tilt >= 0.8 rad
    assert bool(cost.evaluate(feats(odom_pos=np.array([0.0, 0.0, 0.1]))).fail_flag)  # lying down: fall
    assert bool(cost.evaluate(feats(body_contacts={"trunk": 6 * 12 * 9.81})).fail_flag)  # pain >= 5
    assert bool(cost.evaluate(feats(joint_effort=np.full(12, np.nan))).fail_flag)  # non-finite pain


def test_safety_term_cannot_be_disabled():
    class Hurt(CostTerm):
        name, safety = "hurt", True

    with pytest.raises(ValueError, match="safety term"):
        Hurt(enabled=False)
    assert all(IntrinsicCost(LIMITS).term(n).safety for n in ("pain", "fall", "force"))


def test_limits_from_urdf_match_defaults():
    urdf = load_body_limits()
    assert urdf.mass == pytest.approx(LIMITS.mass, rel=0.05)
    np.testing.assert_allclose(urdf.joint_lower, LIMITS.joint_lower)
    np.testing.assert_allclose(urdf.joint_effort, LIMITS.joint_effort)


@pytest.mark.parametrize("seed", range(4))
def test_rescoring_the_contact_terms_is_evaluate_bit_for_bit_when_only_the_contact_force_changes(seed):
    """The planner prices remembered and seen contacts by scoring again only the terms that read the body
    contact force (plan_cost.CONTACT_TERMS); any other term reading it would make the two differ."""
    from lecun_agent.actor.plan_cost import CONTACT_TERMS

    cost = IntrinsicCost(weights=CostWeights(energy=0.02, progress=0.3))
    cost.term("upright").enabled = seed % 2 == 0  # a disabled term is skipped by both
    full = random_features((64, 8), seed)
    data = cost.evaluate(full)
    g = torch.Generator().manual_seed(100 + seed)
    pressed = {**full, "body_contact_force": full["body_contact_force"] + torch.rand((64, 8), generator=g) * 900}
    want = cost.evaluate(pressed, check=False)
    got = cost.rescore(data, pressed, CONTACT_TERMS)
    assert torch.equal(got.costs, want.costs) and torch.equal(got.fail_flag, want.fail_flag)
    assert got.raw.keys() == want.raw.keys() and all(torch.equal(got.raw[k], want.raw[k]) for k in want.raw)
    assert all(torch.equal(got.weighted[k], want.weighted[k]) for k in want.weighted)
    assert got.breaches.keys() == want.breaches.keys()
    assert bool(want.fail_flag.any()) and not torch.equal(want.costs, data.costs)  # the change mattered
