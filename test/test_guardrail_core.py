"""Unit tests of the ROS-free guardrail: pass, clamp and stop rules, stamps, counters, latching."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from lecun_agent.cost.guardrail import SOURCES, Guardrail, GuardrailConfig, Verdict
from lecun_agent.cost.veto import VetoLimits

CFG = GuardrailConfig()
DT = 0.1  # s, one agent tick: a proposal and a decision
SENSORS = SOURCES[1:]


def feed(g: Guardrail, now: float, cmd=(0.3, 0.0, 0.2), skip=()) -> None:
    """Every sensor and a proposal stamped `now`, received at `now`."""
    for source in SENSORS:
        if source not in skip:
            g.seen(source, now, now)
    if "proposal" not in skip:
        g.propose(cmd, now, now)


def run_until(g: Guardrail, t0: float, t1: float, cmd=(0.3, 0.0, 0.2)):
    t, d = t0, None
    while t <= t1 + 1e-9:
        feed(g, t, cmd)
        d = g.decide(t)
        t = round(t + DT, 9)
    return d, t


def test_normal_command_passes_unchanged_after_ramp():
    d, _ = run_until(Guardrail(CFG), 0.0, 1.0)
    assert d.verdict == Verdict.PASS and d.reasons == ()
    np.testing.assert_array_equal(d.cmd, [0.3, 0.0, 0.2])


def test_no_input_yet_stops():
    d = Guardrail(CFG).decide(0.0)
    assert d.verdict == Verdict.STOP
    assert {f"stale:{s}" for s in SOURCES} <= set(d.reasons)
    np.testing.assert_array_equal(d.cmd, np.zeros(3))


@pytest.mark.parametrize("source", SOURCES)
def test_stale_source_stops_after_its_timeout(source):
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0)
    t = 1.0
    while True:  # the output timer between proposals: 50 Hz
        t = round(t + 0.02, 9)
        feed(g, t, skip=(source,))
        d = g.check(t)
        if d.verdict == Verdict.STOP:
            break
    assert d.reasons == (f"stale:{source}",)
    assert t - 1.0 <= CFG.timeout(source) + 0.02 + 1e-9  # stopped within timeout + one output period
    assert g.counts[f"stale:{source}"] == 1  # counted once, when the stop began



@pytest.mark.parametrize("stamp_of", [lambda t: 0.0, lambda t: t - 2.0], ids=["stamp_0", "clock_2s_behind"])
@pytest.mark.parametrize("source", SENSORS)
def test_a_sensor_that_keeps_coming_stamped_in_the_past_stops_saying_so(source, stamp_of):
    """QA, 2026-12-08: a driver that left header.stamp at 0 (or whose clock was 2 s behind) while streaming at 50 Hz
    read "joint_states is 4.792 s old > 0.1 s", as if it had stopped. Still a stop, its reason says what to check."""
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0)
    t = 1.0
    for _ in range(50):  # 1 s more: every sensor keeps coming at 50 Hz, `source` stamped in the past
        t = round(t + 0.02, 9)
        feed(g, t, skip=(source, "proposal"))
        g.seen(source, stamp_of(t), t)
    d = g.check(t)
    assert d.verdict == Verdict.STOP and f"stale:{source}" in d.reasons
    assert f"{source} keeps coming (the last 0.000 s ago) but stamped in the past" in d.detail
    assert "check its header.stamp (0 = never set) and that the clocks are synchronised" in d.detail
    g2 = Guardrail(CFG)  # one that stopped is still told as stopped
    run_until(g2, 0.0, 1.0)
    feed(g2, 1.6, skip=(source,))
    assert f"{source} is 0.600 s old > {CFG.timeout(source)} s" in g2.check(1.6).detail

def test_check_stops_but_never_starts():
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0)
    g.seen("imu", float("nan"), 1.05)
    assert g.check(1.05).reasons == ("invalid:imu",)
    g.seen("imu", 1.06, 1.06)
    assert g.check(1.06).verdict == Verdict.STOP  # still stopped: only a proposal restarts
    feed(g, 1.1)
    assert g.decide(1.1).verdict != Verdict.STOP


@pytest.mark.parametrize("source", SENSORS)
def test_a_stamp_from_the_future_counts_as_stale(source):
    """A clock running ahead must not keep an input fresh: the future message is refused."""
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0)
    g.seen(source, 31.0, 1.05)  # 30 s ahead of the node clock
    feed(g, 1.1, skip=(source,))
    d = g.decide(1.1)
    assert d.verdict == Verdict.STOP and d.reasons == (f"future:{source}",)
    assert f"the newest {source} is stamped 29.950 s ahead of the clock" in d.detail  # says why, not just "cannot"
    for t in (5.0, 20.0, 31.0):  # never fresh again, even while "within" the future stamp
        feed(g, t, skip=(source,))
        assert g.decide(t).verdict == Verdict.STOP
    feed(g, 31.1)
    g.decide(31.1)
    assert g.decide(31.2).verdict != Verdict.STOP  # a trustworthy message lifts it


def test_a_future_stamped_proposal_is_refused():
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0)
    g.propose((0.5, 0.0, 0.0), 60.0, 1.1)
    d = g.decide(1.1)
    assert d.reasons == ("future:proposal",) and not d.cmd.any()
    feed(g, 31.0)  # the dead proposer's future stamp gives it no extra life
    assert g.decide(31.0).verdict != Verdict.STOP


def test_stamp_within_tolerance_is_accepted():
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0)
    feed(g, 1.1 + 0.5 * CFG.future_tolerance_s)
    assert g.decide(1.1).verdict != Verdict.STOP


def test_invalid_sensor_stops_until_a_good_message():
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0)
    feed(g, 1.1)
    g.seen("odom", 1.1, 1.1, problem="quaternion is NaN")
    assert g.decide(1.1).reasons == ("invalid:odom",)
    feed(g, 1.2)
    assert g.decide(1.2).verdict != Verdict.STOP


def test_a_reading_checked_in_two_steps_lifts_a_stop_only_once_settled():
    """cost_node checks a joint reading's own fields on arrival and its contacts when it scores it: the arrival
    alone must not lift the stop an untrusted reading made, and a late-scored older reading must not either."""
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0)
    g.seen("joint_states", 1.1, 1.1, problem="foot_contacts: contact force -5 N is negative")
    feed(g, 1.2, skip=("joint_states",))
    assert g.seen("joint_states", 1.2, 1.2, settles=False)  # good on arrival: fresh, but not yet trusted
    d = g.decide(1.2)
    assert d.reasons == ("invalid:joint_states",) and "contact force -5 N is negative" in d.detail
    g.settled("joint_states", 1.05)
    assert g.decide(1.2).reasons == ("invalid:joint_states",)
    g.settled("joint_states", 1.2)
    assert g.decide(1.2).verdict != Verdict.STOP


def test_nan_command_stops_and_finite_command_resumes():
    g = Guardrail(CFG)
    run_until(g, 0.0, 0.5)
    feed(g, 0.6, (float("nan"), 0.0, 0.0))
    d = g.decide(0.6)
    assert d.verdict == Verdict.STOP and d.reasons == ("nan_command",)
    feed(g, 0.7, (0.0, float("inf"), 0.0))
    assert g.decide(0.7).reasons == ("nan_command",)
    feed(g, 0.8)
    assert g.decide(0.8).verdict != Verdict.STOP


def test_e_stop_latches_until_reset():
    g = Guardrail(CFG)
    run_until(g, 0.0, 0.5)
    g.e_stop("test")
    d, t = run_until(g, 0.6, 2.0)
    assert d.verdict == Verdict.STOP and d.reasons == ("e_stop",)
    assert g.reset_e_stop() is True and g.reset_e_stop() is False
    feed(g, t)
    assert g.decide(t).verdict != Verdict.STOP


def test_a_measured_breach_latches_until_reset():
    g = Guardrail(CFG)
    run_until(g, 0.0, 0.5)
    g.measured({"fall": True, "tilt": True, "pain": False}, 0.55)
    d, t = run_until(g, 0.6, 3.0)
    assert d.reasons == ("measured:fall",) and "tilt" in d.detail
    g.measured({"fall": False}, t)
    assert g.decide(t).verdict == Verdict.STOP  # upright again is not enough: a person resets
    g.reset_e_stop()
    feed(g, t + DT)
    assert g.decide(t + DT).verdict != Verdict.STOP


def test_after_the_clock_went_back_a_proposer_that_died_goes_stale_and_a_latched_stop_holds():
    g = Guardrail(CFG)
    run_until(g, 0.0, 10.0)
    g.e_stop("test")
    d = g.clock_went_back("back to 0")
    assert d.verdict == Verdict.STOP and d.reasons == ("clock_back",) and g.counts["clock_back"] == 1
    # nothing of the old time is kept: the readings of the new time are the newest, not the ones stamped 10 s
    assert g.time(0.0) == 0.0 and g.decide(0.0).reasons[0] == "e_stop"
    assert g.reset_e_stop()
    d, t = run_until(g, 0.0, 1.0)
    assert d.verdict == Verdict.PASS
    for _ in range(20):  # the proposer died: its last proposal ages on the new time
        t = round(t + 0.05, 9)
        feed(g, t, skip=("proposal",))
    assert "stale:proposal" in g.check(t).reasons


def test_velocity_clamp():
    d, _ = run_until(Guardrail(CFG), 0.0, 3.0, cmd=(5.0, -2.0, 9.0))
    assert d.verdict == Verdict.CLAMP and d.reasons == ("clamp:velocity",)
    np.testing.assert_allclose(d.cmd, [CFG.max_vx, -CFG.max_vy, CFG.max_wz])


def test_acceleration_limit_uses_the_time_between_stamps():
    g = Guardrail(CFG)
    feed(g, 0.0, (1.0, 0.0, 0.0))
    d1 = g.decide(0.0)
    assert d1.verdict == Verdict.CLAMP and "clamp:acceleration" in d1.reasons
    assert d1.cmd[0] == pytest.approx(CFG.max_lin_acc / CFG.rate_hz)
    feed(g, 0.1, (1.0, 0.0, 0.0))
    assert g.decide(0.1).cmd[0] == pytest.approx(CFG.max_lin_acc * (1.0 / CFG.rate_hz + 0.1))


def test_acceleration_limit_counts_the_ticks_not_when_a_late_plan_is_judged():
    """Real time: tick 0.1's plan came 90 ms late, tick 0.2's on time. Judged 10 ms apart, they are still a
    tick apart: the limiter allows a tick's change (a slow-down of 0.4 m/s at 4 m/s^2), not 10 ms of it."""
    g = Guardrail(CFG)
    run_until(g, 0.0, 0.5, cmd=(0.8, 0.0, 0.0))
    for source in SENSORS:
        g.seen(source, 0.69, 0.69)
    g.propose((0.8, 0.0, 0.0), 0.6, 0.69)
    assert g.decide(0.69).cmd[0] == pytest.approx(0.8)
    for source in SENSORS:
        g.seen(source, 0.7, 0.7)
    g.propose((0.0, 0.0, 0.0), 0.7, 0.7)  # not a stop rule: an ordinary slow-down the limiter smooths
    assert g.decide(0.7).cmd[0] == pytest.approx(0.8 - CFG.max_lin_dec * DT)


def test_a_safety_slow_down_is_immediate_an_ordinary_one_is_smoothed():
    """Full speed, then the planner asks 0.24 m/s: the deceleration limit takes it down 0.4 m/s a tick. Full
    speed, then a tilt clamp asks x0.3 of 0.8: 0.24 at once (real-time falls: a robot tilted 26 degrees against
    a block was held at 0.39 m/s for a tick where the clamp asked 0.07)."""
    ordinary, safety = Guardrail(CFG), Guardrail(CFG)
    for g in (ordinary, safety):
        run_until(g, 0.0, 1.0, cmd=(0.8, 0.0, 0.0))
    feed(ordinary, 1.1, (0.8 * CFG.slow_factor, 0.0, 0.0))
    assert ordinary.decide(1.1).cmd[0] == pytest.approx(0.8 - CFG.max_lin_dec * DT)
    safety.attitude(1.05, _rolled(1.5 * CFG.tilt_slow))  # rolled: forward is neither up- nor downhill
    feed(safety, 1.1, (0.8, 0.0, 0.0))
    d = safety.decide(1.1)
    assert "clamp:tilted" in d.reasons and d.cmd[0] == pytest.approx(0.8 * CFG.slow_factor)
    feed(safety, 1.2, (-0.8, 0.0, 0.0))  # a reversal: the old way stops at once, the new way is ramped
    assert safety.decide(1.2).cmd[0] == pytest.approx(-CFG.max_lin_acc * DT)


def test_pain_rising_slows_and_recovers():
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0)
    for i, t in enumerate(np.arange(1.02, 1.2, 0.02)):
        g.pain(t, 0.2 * i)  # pain climbing at the sensor rate (contact with an obstacle)
    feed(g, 1.2)
    d = g.decide(1.2)
    assert "clamp:pain_rising" in d.reasons
    assert abs(d.cmd[0]) <= 0.3 * CFG.slow_factor + 1e-9
    d, _ = run_until(g, 1.3, 1.2 + CFG.slow_hold + 1.0)
    assert d.verdict == Verdict.PASS  # pain stopped rising: full speed again after the hold


def test_steady_high_pain_keeps_the_robot_slow():
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0)
    for t in np.arange(1.02, 4.0, 0.02):  # pushing against something: pain high but flat
        g.pain(t, 2.0 * CFG.pain_high)
    feed(g, 4.0)
    d = g.decide(4.0)
    assert d.reasons == ("clamp:pain_high",)
    assert abs(d.cmd[0]) <= 0.3 * CFG.slow_factor + 1e-9
    for t in np.arange(4.02, 4.0 + 2 * CFG.slow_hold + 1.0, 0.02):  # relieved
        g.pain(t, 0.0)
    d, _ = run_until(g, 7.1, 8.0)
    assert d.verdict == Verdict.PASS


def _pitched(angle: float) -> list[float]:
    """(x, y, z, w): the base pitched by `angle` rad about its y axis (negative: nose up)."""
    return [0.0, math.sin(angle / 2), 0.0, math.cos(angle / 2)]


def _rolled(angle: float) -> list[float]:
    """(x, y, z, w): the base rolled by `angle` rad about its x axis (positive: left side up)."""
    return [math.sin(angle / 2), 0.0, 0.0, math.cos(angle / 2)]


def _rolled_and_pitched(roll: float, pitch: float) -> list[float]:
    """(x, y, z, w): the base rolled by `roll` about its x axis, then pitched by `pitch` about its y axis."""
    sx, cx, sy, cy = math.sin(roll / 2), math.cos(roll / 2), math.sin(pitch / 2), math.cos(pitch / 2)
    return [cy * sx, cx * sy, sx * sy, cx * cy]


def test_a_level_body_is_not_slowed():
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0)
    g.attitude(1.05, _pitched(0.5 * CFG.tilt_slow))
    d, _ = run_until(g, 1.1, 1.5)
    assert d.verdict == Verdict.PASS


def test_climbing_nose_up_slows_and_never_drives_further_uphill():
    """A body pitched nose-up is climbing onto something: forward is uphill and goes; sideways and
    backwards stay, slowed; level again, full speed after the hold."""
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0, cmd=(0.6, 0.2, 0.2))
    g.attitude(1.05, _pitched(-1.5 * CFG.tilt_slow))
    feed(g, 1.1, (0.6, 0.2, 0.2))
    d = g.decide(1.1)  # at once: a safety slow-down does not wait for the deceleration limit
    assert d.verdict == Verdict.CLAMP and "clamp:tilted" in d.reasons
    assert abs(d.cmd[0]) <= 1e-9  # not one step further up the obstacle
    assert 0.0 < abs(d.cmd[1]) <= 0.2 * CFG.slow_factor + 1e-9
    assert abs(d.cmd[2]) <= 0.2 * CFG.slow_factor + 1e-9
    feed(g, 1.3, (-0.3, 0.0, 0.0))  # backing off the obstacle is downhill: allowed, slowed
    assert g.decide(1.3).cmd[0] == pytest.approx(-0.3 * CFG.slow_factor)
    g.attitude(1.35, _pitched(0.0))  # level again: slowed for the hold, forward allowed
    feed(g, 1.4, (0.6, 0.0, 0.0))
    d = g.decide(1.4)
    assert "clamp:tilted" in d.reasons and d.cmd[0] > 0.0
    d, _ = run_until(g, 1.5, 1.05 + CFG.slow_hold + 1.0, cmd=(0.6, 0.0, 0.0))
    assert d.verdict == Verdict.PASS


def test_rolling_removes_the_motion_towards_the_raised_side():
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0, cmd=(0.0, 0.3, 0.0))
    g.attitude(1.05, _rolled(1.5 * CFG.tilt_slow))  # left side up: moving left rolls it further
    feed(g, 1.1, (0.0, 0.3, 0.0))
    d = g.decide(1.1)
    assert abs(d.cmd[1]) <= 1e-9
    feed(g, 1.3, (0.0, -0.3, 0.0))  # stepping to the low side is how it catches itself
    assert g.decide(1.3).cmd[1] == pytest.approx(-0.3 * CFG.slow_factor)


def test_tilted_past_tilt_stop_stands_while_it_lasts_then_moves_on_slowed():
    """Front feet up on a block, the body pitching back, and no step (tilt_step 0): zero at once, also
    between proposals, while the tilt lasts; not latched, so the first proposal once it is back under
    moves again, slowed."""
    assert CFG.tilt_slow < CFG.tilt_stop < VetoLimits().tilt
    g = Guardrail(replace(CFG, tilt_step=0.0))
    run_until(g, 0.0, 1.0, cmd=(0.0, 0.3, 0.0))
    g.attitude(1.02, _pitched(-1.1 * CFG.tilt_stop))
    d = g.check(1.03)  # between proposals: the output timer stops it without waiting for the agent
    assert d.verdict == Verdict.STOP and d.reasons == ("tilted_stop",) and not d.cmd.any()
    feed(g, 1.1, (0.0, 0.3, 0.0))
    assert g.decide(1.1).reasons == ("tilted_stop",)
    g.attitude(1.15, _pitched(-0.9 * CFG.tilt_stop))  # back under: no latch
    assert g.check(1.16).verdict == Verdict.STOP  # it never starts the robot between proposals
    feed(g, 1.2, (0.0, 0.3, 0.0))
    d = g.decide(1.2)
    assert d.verdict == Verdict.CLAMP and "clamp:tilted" in d.reasons and 0.0 < d.cmd[1] <= 0.3 * CFG.slow_factor


def test_a_non_finite_attitude_never_unlocks_motion_uphill():
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0, cmd=(0.6, 0.0, 0.0))
    g.attitude(1.05, _pitched(-2.0 * CFG.tilt_slow))
    g.attitude(1.08, [math.nan, 0.0, 0.0, 1.0])  # ignored: its message was refused (stale/invalid stop)
    for t in (1.1, 1.2):
        feed(g, t, (0.6, 0.0, 0.0))
        d = g.decide(t)
    assert d.cmd[0] <= 1e-9  # nose up: never forward, further up onto what it is climbing


def test_plan_predicting_fall_is_vetoed_until_a_safe_plan():
    g = Guardrail(CFG)
    run_until(g, 0.0, 0.5)
    horizon = np.linspace(0.0, 1.2, 10)  # tilt (rad) over 10 steps: falls over at the end
    g.plan(0.6, {"tilt": horizon, "pain": np.zeros(10)}, 0.6)
    feed(g, 0.6)
    d = g.decide(0.6)
    assert d.verdict == Verdict.STOP and d.reasons == ("plan_veto:tilt",)
    g.plan(0.4, {"tilt": np.zeros(10)}, 0.7)  # an older plan arriving late changes nothing
    feed(g, 0.7)
    assert g.decide(0.7).reasons == ("plan_veto:tilt",)
    g.plan(0.8, {"tilt": np.zeros(10), "fall": np.zeros(10)}, 0.8)
    feed(g, 0.8)
    assert g.decide(0.8).verdict != Verdict.STOP
    g.plan(0.9, {"pain": np.array([0.0, np.nan])}, 0.9)
    feed(g, 0.9)
    assert g.decide(0.9).reasons == ("plan_veto:pain",)


def test_a_future_stamped_plan_vetoes_for_plan_timeout_whatever_honest_plans_come():
    """A publisher with a clock ahead beside the actor: the robot stops, and does not stop and go."""
    g = Guardrail(CFG)
    run_until(g, 0.0, 0.5)
    g.plan(100.0, {"tilt": np.zeros(10)}, 0.6)  # stamped 99 s ahead: refused, and it vetoes
    feed(g, 0.6)
    assert g.decide(0.6).reasons == ("plan_veto:future_stamp",)
    g.plan(0.7, {"fall": np.ones(10)}, 0.7)  # a real plan predicting a fall vetoes as well
    feed(g, 0.7)
    assert g.decide(0.7).reasons == ("plan_veto:future_stamp", "plan_veto:fall")
    t = 0.8
    while t <= 0.6 + CFG.plan_timeout + 1e-9:  # honest safe plans every tick do not lift it
        g.plan(t, {"fall": np.zeros(10)}, t)
        feed(g, t)
        d = g.decide(t)
        assert d.reasons == ("plan_veto:future_stamp",) and not d.cmd.any(), t
        t = round(t + DT, 9)
    g.plan(t, {"fall": np.zeros(10)}, t)
    feed(g, t)
    assert g.decide(t).verdict != Verdict.STOP


def test_trusted_readings_vouch_for_the_time_of_a_plan():
    """A node whose clock lags (starved of CPU) has taken readings stamped later: a plan stamped
    within future_tolerance_s of those is honest, not from the future."""
    g = Guardrail(CFG)
    run_until(g, 0.0, 0.5)
    feed(g, 0.8)  # readings of t = 0.8 taken while the node's clock still says 0.5
    g.plan(0.8, {"fall": np.zeros(10)}, 0.5)
    assert g.decide(0.8).verdict != Verdict.STOP
    g.plan(0.8 + 2 * CFG.future_tolerance_s, {"fall": np.zeros(10)}, 0.5)  # ahead of the readings too
    assert g.decide(0.8).reasons == ("plan_veto:future_stamp",)


@pytest.mark.parametrize("stamp", [math.nan, math.inf])
def test_a_plan_with_a_non_finite_stamp_vetoes(stamp):
    g = Guardrail(CFG)
    run_until(g, 0.0, 0.5)
    g.plan(stamp, {"fall": np.zeros(10)}, 0.6)
    feed(g, 0.6)
    assert g.decide(0.6).reasons == ("plan_veto:future_stamp",)


def test_old_plan_is_ignored():
    g = Guardrail(CFG)
    g.plan(0.0, {"fall": np.ones(3)}, 0.0)
    run_until(g, CFG.plan_timeout + 0.1, CFG.plan_timeout + 0.5)
    feed(g, CFG.plan_timeout + 0.6)
    assert g.decide(CFG.plan_timeout + 0.6).verdict != Verdict.STOP


def test_counts_every_decision():
    g = Guardrail(CFG)
    for t in (0.0, 0.1, 0.2):
        g.decide(t)
    assert g.verdicts[Verdict.STOP] == 3 and g.counts["stale:imu"] == 3


def test_non_finite_stamp_is_invalid():
    g = Guardrail(CFG)
    run_until(g, 0.0, 0.5)
    assert not g.seen("joint_states", math.inf, 0.6)
    feed(g, 0.6, skip=("joint_states",))
    assert g.decide(0.6).reasons == ("invalid:joint_states",)


def test_tilted_past_tilt_stop_steps_towards_the_lower_side():
    """A knocked body rolling over, or a body pitching back at a block, is caught by a step under it
    (tilted_step, also between proposals, whatever the agent proposes); another stop rule, or tilt_step 0,
    means zero."""
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0, cmd=(0.3, 0.0, 0.0))
    g.attitude(1.02, _rolled(1.1 * CFG.tilt_stop))  # left side up: step right
    d = g.check(1.03)
    assert d.verdict == Verdict.CLAMP and d.reasons == ("tilted_step",)
    assert d.cmd.tolist() == pytest.approx([0.0, -CFG.tilt_step, 0.0], abs=1e-9)
    feed(g, 1.1, (0.8, 0.3, 0.5))  # whatever the agent proposes
    assert g.decide(1.1).cmd.tolist() == pytest.approx([0.0, -CFG.tilt_step, 0.0], abs=1e-9)
    g.attitude(1.12, _rolled(-1.1 * CFG.tilt_stop))  # right side up: step left
    assert g.check(1.13).cmd.tolist() == pytest.approx([0.0, CFG.tilt_step, 0.0], abs=1e-9)
    g.attitude(1.15, _pitched(-1.1 * CFG.tilt_stop))  # nose up, pitching back: step back
    assert g.check(1.16).reasons == ("tilted_step",)
    assert g.check(1.16).cmd.tolist() == pytest.approx([-CFG.tilt_step, 0.0, 0.0], abs=1e-9)
    g.attitude(1.18, _pitched(1.1 * CFG.tilt_stop))  # nose down: step forward
    assert g.check(1.19).cmd.tolist() == pytest.approx([CFG.tilt_step, 0.0, 0.0], abs=1e-9)
    feed(g, 1.5, skip=("proposal",))
    quiet = g.check(1.65)  # the agent went quiet: zero
    assert set(quiet.reasons) == {"tilted_stop", "stale:proposal"} and not quiet.cmd.any()
    for attitude in (_rolled(1.1 * CFG.tilt_stop), _pitched(-1.1 * CFG.tilt_stop)):
        standing = Guardrail(replace(CFG, tilt_step=0.0))
        run_until(standing, 0.0, 1.0)
        standing.attitude(1.02, attitude)
        assert standing.check(1.03).reasons == ("tilted_stop",) and not standing.check(1.03).cmd.any()


@pytest.mark.parametrize("max_vx, max_vy", [(1.0, 0.1), (0.05, 0.5)])
def test_a_tilt_step_stays_within_the_speed_limits_in_its_own_direction(max_vx, max_vy):
    """A profile with lower speed limits than tilt_step (robot_example: max_vy 0.15) slows the step down
    to fit them, along the same direction."""
    g = Guardrail(replace(CFG, max_vx=max_vx, max_vy=max_vy))
    run_until(g, 0.0, 1.0)
    attitude = _rolled_and_pitched(1.1 * CFG.tilt_stop, 0.4 * CFG.tilt_stop)  # left side up, and the front a little
    g.attitude(1.02, attitude)
    free = Guardrail(CFG)
    run_until(free, 0.0, 1.0)
    free.attitude(1.02, attitude)
    step, unlimited = g.check(1.03), free.check(1.03)
    assert step.reasons == unlimited.reasons == ("tilted_step",)
    assert abs(step.cmd[0]) <= max_vx + 1e-12 and abs(step.cmd[1]) <= max_vy + 1e-12
    assert np.linalg.norm(unlimited.cmd[:2]) == pytest.approx(CFG.tilt_step)
    scale = np.linalg.norm(step.cmd[:2]) / CFG.tilt_step
    assert step.cmd[:2] == pytest.approx(scale * unlimited.cmd[:2], abs=1e-12) and scale < 1.0


def test_a_zero_speed_limit_the_tilt_step_needs_means_standing():
    g = Guardrail(replace(CFG, max_vx=0.0))
    run_until(g, 0.0, 1.0)
    g.attitude(1.02, _rolled_and_pitched(1.1 * CFG.tilt_stop, 0.4 * CFG.tilt_stop))
    d = g.check(1.03)
    assert d.reasons == ("tilted_stop",) and d.verdict == Verdict.STOP and not d.cmd.any()


@pytest.mark.parametrize("bad", ["nan_imu", "future_imu", "stale_imu", "nan_command", "e_stop"])
def test_a_tilt_step_never_goes_out_on_input_it_cannot_trust(bad):
    """tilted_step is the guardrail's own command, so it needs every input trusted: any other stop rule
    (an untrusted or silent IMU, a non-finite proposal, an e-stop) gives zero."""
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0, cmd=(0.3, 0.0, 0.0))
    g.attitude(1.02, _rolled(1.1 * CFG.tilt_stop))
    feed(g, 1.05, skip=("imu",) if bad == "stale_imu" else ())
    assert g.check(1.06).reasons == ("tilted_step",) or bad == "stale_imu"
    if bad == "nan_imu":
        g.seen("imu", 1.07, 1.07, "NaN in orientation")
    elif bad == "future_imu":
        g.seen("imu", 1.07 + 10 * CFG.future_tolerance_s, 1.07)
    elif bad == "nan_command":
        g.propose((math.nan, 0.0, 0.0), 1.07, 1.07)
    elif bad == "e_stop":
        g.e_stop()
    now = 1.07 + (CFG.timeout_imu if bad == "stale_imu" else 0.0)
    for d in (g.check(now), g.decide(now)):
        assert d.verdict == Verdict.STOP and "tilted_stop" in d.reasons and len(d.reasons) > 1 and not d.cmd.any()


def test_a_non_finite_pain_stops_and_never_reaches_the_filter():
    """A joint effort of 1e20 is finite in float64 but inf in the float32 features: its raw pain is inf. It stops
    the robot until a good joint reading, and the pain clamps keep working after it."""
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0)
    g.pain(1.02, 0.0)
    g.pain(1.04, math.inf)
    feed(g, 1.1)  # the proposal only: no new joint reading vouches for the terms yet
    g.pain(1.06, math.inf)
    d = g.decide(1.1)
    assert d.verdict == Verdict.STOP and "invalid:cost_terms" in d.reasons
    assert math.isfinite(g.pain_filtered)
    for t in np.arange(1.12, 4.0, 0.02):  # good readings again, pain high and steady
        feed(g, t, skip=("proposal",))
        g.pain(t, 3.38)
    feed(g, 4.0, cmd=(0.5, 0.0, 0.0))
    d = g.decide(4.0)
    assert "clamp:pain_high" in d.reasons and d.cmd[0] <= 0.5 * CFG.slow_factor + 1e-9


def test_cost_terms_not_finite_stop_until_a_good_joint_reading():
    g = Guardrail(CFG)
    run_until(g, 0.0, 1.0)
    assert not g.cost_terms(1.02, {"pain": 0.1, "force": math.inf, "energy": math.nan})
    assert g.check(1.02).reasons == ("invalid:cost_terms",) and "force, energy" in g.last.detail
    assert g.cost_terms(1.04, {"pain": 0.1, "force": 0.0})  # finite: nothing to say, the next reading clears it
    assert g.check(1.04).verdict == Verdict.STOP
    d, _ = run_until(g, 1.1, 1.6)
    assert d.verdict == Verdict.PASS


def planned(g: Guardrail, t: float, cmd=(0.3, 0.0, 0.2), **predicted) -> None:
    """Sensors, the plan costs (each quantity (3,) of its value) and the proposal of tick `t`."""
    g.plan(t, {name: np.full(3, value) for name, value in predicted.items()}, t)
    feed(g, t, cmd)


SAFE = dict(tilt=0.0, pain=0.0, force=0.0, fall=0.0)


def test_expected_plans_a_proposal_without_its_plan_stops():
    g = Guardrail(CFG, expect_plans=True)
    for i in range(11):
        planned(g, round(i * DT, 9), **SAFE)
        d = g.decide(round(i * DT, 9))
    assert d.verdict == Verdict.PASS
    feed(g, 1.1)  # its plan never came (the gate gave up on it)
    assert g.decide(1.1).reasons == ("stale:plan",)
    feed(g, 1.2, cmd=(0.0, 0.0, 0.0))  # a zero proposal needs no plan
    assert g.decide(1.2).verdict == Verdict.PASS
    planned(g, 1.3, **SAFE)
    assert g.decide(1.3).verdict != Verdict.STOP
    g.plan(1.4, {"tilt": np.zeros(3)}, 1.4)  # the next tick's plan, before its proposal: judged with it
    assert g.check(1.4).verdict != Verdict.STOP
    feed(g, 1.4)
    assert g.decide(1.4).reasons == ("plan_veto:plan_costs",)  # it predicts no pain, force or fall
    assert "fall, force, pain" in g.last.detail
    planned(g, 1.5, cmd=(0.0, 0.0, 0.0))  # the actor idle: empty costs with a zero proposal
    assert g.decide(1.5).verdict == Verdict.PASS


def test_without_expected_plans_a_missing_plan_is_no_stop():
    g = Guardrail(CFG)
    d, _ = run_until(g, 0.0, 1.0)
    assert d.verdict == Verdict.PASS


def test_the_acceleration_limit_ramps_from_a_stop_between_proposals():
    """The actor respawns: proposals stop for 2 s (a stop for the stale proposal) and resume at full speed. The
    first decision ramps from zero over one output period, not over the 2 s the proposals were away."""
    g = Guardrail(CFG)
    run_until(g, 0.0, 2.0, cmd=(1.0, 0.0, 1.5))
    t = 2.0
    while t < 4.0:
        t = round(t + 0.02, 9)
        feed(g, t, skip=("proposal",))
        g.check(t)
    assert g.last.reasons == ("stale:proposal",)
    feed(g, 4.1, cmd=(1.0, 0.0, 1.5))
    d = g.decide(4.1)
    assert "clamp:acceleration" in d.reasons
    np.testing.assert_allclose(d.cmd, [CFG.max_lin_acc / CFG.rate_hz, 0.0, CFG.max_ang_acc / CFG.rate_hz])


def test_the_acceleration_limit_ramps_from_a_stop_held_between_proposals():
    """An e-stop held for a while (re-judged by the node's output timer, `check`) and released: the next
    proposal ramps from zero over one output period, not over the time the stop was held."""
    g = Guardrail(CFG)
    run_until(g, 0.0, 2.0, cmd=(1.0, 0.0, 0.0))
    g.e_stop()
    feed(g, 2.1, cmd=(1.0, 0.0, 0.0))
    assert g.decide(2.1).verdict == Verdict.STOP
    t = 2.1
    while t < 2.98:
        t = round(t + 0.02, 9)
        feed(g, t, skip=("proposal",))
        assert g.check(t).verdict == Verdict.STOP
    g.reset_e_stop()
    feed(g, 3.0, cmd=(1.0, 0.0, 0.0))
    assert g.decide(3.0).cmd[0] == pytest.approx(CFG.max_lin_acc / CFG.rate_hz)
