"""The fault harness's oracle (lecun_agent/faults/verdict.py) and its bad messages (corrupt.py), without ROS.

The oracle must see a stale source, an untrusted one and a future stamp exactly where the guardrail's
rules put them, and count a moving command as unsafe only past one output period into a bad stretch.
"""

import numpy as np
import pytest
from sensor_msgs.msg import Image, JointState

from lecun_agent.body.readings import JOINT_NAMES
from lecun_agent.faults.catalog import FAST, TOPICS, by_name, faults_for
from lecun_agent.faults.corrupt import corrupted, shifted
from lecun_agent.faults.plan_injector import bad_plan
from lecun_agent.faults.verdict import OUTPUT_PERIOD_S, Observations, bad_intervals, plan_intervals, verdict
from lecun_agent.messages.conversions import message_problem, stamp_to_sec

STEP = 0.02


def stream(t0: float, t1: float, over: dict | None = None) -> list[tuple[float, float, bool]]:
    """(published, stamp, ok) every control step; `over` maps a step index to (stamp, ok)."""
    out = []
    for i, t in enumerate(np.arange(t0, t1, STEP)):
        stamp, ok = (over or {}).get(i, (float(t), True))
        out.append((round(float(t), 6), stamp, ok))
    return out


def test_a_silent_source_is_bad_from_its_timeout_until_it_comes_back():
    events = stream(0.0, 1.0) + stream(2.0, 3.0)
    assert bad_intervals(events, 0.25, 3.0) == [(pytest.approx(0.98 + 0.25), 2.0)]


def test_untrusted_and_future_messages_are_bad_until_a_good_one():
    events = stream(0.0, 1.0, {25: (0.5, False), 26: (0.52, False), 30: (30.6, True)})
    assert bad_intervals(events, 0.25, 1.0) == [(0.5, 0.54), (0.6, 0.62)]


def test_old_stamps_that_arrive_on_time_go_stale():
    events = [(t, t - 1.0 if 1.0 <= t < 2.0 else t, True) for t, _, _ in stream(0.0, 3.0)]
    [(start, end)] = bad_intervals(events, 0.25, 3.0)
    assert start == pytest.approx(0.98 + 0.25) and end == pytest.approx(2.0)


def _obs(cmds: list[tuple[float, bool]], source_events) -> Observations:
    """Wall time = sim time (a /clock per step), so published times read straight."""
    clock = [(t, t) for t, _, _ in stream(0.0, 4.0)]
    return Observations(clock=clock, cmds=[(t, t, moving) for t, moving in cmds],
                        sources={"imu": source_events})


def test_reaction_unsafe_commands_and_recovery():
    events = stream(0.0, 1.0) + stream(2.0, 4.0)  # silent from 1.0 to 2.0: bad from 1.23
    stop_at = 1.24
    cmds = [(t, not (stop_at <= t < 2.04)) for t, _, _ in stream(0.0, 4.0)]
    row = verdict(_obs(cmds, events), 1.0, 2.0, {"imu": 0.25})
    assert row["reaction_s"] == pytest.approx(0.24) and row["bound_s"] == pytest.approx(0.23 + OUTPUT_PERIOD_S)
    assert row["unsafe_cmds"] == 0 and row["stopped"] and row["resumed_s"] == pytest.approx(0.04)
    late = [(t, not (1.30 <= t < 2.04)) for t, _, _ in stream(0.0, 4.0)]  # moving until 1.28: 1.26, 1.28 unsafe
    assert verdict(_obs(late, events), 1.0, 2.0, {"imu": 0.25})["unsafe_cmds"] == 2


def test_what_a_respawned_node_sent_before_the_harness_heard_it_is_not_judged_but_the_rest_is():
    # The agent killed at 2.0 and back at 2.2; cost_node walks on with its fresh proposals from 2.3, but
    # the harness matches the new publisher only at 3.0 and hears it from then on.
    events = stream(0.0, 2.0) + stream(3.0, 4.0)  # bad from 2.23 to 3.0 as the harness saw it
    cmds = [(t, not (2.0 <= t < 2.3)) for t, _, _ in stream(0.0, 4.0)]
    blind = verdict(_obs(cmds, events), 2.0, 2.2, {"imu": 0.25})
    assert blind["unsafe_cmds"] > 20  # without the match it looks like moving on a stale source
    obs = _obs(cmds, events)
    obs.matches = {"imu": [3.0]}
    row = verdict(obs, 2.0, 2.2, {"imu": 0.25})
    assert row["unsafe_cmds"] == 0 and row["unjudged_cmds"] == blind["unsafe_cmds"]
    # A match does not excuse what was bad while the node was dead: moving at 2.26 and 2.28, before it
    # was back at 2.3, is still unsafe.
    obs.cmds = [(t, t, not (2.0 <= t < 2.26)) for t, _, _ in stream(0.0, 4.0)]
    row = verdict(obs, 2.0, 2.3, {"imu": 0.25})
    assert row["unsafe_cmds"] == 2 and row["unjudged_cmds"] == blind["unsafe_cmds"]


def test_a_source_that_went_stale_only_while_the_harness_could_not_hear_it_requires_no_stop():
    # The agent killed at 2.0 before its tick's proposal, back at 2.2 and proposing again at once (lock-step
    # holds sim time while cost_node waits); the harness hears it only from 2.5. Its last heard message
    # is 1.98, so as heard it went stale at 2.23, after it was back: it cannot say the robot had to stop.
    events = stream(0.0, 2.0) + stream(2.5, 4.0)
    cmds = [(t, True) for t, _, _ in stream(0.0, 4.0)]
    obs = _obs(cmds, events)
    obs.matches = {"imu": [2.5]}
    row = verdict(obs, 2.0, 2.2, {"imu": 0.25})
    assert row["bound_s"] is None and not row["stopped"] and row["unsafe_cmds"] == 0 and row["unjudged_cmds"] > 0
    # Gone stale while the node was still dead (back only at 2.3): the stop was required.
    assert verdict(obs, 2.0, 2.3, {"imu": 0.25})["bound_s"] == pytest.approx(0.23 + OUTPUT_PERIOD_S)
    # Matched at 2.2, as soon as it was back, but first heard at 2.5: what it sent in between missed the
    # harness, so the stretch from 2.23 is still not one it can judge.
    obs.matches = {"imu": [2.2]}
    row = verdict(obs, 2.0, 2.2, {"imu": 0.25})
    assert row["bound_s"] is None and row["unsafe_cmds"] == 0 and row["unjudged_cmds"] > 0


def test_an_injected_plan_vetoes_from_its_publication_as_the_guardrail_reads_it():
    # stamped when published: until its stamp + 1 s; published 1.5 s after its stamp: stale, no veto;
    # stamped 30 s ahead: for 1 s from its publication.
    assert plan_intervals([(2.0, 2.0), (4.0, 2.5), (6.0, 36.0)], timeout=1.0, tolerance=0.1) == [
        (2.0, 3.0), (6.0, 7.0)]
    cmds = [(t, not (2.04 <= t < 3.02)) for t, _, _ in stream(0.0, 4.0)]  # stopped one output tick late
    obs = _obs(cmds, stream(0.0, 4.0))
    obs.plans = [(2.0, 2.0)]
    row = verdict(obs, 2.0, 2.0, {"imu": 0.25})
    assert row["stopped"] and row["unsafe_cmds"] == 0 and row["bad_sources"] == ["plan"]
    obs.cmds = [(t, t, True) for t, _, _ in stream(0.0, 4.0)]  # never stopped: every command past one period
    assert verdict(obs, 2.0, 2.0, {"imu": 0.25})["unsafe_cmds"] > 40


def test_injected_plans_are_what_the_guardrail_must_refuse():
    nan_plan, future_plan = bad_plan("agent/plan_costs", 2.0), bad_plan("agent/plan", 2.0)
    assert np.isnan(nan_plan.position).all() and stamp_to_sec(nan_plan.header.stamp) == pytest.approx(2.0)
    assert stamp_to_sec(future_plan.header.stamp) == pytest.approx(32.0)
    with pytest.raises(ValueError, match="plan topics"):
        bad_plan("cmd_vel", 2.0)


def test_corrupt_messages_are_what_the_consumers_refuse():
    joints = JointState(name=list(JOINT_NAMES), position=[0.1] * 12, velocity=[0.0] * 12, effort=[1.0] * 12)
    assert message_problem(joints) is None
    for kind in ("nan", "inf", "wrong_size"):
        assert message_problem(corrupted(joints, kind)) is not None, kind
    assert message_problem(joints) is None  # the original is untouched
    assert stamp_to_sec(shifted(joints, 30.0).header.stamp) == pytest.approx(30.0)
    latent = Image(height=1, width=8, encoding="32FC1", step=32, data=bytes(32))
    assert len(corrupted(latent, "wrong_size").data) == 4 * 5
    assert np.isnan(np.frombuffer(bytes(corrupted(latent, "nan").data), np.float32)).all()


@pytest.mark.parametrize("agent", ["straight", "full"])
def test_catalogue_covers_every_input_and_the_fast_subset_exists(agent):
    faults = faults_for(agent)
    names = {f.name for f in faults}
    assert len(names) == len(faults) and set(FAST) <= names and by_name(FAST, agent)
    hit = {f.topic for f in faults if f.topic}
    injected_plans = {"agent/plan", "agent/plan_costs"} if agent == "full" else set()  # the actor's own race them
    assert hit == set(TOPICS) - injected_plans, set(TOPICS) - hit
    agent_node = {"straight": "straight_node", "full": "actor_node"}[agent]
    assert {f.node for f in faults if f.kind == "kill"} >= {"gait_node", "cost_node", agent_node}


def test_a_fault_on_a_topic_the_actor_reads_reaches_the_actor_and_not_the_straight_agent():
    def readers(agent, name):
        return by_name([name], agent)[0].consumers

    for name in ("agent/latent: nan -> all readers", "odom: nan -> all readers"):
        assert "actor_node" in readers("full", name) and "straight_node" in readers("straight", name), name
        assert "straight_node" not in readers("full", name) and "actor_node" not in readers("straight", name), name
    assert readers("full", "body_contacts: inf -> all readers") == ("cost_node", "actor_node")
    assert readers("straight", "body_contacts: inf -> cost_node") == ("cost_node",)  # it reads no contacts
    assert by_name(["agent/latent: nan -> all readers"], "full")[0].expect == "stop"  # the actor proposes zero
    with pytest.raises(ValueError, match="full agent"):
        by_name(["SIGKILL straight_node"], "full")


def test_the_sims_own_step_log_places_what_the_harness_heard_before_its_first_clock(tmp_path):
    from lecun_agent.faults.harness import sim_clock
    from lecun_agent.sim.episode_log import TRUTH_FILE

    t = np.arange(0.0, 4.0, 0.02)
    wall = 1000.0 + 2.0 * t  # the sim's own system-clock time of each step
    # The harness heard /clock only from sim 3.0 on; the robot stopped from 2.0 (the fault's start) to 3.0.
    late = Observations(clock=[(w, s) for w, s in zip(wall, t, strict=True) if s >= 3.0],
                        cmds=[(w + 0.001, s, not 2.0 <= s < 3.0) for w, s in zip(wall, t, strict=True)])
    assert verdict(late, 2.0, 3.0, {})["reaction_s"] is None  # nothing before 3.0 could be placed
    zero = np.zeros_like(t)
    np.savez(tmp_path / TRUTH_FILE, t=t, pos=np.zeros((len(t), 3)), quat=np.zeros((len(t), 4)),
             lin_vel=np.zeros((len(t), 3)), body_contact_force=zero, energy_w=zero, wall_s=wall - wall[0],
             wall_epoch_s=wall)
    late.clock = sim_clock(tmp_path)
    assert verdict(late, 2.0, 3.0, {})["reaction_s"] == 0.0
    old = dict(np.load(tmp_path / TRUTH_FILE))
    del old["wall_epoch_s"]
    np.savez(tmp_path / TRUTH_FILE, **old)
    assert sim_clock(tmp_path) == []  # logged before the sim kept the system clock: the heard /clock stays


def test_messages_placed_at_the_same_step_keep_the_order_they_came_in():
    # The last message of a future-stamped window and the first good one land on one sim step: the good
    # one came after it, so the source is good from then on (not bad again until the next message).
    events = [(2.98, 32.98, True), (3.0, 32.98 + 0.02, True), (3.0, 3.0, True), (3.02, 3.02, True)]
    assert bad_intervals(events, 0.25, 3.1) == [(2.98, 3.0)]


def test_a_run_whose_robot_never_walked_before_the_fault_is_started_again_and_kept(tmp_path, monkeypatch):
    from lecun_agent.faults import harness

    attempts = []

    def once(fault, out, short_waits, agent, retries):
        out.mkdir(parents=True, exist_ok=True)
        (out / "fault.json").write_text(str(retries))
        attempts.append(retries)
        return {"walked_before_fault": retries >= 1, "start_retries": retries}

    monkeypatch.setattr(harness, "_run_once", once)
    fault = by_name(FAST)[0]
    row = harness.run_fault(fault, tmp_path / fault.slug)
    assert attempts == [0, 1] and row["start_retries"] == 1
    assert (tmp_path / f"{fault.slug}.attempt1" / "fault.json").read_text() == "0"  # the failed attempt, kept
    attempts.clear()
    monkeypatch.setattr(harness, "_run_once", lambda *a, **k: once(*a, **{**k, "retries": 0}))
    row = harness.run_fault(fault, tmp_path / "never")
    assert len(attempts) == harness.START_ATTEMPTS and not row["walked_before_fault"]  # given up, reported


def test_a_message_that_comes_exactly_at_its_timeout_is_on_time():
    # The last proposal at 1.9 and the next at 2.4 (its timeout 0.5): sim times are sums of steps, so
    # 2.4 may read 2.4000000000000004; the source never went stale, and no stop is required.
    events = [(1.9, 1.9, True), (1.9 + 0.02 * 25 + 4e-16, 2.4, True), (2.5, 2.5, True)]
    assert bad_intervals(events, 0.5, 3.0) == []
    cmds = [(t, True) for t, _, _ in stream(0.0, 3.0)]
    obs = _obs(cmds, stream(0.0, 1.9) + events)
    assert verdict(obs, 2.0, 2.2, {"imu": 0.5})["bound_s"] is None


def test_a_stretch_shorter_than_an_output_period_requires_no_stop():
    events = stream(0.0, 1.0) + [(t, t, True) for t in np.arange(1.24, 3.0, STEP)]  # stale 1.23-1.24 as published
    cmds = [(t, True) for t, _, _ in stream(0.0, 3.0)]
    row = verdict(_obs(cmds, events), 1.0, 1.3, {"imu": 0.25})
    assert row["bound_s"] is None and row["unsafe_cmds"] == 0
