"""cost_node in lock-step (`sync_tick_s` > 0): it answers every joint reading on cmd_vel, stamped with it.

A reading at a tick is answered by the tick's judged proposal, and waits for it; the others by the
stop rules re-checked at that reading. The gait waits for each answer, so a stop between two ticks
reaches the control step it fell due at in every run (docs/design.md, Time). The helper robot of
test_cost_node.py plays sim, agent and gait on sim time.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from rosgraph_msgs.msg import Clock
from test_cost_node import NORMAL, STEP, TICK, Robot, guarding, twist, wait_for

from lecun_agent.messages.conversions import sec_to_stamp, stamp_to_sec, twist_msg
from lecun_agent.nodes.tick_gate import SYNC_TIMEOUT_S

pytestmark = pytest.mark.ros


@pytest.fixture(scope="module")
def ros():
    with guarding(Robot, sync_tick_s=TICK) as pair:
        yield pair


def answers_after(robot: Robot, since: float) -> dict[float, list[tuple[float, float, float]]]:
    out: dict[float, list] = {}
    for msg in robot.cmds:
        t = round(stamp_to_sec(msg.header.stamp), 6)
        if t > since + 1e-6:
            out.setdefault(t, []).append(twist(msg))
    return out


def test_every_reading_is_answered_once_stamped_with_it(ros):
    cost, robot = ros
    start = robot.t
    robot.run(0.5)
    steps = [round(start + STEP * (i + 1), 6) for i in range(int(round(0.5 / STEP)))]
    answers = answers_after(robot, start)
    assert sorted(answers) == steps  # one stamp per reading, no other
    assert all(len(a) == 1 for a in answers.values()), answers  # and one answer each
    assert answers[steps[-1]] == [NORMAL]


def test_a_tilt_between_two_ticks_stops_the_reading_it_was_measured_at(ros):
    cost, robot = ros
    robot.run(TICK - (robot.t % TICK) + STEP)  # one step past a tick
    assert twist(robot.cmds[-1]) == NORMAL
    tilted = np.array([0.0, np.sin(0.2), 0.0, np.cos(0.2)])  # pitched 0.4 rad: past tilt_stop (0.3)
    out = robot.step(imu_quat=tilted)
    assert abs(robot.t / TICK - round(robot.t / TICK)) > 1e-6  # not a tick: no proposal judged it
    assert stamp_to_sec(out.header.stamp) == pytest.approx(robot.t)
    assert cost.guard.last.reasons == ("tilted_step",)  # the guardrail's own step towards the lower side
    assert twist(out) == pytest.approx(tuple(cost.guard.last.cmd)) and twist(out) != NORMAL
    robot.run(cost.guard.config.slow_hold + 0.5)  # level again: walking on, at full speed once the slow-down ends
    assert twist(robot.cmds[-1]) == NORMAL


def test_a_reading_at_a_tick_waits_for_the_ticks_proposal(ros):
    cost, robot = ros
    robot.run(TICK - (robot.t % TICK) - STEP)  # one step before a tick
    t = round(robot.t + STEP, 9)
    robot.clock_pub.publish(Clock(clock=sec_to_stamp(t)))
    robot.t = t
    robot.sensors(t)
    time.sleep(0.3)
    assert t not in answers_after(robot, t - STEP)  # the reading is in; the tick's proposal is not
    robot.proposal_pub.publish(twist_msg(sec_to_stamp(t), NORMAL))
    end = time.time() + 10.0
    while t not in answers_after(robot, t - STEP) and time.time() < end:
        time.sleep(0.005)
    assert answers_after(robot, t - STEP)[t] == [NORMAL] and cost.proposal_stamp == pytest.approx(t)


def test_when_the_loop_goes_on_without_its_answers_the_clock_rechecks_and_stops_a_stale_source(ros):
    """The gait gave up waiting for cost_node (a fault): the sim steps on, but no joint reading reaches
    cost_node, so no reading is answered. Its clock re-checks the stop rules once it runs half a tick
    past the newest answer, and a stale joint_states stops the robot without waiting for a tick."""
    cost, robot = ros
    robot.run(TICK - (robot.t % TICK) + STEP)  # one step past a tick, walking
    assert twist(robot.cmds[-1]) == NORMAL
    last, timeout = robot.t, cost.guard.config.timeout_joint_states
    seen = len(robot.cmds)
    while robot.t < last + timeout + 3 * STEP:  # the clock alone, a step at a time, as the sim steps
        robot.t = round(robot.t + STEP, 9)
        robot.clock_pub.publish(Clock(clock=sec_to_stamp(robot.t)))
        end = time.time() + 10.0
        while cost._now() < robot.t - 1e-6 and time.time() < end:
            time.sleep(0.002)
        time.sleep(0.03)  # the timer's turn at this time
    stops = [m for m in robot.cmds[seen:] if twist(m) == (0.0, 0.0, 0.0)]
    assert stops, [twist(m) for m in robot.cmds[seen:]]
    first = stamp_to_sec(stops[0].header.stamp)
    assert last + timeout - 1e-6 <= first <= last + timeout + 2 * STEP + 1e-6
    assert "stale:joint_states" in cost.guard.last.reasons
    moving = [stamp_to_sec(m.header.stamp) for m in robot.cmds[seen:] if twist(m) != (0.0, 0.0, 0.0)]
    assert all(t <= last + timeout + 1e-6 for t in moving)  # none stamped after joint_states went stale
    robot.run(0.5)  # the readings again: every one answered, and the robot walks
    assert twist(robot.cmds[-1]) == NORMAL


def test_when_the_sim_runs_on_past_a_tick_without_its_proposal_the_readings_are_answered_at_once(ros):
    """The agent fell behind a sim that no longer waits (a fault made the gait give up): the tick's reading
    stops waiting for its proposal once the clock is half a tick past it, so the readings queued behind
    it are answered without the gate's wait running out."""
    cost, robot = ros
    tick = round((math.floor(robot.t / TICK + 1e-6) + 2) * TICK, 9)
    robot.run(tick - STEP - robot.t)  # to one step before a tick
    assert robot.t == pytest.approx(tick - STEP)
    waits = cost.lockstep.gate.timeouts
    for _ in range(8):  # through the tick, with no proposal for it, as a sim that no longer waits steps on
        robot.t = round(robot.t + STEP, 9)
        robot.clock_pub.publish(Clock(clock=sec_to_stamp(robot.t)))
        robot.sensors(robot.t)
        wait_for(lambda: cost._now() >= robot.t - 1e-6)
        time.sleep(0.03)  # the clock timer's turn at this time
    wait_for(lambda: robot.t in answers_after(robot, tick - STEP), timeout=SYNC_TIMEOUT_S + 10.0)
    assert cost.lockstep.gate.timeouts == waits  # answered because the sim ran on, not after the wait ran out
    steps = [round(tick + i * STEP, 6) for i in range(8)]
    assert sorted(answers_after(robot, tick - STEP)) == steps
    robot.run(0.5)  # the agent back in step: proposals at ticks, every reading answered
    assert twist(robot.cmds[-1]) == NORMAL


def test_a_joint_stream_stamped_in_the_past_still_has_every_instant_answered_and_stops_at_its_timeout(ros):
    """joint_states arrives stamped 1 s behind (a driver's clock gone back, a relay with a backlog): no
    reading of the current instants comes, but the IMU and odometry bring each instant, so after one wait
    for its score every instant is answered by the stop rules. The gait keeps waiting for each answer, so
    the stop falls at the step the stream's timeout runs out, in sim time, however loaded the machine
    (before, no instant was answered and the gait ran on without the guardrail, by wall time)."""
    cost, robot = ros
    robot.run(TICK - (robot.t % TICK) + STEP)  # one step past a tick, walking
    assert twist(robot.cmds[-1]) == NORMAL
    last, timeout = robot.t, cost.guard.config.timeout_joint_states
    while robot.t < last + timeout + 3 * STEP:
        robot.step(stamp_of={"joint_states": round(robot.t + STEP - 1.0, 9)})
    answers = answers_after(robot, last)
    steps = [round(last + STEP * (i + 1), 6) for i in range(len(answers))]
    assert sorted(answers) == steps and steps[-1] == pytest.approx(robot.t)  # every instant, none skipped
    stops = [t for t in steps if answers[t][-1] == (0.0, 0.0, 0.0)]
    assert stops and stops == steps[steps.index(stops[0]):]  # stopped, and stays stopped
    assert last + timeout - 1e-6 <= stops[0] <= last + timeout + STEP + 1e-6
    assert "stale:joint_states" in cost.guard.last.reasons
    robot.run(0.5)  # the stream in step again: walking
    assert twist(robot.cmds[-1]) == NORMAL


def test_a_wait_for_a_ticks_proposal_that_ran_out_is_counted_in_the_diagnostics(ros):
    """QA (2026-12-08): the waits for a tick's proposal (an actor killed in lock-step: 5 s each) were logged as
    counted in sync_timeouts, but /diagnostics and metrics.json left them out, so `up` never said so."""
    cost, robot = ros
    robot.run(TICK - (robot.t % TICK) - STEP)  # one step before a tick
    before = cost._report()[2]["sync_timeouts"]
    robot.publish_step(skip=("proposal",))  # the tick's reading; its proposal never comes
    wait_for(lambda: cost._report()[2]["sync_timeouts"] > before, timeout=SYNC_TIMEOUT_S + 15.0)
    robot.run(0.5)
    assert twist(robot.cmds[-1]) == NORMAL


def test_in_lock_step_the_readings_gate_waits_for_every_input_however_late(ros):
    """Only in real time does the readings gate stop waiting for an input that stopped (`stopped_after`): in lock-step
    nothing goes on before a tick's inputs come, so an input far behind is still one to wait for."""
    cost, _ = ros
    assert cost.readings.stopped_after == {}
