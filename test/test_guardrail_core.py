"""Unit tests of the ROS-free guardrail: pass, clamp and stop rules, counters, latching."""

from __future__ import annotations

import numpy as np
import pytest

from lecun_agent.cost.guardrail import SOURCES, Guardrail, GuardrailConfig, Verdict

CFG = GuardrailConfig()
DT = 0.02  # s, one 50 Hz tick


def fresh(now: float = 0.0, cmd=(0.3, 0.0, 0.2), cfg: GuardrailConfig = CFG) -> Guardrail:
    g = Guardrail(cfg)
    feed(g, now, cmd)
    return g


def feed(g: Guardrail, now: float, cmd=(0.3, 0.0, 0.2)) -> None:
    for source in SOURCES[1:]:
        g.seen(source, now)
    g.propose(cmd, now)


def run_until(g: Guardrail, t0: float, t1: float, cmd=(0.3, 0.0, 0.2)):
    t, d = t0, None
    while t <= t1 + 1e-9:
        feed(g, t, cmd)
        d = g.step(t)
        t += DT
    return d, t


def test_normal_command_passes_unchanged_after_ramp():
    g = fresh()
    d, _ = run_until(g, 0.0, 1.0)
    assert d.verdict == Verdict.PASS and d.reasons == ()
    np.testing.assert_array_equal(d.cmd, [0.3, 0.0, 0.2])


def test_no_input_yet_stops():
    d = Guardrail(CFG).step(0.0)
    assert d.verdict == Verdict.STOP
    assert {f"stale:{s}" for s in SOURCES} <= set(d.reasons)
    np.testing.assert_array_equal(d.cmd, np.zeros(3))


@pytest.mark.parametrize("source", SOURCES)
def test_stale_source_stops_after_its_timeout(source):
    g = fresh()
    run_until(g, 0.0, 1.0)
    t_last = 1.0
    timeout = CFG.timeout(source)
    t = t_last + DT
    while True:
        for s in SOURCES[1:]:
            if s != source:
                g.seen(s, t)
        if source != "proposal":
            g.propose((0.3, 0.0, 0.2), t)
        d = g.step(t)
        if d.verdict == Verdict.STOP:
            break
        t += DT
    assert d.reasons == (f"stale:{source}",)
    assert t - t_last <= timeout + DT + 1e-9  # stopped within timeout + one tick
    np.testing.assert_array_equal(d.cmd, np.zeros(3))
    assert g.counts[f"stale:{source}"] == 1


def test_nan_command_stops_and_finite_command_resumes():
    g = fresh()
    run_until(g, 0.0, 0.5)
    feed(g, 0.52, (float("nan"), 0.0, 0.0))
    d = g.step(0.52)
    assert d.verdict == Verdict.STOP and d.reasons == ("nan_command",)
    feed(g, 0.54, (0.0, float("inf"), 0.0))
    assert g.step(0.54).reasons == ("nan_command",)
    feed(g, 0.56)
    assert g.step(0.56).verdict != Verdict.STOP


def test_e_stop_latches_until_reset():
    g = fresh()
    run_until(g, 0.0, 0.5)
    g.e_stop("test")
    d, t = run_until(g, 0.52, 2.0)
    assert d.verdict == Verdict.STOP and d.reasons == ("e_stop",)
    assert g.reset_e_stop() is True and g.reset_e_stop() is False
    feed(g, t)
    assert g.step(t).verdict != Verdict.STOP


def test_velocity_clamp():
    g = fresh(cmd=(5.0, -2.0, 9.0))
    d, _ = run_until(g, 0.0, 3.0, cmd=(5.0, -2.0, 9.0))
    assert d.verdict == Verdict.CLAMP and d.reasons == ("clamp:velocity",)
    np.testing.assert_allclose(d.cmd, [CFG.max_vx, -CFG.max_vy, CFG.max_wz])


def test_acceleration_limit_ramps_up():
    g = fresh(cmd=(1.0, 0.0, 0.0))
    d1 = g.step(0.0)
    assert d1.verdict == Verdict.CLAMP and "clamp:acceleration" in d1.reasons
    assert d1.cmd[0] == pytest.approx(CFG.max_lin_acc * DT)
    feed(g, 0.1, (1.0, 0.0, 0.0))
    d2 = g.step(0.1)
    assert d2.cmd[0] == pytest.approx(CFG.max_lin_acc * (DT + 0.1))


def test_pain_rising_slows_and_recovers():
    g = fresh()
    run_until(g, 0.0, 1.0)
    for i, t in enumerate(np.arange(1.02, 1.2, DT)):
        g.pain(t, 0.2 * i)  # pain climbing (contact with an obstacle)
        feed(g, t)
        d = g.step(t)
    assert "clamp:pain_rising" in d.reasons
    assert abs(d.cmd[0]) <= 0.3 * CFG.pain_slow_factor + 1e-9
    t_flat = 1.2
    d, _ = run_until(g, t_flat, t_flat + CFG.pain_hold + 1.0)
    assert d.verdict == Verdict.PASS  # pain stopped rising: full speed again after the hold


def test_steady_high_pain_keeps_the_robot_slow():
    g = fresh()
    run_until(g, 0.0, 1.0)
    for t in np.arange(1.02, 4.0, DT):  # pushing against something: pain high but flat
        g.pain(t, 2.0 * CFG.pain_high)
        feed(g, t)
        d = g.step(t)
    assert d.reasons == ("clamp:pain_high",)
    assert abs(d.cmd[0]) <= 0.3 * CFG.pain_slow_factor + 1e-9
    for t in np.arange(4.0, 4.0 + 2 * CFG.pain_hold + 1.0, DT):  # relieved
        g.pain(t, 0.0)
        feed(g, t)
        d = g.step(t)
    assert d.verdict == Verdict.PASS


def test_plan_predicting_fall_is_vetoed_until_a_safe_plan():
    g = fresh()
    run_until(g, 0.0, 0.5)
    horizon = np.linspace(0.0, 1.2, 10)  # tilt (rad) over 10 steps: falls over at the end
    g.plan(0.5, {"tilt": horizon, "pain": np.zeros(10)})
    feed(g, 0.52)
    d = g.step(0.52)
    assert d.verdict == Verdict.STOP and d.reasons == ("plan_veto:tilt",)
    g.plan(0.4, {"tilt": np.zeros(10)})  # an older plan arriving late changes nothing
    feed(g, 0.54)
    assert g.step(0.54).reasons == ("plan_veto:tilt",)
    g.plan(0.56, {"tilt": np.zeros(10), "fall": np.zeros(10)})
    feed(g, 0.56)
    assert g.step(0.56).verdict != Verdict.STOP
    g.plan(0.58, {"pain": np.array([0.0, np.nan])})
    feed(g, 0.58)
    assert g.step(0.58).reasons == ("plan_veto:pain",)


def test_old_plan_is_ignored():
    g = fresh()
    g.plan(0.0, {"fall": np.ones(3)})
    feed(g, CFG.plan_timeout + 0.1)
    assert g.step(CFG.plan_timeout + 0.1).verdict != Verdict.STOP


def test_counts_every_output():
    g = Guardrail(CFG)
    for t in (0.0, 0.02, 0.04):
        g.step(t)
    assert g.verdicts[Verdict.STOP] == 3 and g.counts["stale:imu"] == 3
