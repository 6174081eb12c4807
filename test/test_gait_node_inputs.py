"""gait_node's input rules: what it cannot trust makes it stand, with a reason, and never reaches the trot.

One gait_node on sim time runs in this test process, driven without DDS: each 20 ms step hands /clock,
/cmd_vel, odom, imu/data and joint_states to its own subscription callbacks (in the order sim_node
publishes them), and the joint commands it publishes are caught. A reference TrotGait is stepped on
the same good readings, so "recovered" means bit for bit the trot that never saw the bad input.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import rclpy
from rclpy.parameter import Parameter
from rosgraph_msgs.msg import Clock

from lecun_agent.body.readings import Readings
from lecun_agent.gait.config import GaitConfig
from lecun_agent.gait.trot import TrotGait
from lecun_agent.messages.conversions import (
    imu_msg,
    joint_state_msg,
    odometry_msg,
    readings_from_msgs,
    sec_to_stamp,
    stamp_to_sec,
    twist_msg,
)
from lecun_agent.nodes.diagnostics import WARN
from lecun_agent.nodes.gait_node import UNANSWERED_S, UNTRUSTED_HOLD_S, GaitNode

pytestmark = pytest.mark.ros
STEP = 0.02
WALK = np.array([0.5, 0.0, 0.0])


class Caught:
    """Stands in for the node's joint_commands publisher: keeps what it publishes."""

    def __init__(self) -> None:
        self.sent = []

    def publish(self, msg) -> None:
        self.sent.append(msg)


class Driver:
    """Feeds one gait_node step by step; steps a reference trot on the readings the node should take."""

    def __init__(self, node: GaitNode) -> None:
        self.node = node
        self.callbacks = {s.topic.lstrip("/"): s.callback for s in node.subscriptions}
        node.pub = Caught()
        self.reference = TrotGait(GaitConfig())
        self.t = 100.0  # sim time

    def step(self, lin_vel=(0.0, 0.0, 0.0), joints_ahead: float = 0.0, good: bool = True, dt: float = STEP,
             clock_ahead: float = 0.0) -> list:
        """One control step, `dt` s long, its joint reading stamped `joints_ahead` s after the rest and the node
        clock `clock_ahead` s after them all; -> the joint targets published in it. `good`: the reference trot
        takes the reading too, at the node's time step."""
        self.t = round(self.t + dt, 9)
        t, sent, last = self.t, len(self.node.pub.sent), self.node.last_output_stamp
        self.callbacks["clock"](Clock(clock=sec_to_stamp(t + clock_ahead)))
        self.callbacks["cmd_vel"](twist_msg(sec_to_stamp(t), WALK))
        r = Readings(stamp=t, joint_pos=np.array([0.0, 0.8, -1.5] * 4), joint_vel=np.zeros(12),
                     joint_effort=np.zeros(12), imu_quat=np.array([0, 0, 0, 1.0]), imu_gyro=np.zeros(3),
                     imu_accel=np.array([0, 0, 9.81]), foot_forces=np.full(4, 30.0), odom_pos=np.array([0, 0, 0.3]),
                     odom_quat=np.array([0, 0, 0, 1.0]), odom_lin_vel=np.array(lin_vel, dtype=float),
                     odom_ang_vel=np.zeros(3))
        odom, imu, joints = odometry_msg(t, r.odom_pos, r.odom_quat, r.odom_lin_vel, r.odom_ang_vel), imu_msg(r), \
            joint_state_msg(r)
        joints.header.stamp = sec_to_stamp(t + joints_ahead)
        self.callbacks["odom"](odom)
        self.callbacks["imu/data"](imu)
        self.callbacks["joint_states"](joints)
        if good:
            dt = STEP if np.isinf(last) else max(stamp_to_sec(joints.header.stamp) - last, 1e-3)
            self.expected = self.reference.step(WALK, readings_from_msgs(joints, imu, odom), dt)
        return [np.array(m.points[0].positions) for m in self.node.pub.sent[sent:]]

    def walks_like_the_reference(self, steps: int) -> None:
        for _ in range(steps):
            [targets] = self.step()
            assert np.array_equal(targets, self.expected)


@pytest.fixture
def driver():
    rclpy.init()
    node = GaitNode(parameter_overrides=[Parameter("use_sim_time", value=True)])
    yield Driver(node)
    node.destroy_node()
    rclpy.try_shutdown()


@pytest.fixture
def lock_step_driver():
    """gait_node in lock-step (answered by a command every reading) at rate_hz 25 on 50 Hz readings."""
    rclpy.init()
    node = GaitNode(parameter_overrides=[Parameter("use_sim_time", value=True), Parameter("sync_period_s", value=STEP),
                                         Parameter("rate_hz", value=25.0)])
    yield Driver(node)
    node.destroy_node()
    rclpy.try_shutdown()


def standing() -> np.ndarray:
    return TrotGait(GaitConfig()).standing_pose()


def test_an_implausible_odom_twist_stands_and_never_reaches_the_filters(driver):
    """One odom with vy = 1e30 used to make the trot walk sideways at the clamp for about 20 s."""
    driver.walks_like_the_reference(50)
    [targets] = driver.step(lin_vel=(0.0, 1e30, 0.0), good=False)
    assert np.array_equal(targets, standing())
    assert driver.node.counts["untrusted_input"] == 1
    driver.reference.reset()  # a stance starts the trot afresh; the filters never saw the twist
    driver.walks_like_the_reference(50)


def test_huge_finite_odom_twists_never_make_the_targets_non_finite(driver):
    """vx = 1e308 then -1.7e308 (each finite) used to leave the placement filter NaN, and NaN targets went out."""
    driver.walks_like_the_reference(50)
    for vx in (1e308, -1.7e308):
        [targets] = driver.step(lin_vel=(vx, 0.0, 0.0), good=False)
        assert np.array_equal(targets, standing())
    driver.reference.reset()  # a stance starts the trot afresh
    driver.walks_like_the_reference(50)


def test_non_finite_trot_state_stands_with_a_reason_then_walks_again(driver):
    """A backstop: whatever made the trot's targets non-finite, none go out; the trot starts afresh."""
    driver.walks_like_the_reference(50)
    driver.node.gait.offsets[0, 0] = np.nan
    [targets] = driver.step(good=False)
    assert np.array_equal(targets, standing())
    assert driver.node.counts["nonfinite_targets"] == 1
    driver.reference.reset()
    driver.walks_like_the_reference(50)


def test_a_future_stamped_joint_reading_is_refused_and_the_robot_stands_a_while_then_walks(driver):
    """One joint_states stamped 1e6 s ahead used to stand with the wrong reason, then silence the gait. It is not
    answered (honest readings are); those of the next UNTRUSTED_HOLD_S get the standing pose, then the trot goes on."""
    driver.walks_like_the_reference(25)
    before = driver.node.last_output_stamp
    assert driver.step(joints_ahead=1e6, good=False) == []  # refused, not answered: the honest readings are
    assert driver.node.counts["future_reading"] == 1 and driver.node.counts["stale_imu"] == 0
    assert driver.node.last_output_stamp == before
    held = round(UNTRUSTED_HOLD_S / STEP) - 1  # the readings stamped before the refusal's time + the hold
    for _ in range(held):
        [targets] = driver.step(good=False)
        assert np.array_equal(targets, standing())
    assert driver.node.counts["held_after_future_reading"] == held
    driver.reference.reset()  # then every reading answered, by a trot started afresh from the stance: the one that
    driver.walks_like_the_reference(50)  # did not step meanwhile snapped from the stance to mid-swing (QA, 2026-12-08)


def test_future_readings_among_honest_ones_give_one_steady_stance_not_a_trot_cut_by_stances(driver):
    """QA (2026-12-07): a second publisher re-sent each reading stamped 30 s ahead at 50 Hz; each was answered with
    the standing pose between the honest readings' trot targets, and in lock-step each answer stepped the sim: the
    robot fell. Now only the honest readings are answered, all with the standing pose until the hold ends."""
    driver.walks_like_the_reference(25)
    rogue = driver.callbacks["joint_states"]
    answers = []
    for k in range(100):  # 2 s: the rogue stream for the first 1 s
        if k < 50:
            joints = joint_state_msg(Readings(stamp=driver.t + 30.0, joint_pos=np.zeros(12), joint_vel=np.zeros(12),
                                              joint_effort=np.zeros(12), imu_quat=np.array([0, 0, 0, 1.0]),
                                              imu_gyro=np.zeros(3), imu_accel=np.zeros(3), foot_forces=np.zeros(4),
                                              odom_pos=np.zeros(3), odom_quat=np.array([0, 0, 0, 1.0]),
                                              odom_lin_vel=np.zeros(3), odom_ang_vel=np.zeros(3)))
            joints.header.stamp = sec_to_stamp(driver.t + 30.0)
            sent = len(driver.node.pub.sent)
            rogue(joints)
            assert len(driver.node.pub.sent) == sent  # never answered while honest readings come
        answers.append(driver.step(good=False))
    assert all(len(a) == 1 for a in answers)  # one answer per honest reading, none for the rogue ones
    stamps = [stamp_to_sec(m.header.stamp) for m in driver.node.pub.sent[-100:]]
    assert stamps == sorted(stamps)  # each the answer to its reading
    sent = len(driver.node.pub.sent)
    time.sleep(UNANSWERED_S)
    driver.node._answer_refused()  # honest readings were answered after the refused ones: no extra stance
    assert len(driver.node.pub.sent) == sent
    standing_until = next(k for k, [t] in enumerate(answers) if not np.array_equal(t, standing()))
    assert standing_until >= 49 + round(UNTRUSTED_HOLD_S / STEP) - 1  # one stance: the rogue stream, then the hold
    assert all(not np.array_equal(t, standing()) for [t] in answers[standing_until:])  # then it walks


def test_a_refused_reading_no_honest_answer_follows_gets_the_standing_pose(driver):
    """No honest reading answered within UNANSWERED_S wall seconds of a refused one (a driver whose clock is ahead of
    ours, or a lock-step sim whose reading was replaced by a future one, where sim time stands until an answer): the
    refused reading gets the standing pose, stamped with our clock, so the robot is told to stand and the sim steps."""
    driver.walks_like_the_reference(10)
    sent = len(driver.node.pub.sent)
    assert driver.step(joints_ahead=5.0, good=False) == []
    deadline = time.monotonic() + 5 * UNANSWERED_S
    while len(driver.node.pub.sent) == sent and time.monotonic() < deadline:
        rclpy.spin_once(driver.node, timeout_sec=0.05)  # the node's wall-clock timer
    [out] = driver.node.pub.sent[sent:]
    assert np.array_equal(out.points[0].positions, standing())
    assert stamp_to_sec(out.header.stamp) <= driver.t + 1e-9  # stamped by the clock, not by the refused reading
    driver.node._answer_refused()
    assert len(driver.node.pub.sent) == sent + 1  # once for that refused reading
    for _ in range(5):  # then, with no honest reading answered, every refused one at once: the driver hears a stance
        [now] = driver.step(joints_ahead=5.0, good=False)  # at the readings' rate, not once per UNANSWERED_S
        assert np.array_equal(now, standing())
    assert driver.step(good=False) != []  # an honest reading is answered again ...
    assert driver.step(joints_ahead=5.0, good=False) == []  # ... and a refused one waits for UNANSWERED_S again


def test_the_gait_starts_afresh_when_the_clock_goes_back(driver):
    """QA (2026-12-07): a looped replay (or a robot's clock stepped back) sent readings stamped before the last one
    answered; each was dropped as already answered, silently, for good. Now the gait forgets and answers again."""
    driver.walks_like_the_reference(25)
    driver.t = 10.0  # the clock went back 90 s
    answers = [driver.step(good=False) for _ in range(50)]
    assert all(len(a) == 1 for a in answers)  # every reading answered again
    assert [stamp_to_sec(m.header.stamp) for m in driver.node.pub.sent[-50:]] == [
        round(10.0 + STEP * (k + 1), 9) for k in range(50)]  # each the answer to its reading
    assert driver.node.counts["clock_went_back"] == 1
    assert not np.array_equal(answers[-1][0], standing())  # trotting again


def test_stale_readings_from_a_second_publisher_are_counted_not_taken_for_the_clock_going_back(driver):
    """QA (2026-12-07): readings stamped 10 s old beside the honest ones made the gait take each for the clock going
    back and start afresh, following the stale stream. The node clock did not go back: they are only counted."""
    driver.walks_like_the_reference(25)
    stale = driver.callbacks["joint_states"]
    for _ in range(25):
        joints = joint_state_msg(Readings(stamp=driver.t - 10.0, joint_pos=np.array([0.0, 0.8, -1.5] * 4),
                                          joint_vel=np.zeros(12), joint_effort=np.zeros(12),
                                          imu_quat=np.array([0, 0, 0, 1.0]), imu_gyro=np.zeros(3),
                                          imu_accel=np.array([0, 0, 9.81]), foot_forces=np.full(4, 30.0),
                                          odom_pos=np.zeros(3), odom_quat=np.array([0, 0, 0, 1.0]),
                                          odom_lin_vel=np.zeros(3), odom_ang_vel=np.zeros(3)))
        sent = len(driver.node.pub.sent)
        stale(joints)
        assert len(driver.node.pub.sent) == sent  # not answered
        driver.walks_like_the_reference(1)  # the honest stream walks on as if the stale one were not there
    assert driver.node.counts["clock_went_back"] == 0 and driver.node.counts["old_reading"] == 25


def test_jittery_stamps_at_rate_hz_get_an_answer_each(driver):
    """QA (2026-12-08): a robot's 50 Hz joint_states, stamped 7-41 ms apart, got 32 answers a second at rate_hz 50: a
    reading 19.99 ms after the last answer was not answered. Readings a little late, 3 in 100 late by 5-22 ms."""
    rng = np.random.default_rng(0)
    late = rng.uniform(0.0, 0.002, 501) + np.where(rng.random(501) < 0.03, rng.uniform(0.005, 0.022, 501), 0.0)
    intervals = np.diff(np.sort(np.arange(501) * STEP + late))
    answered = sum(len(driver.step(dt=float(dt), good=False)) for dt in intervals)
    assert answered >= 0.98 * len(intervals)


def test_lock_step_readings_between_two_steps_of_the_gait_get_its_last_targets(lock_step_driver):
    """rate_hz 25 on 50 Hz lock-step readings: every reading answered once, stamped with it; every other one with the
    targets of the one before."""
    driver, answers = lock_step_driver, []
    for _ in range(20):
        [targets] = driver.step(good=False)
        assert stamp_to_sec(driver.node.pub.sent[-1].header.stamp) == driver.t
        answers.append(targets)
    assert all(np.array_equal(held, computed) for computed, held in zip(answers[::2], answers[1::2], strict=True))
    assert driver.node.counts["held_targets"] == 10 and driver.node.counts["commands_out"] == 10


@pytest.mark.parametrize("slop_s, answered", [(0.0, False), (0.05, True)])
def test_with_slop_a_reading_takes_the_imu_and_odometry_a_little_older_instead_of_waiting(slop_s, answered):
    """QA against a fake robot (2026-12-08): a driver stamps each topic on its own, so each joint reading waited for
    the next IMU and odometry message (22 ms p50; 26-47 ms with odometry at 20 Hz). sync_slop_s takes them as in."""
    rclpy.init()
    node = GaitNode(parameter_overrides=[Parameter("use_sim_time", value=True), Parameter("sync_slop_s", value=slop_s)])
    try:
        driver = Driver(node)
        driver.step()  # the first reading, all three stamped alike
        assert bool(driver.step(joints_ahead=0.03, good=False)) == answered  # IMU and odometry 30 ms older
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


@pytest.mark.parametrize("behind", [None, 2.0], ids=["stamp_0", "clock_2s_behind"])
def test_readings_stamped_in_the_past_with_no_honest_one_answered_get_the_standing_pose(driver, behind):
    """QA, 2026-12-08 (a fake real robot): a driver that left header.stamp at 0 (or whose clock was behind) got no
    joint command at all, each reading only counted as old_reading, so the joint controller held the trot's last
    targets, mid-stride, while one stamped ahead got the standing pose. Now the same rule for both: no honest reading
    answered within UNANSWERED_S of it, and the old reading gets the standing pose, stamped with our clock; then every
    one at once, until an honest reading is answered."""
    driver.walks_like_the_reference(10)
    sent = len(driver.node.pub.sent)

    def old() -> list:
        return driver.step(joints_ahead=-(round(driver.t + STEP, 9) if behind is None else behind), good=False)

    assert old() == []
    deadline = time.monotonic() + 5 * UNANSWERED_S
    while len(driver.node.pub.sent) == sent and time.monotonic() < deadline:
        rclpy.spin_once(driver.node, timeout_sec=0.05)  # the node's wall-clock timer
    [out] = driver.node.pub.sent[sent:]
    assert np.array_equal(out.points[0].positions, standing()) and stamp_to_sec(out.header.stamp) <= driver.t + 1e-9
    for _ in range(5):
        [now] = old()
        assert np.array_equal(now, standing())
    assert driver.node.counts["old_reading"] == 6
    level, message, _ = driver.node._report()  # it said "walking" at OK while it sent only the stance (QA)
    assert level == WARN and message.startswith("standing: no joint_states it can answer")
    assert driver.step(good=False) != []  # an honest reading is answered again ...
    assert old() == []  # ... and an old one waits for UNANSWERED_S again


def test_readings_far_behind_the_clock_are_not_walked_on_with_commands_fresh_only_by_their_stamps(driver):
    """QA (2026-12-08): a driver's clock fell 2 s behind; its readings' commands (the walk from before the guardrail's
    stop) were fresh by their stamps, and the gait trotted on them for 0.4 s between two stances."""
    driver.walks_like_the_reference(5)
    stale_before = driver.node.counts["stale_cmd"]
    for _ in range(5):
        driver.step(good=False, clock_ahead=2.0)  # every stamp 2 s behind the node clock
    assert driver.node.stale and driver.node.counts["stale_cmd"] == stale_before + 1
    assert driver.node._report()[1].startswith("standing")


def test_after_a_stance_for_readings_it_could_not_answer_the_trot_starts_afresh_not_mid_stride(driver):
    """QA (2026-12-08, verification pass on a fake robot): a driver's clock fell 2 s behind ours. Its readings, older
    than the last one answered, got the standing pose; once their stamps passed it, the trot went on from its stride
    before (ramping the old walk down, re-placing every foot): 0.6-1.0 s of swing targets between two stances."""
    driver.walks_like_the_reference(10)
    driver.t -= 2.0  # the driver's clock falls 2 s behind: our clock (its stamps + 2 s) runs on
    assert driver.step(good=False, clock_ahead=2.0) == []
    deadline = time.monotonic() + 5 * UNANSWERED_S
    while driver.node.only_refused is False and time.monotonic() < deadline:
        rclpy.spin_once(driver.node, timeout_sec=0.05)  # the node's wall-clock timer sends the stance
    sent = []
    for _ in range(int(2.0 / STEP) + 20):  # past the last stamp answered, and on
        sent += driver.step(good=False, clock_ahead=2.0)
    assert len(sent) > int(2.0 / STEP) and all(np.array_equal(targets, standing()) for targets in sent)
