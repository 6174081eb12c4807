"""Malformed but well-typed messages through real rclpy: the guardrail stops with a reason, never passes them.

cost_node is the last check before the body, so a message it cannot read is a reason to stop, not a
message to skip: a plan whose costs have names but no values (or a path with no poses) vetoes like a
plan predicting NaN, a zero quaternion (no orientation: read as upright it would blind the tilt stop
and the fall latch) is refused like NaN, and contact forces whose names and values do not pair up,
that are negative, or whose link is named twice stop like NaN forces. After each, good input moves
the robot again: the node is alive. (Node cases already covered elsewhere: NaN sensors, a missing
effort field, NaN commands and plans in test_cost_node.py; bad frames and NaN readings in
test_perception_node.py; bad latents in test_actor_node.py; bad joint commands in
test_sim_gait_nodes.py; untrusted readings in test_configurator_node.py; converters in
test_fuzz_messages.py; the input checks one by one in test_message_checks.py.)
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from geometry_msgs.msg import PoseStamped
from nav_msgs.msg import Path
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import JointState
from test_cost_node import NORMAL, STEP, TICK, Robot, guarding, twist, wait_for

from lecun_agent.body.readings import FOOT_LINKS
from lecun_agent.messages.conversions import contacts_msg, sec_to_stamp, stamp_to_sec
from lecun_agent.nodes.cost_node import CostNode
from lecun_agent.nodes.qos import SENSOR_QOS
from lecun_agent.nodes.tick_gate import SYNC_TIMEOUT_S

pytestmark = pytest.mark.ros
ZERO = (0.0, 0.0, 0.0)


class ContactRobot(Robot):
    """The robot of test_cost_node.py with body contacts too; `bad` replaces a contacts message each step."""

    def __init__(self) -> None:
        super().__init__()
        self.body_pub = self.create_publisher(JointState, "body_contacts", SENSOR_QOS)
        self.bad: dict[str, JointState] = {}  # "feet" / "body" -> the message sent instead (restamped)

    def sensors(self, t: float, skip=(), stamp_of=None, **over) -> None:
        # contacts first: cost_node scores a joint reading once its instant's contacts are in
        good = {"feet": contacts_msg(t, FOOT_LINKS, [30.0] * 4), "body": contacts_msg(t, [], [])}
        for name, pub in (("feet", self.pubs["feet"]), ("body", self.body_pub)):
            if name in skip:
                continue
            msg = self.bad.get(name, good[name])
            msg.header.stamp = sec_to_stamp(t)
            pub.publish(msg)
        super().sensors(t, (*skip, "feet"), stamp_of, **over)


@pytest.fixture(scope="module")
def ros():
    with guarding(ContactRobot) as pair:
        yield pair


@pytest.fixture
def normal(ros):
    cost, robot = ros
    robot.bad.clear()
    cost.guard.reset_e_stop()
    assert twist(robot.run(0.6)) == NORMAL
    return cost, robot


def moves_again(cost: CostNode, robot: Robot, after: float = 0.0) -> None:
    """Good input again: the node still answers every tick, and the robot moves."""
    robot.bad.clear()
    robot.run(after)
    assert twist(robot.run(0.6)) == NORMAL


def send_plan(robot: Robot, cost: CostNode, stamp: float, poses: int, names: list[str], values: list[float]):
    """agent/plan and agent/plan_costs for the next tick, taken before the tick is judged."""
    path = Path(poses=[PoseStamped() for _ in range(poses)])
    path.header.stamp, path.header.frame_id = sec_to_stamp(stamp), "odom"
    costs = JointState(name=names, position=values)
    costs.header.stamp = sec_to_stamp(stamp)
    robot.plan_pub.publish(path)
    robot.plan_costs_pub.publish(costs)
    # both parts taken: the path's entry and one from the costs (a quantity, or plan_costs when unreadable)
    wait_for(lambda: abs((cost.guard._plan_stamp or -1.0) - stamp) < 1e-6 and "path" in cost.guard._plan_worst
             and len(cost.guard._plan_worst) >= 2)


@pytest.mark.parametrize("names, values, poses, reason", [
    ([f"tilt[{k}]" for k in range(10)], [], 11, "plan_veto:plan_costs"),  # names, no values
    ([f"tilt[{k}]" for k in range(10)], [0.0] * 4, 11, "plan_veto:plan_costs"),  # fewer values than names
    ([f"tilt[{k}]" for k in range(10)], [0.0] * 10, 0, "plan_veto:path"),  # a path with no poses
])
def test_a_malformed_plan_is_vetoed_not_passed(normal, names, values, poses, reason):
    cost, robot = normal
    send_plan(robot, cost, robot.t + STEP, poses, names, values)
    out = robot.step(propose=True)
    assert twist(out) == ZERO and reason in cost.guard.last.reasons
    assert cost.guard.counts[reason] > 0  # in /diagnostics as count.<reason>
    moves_again(cost, robot, after=cost.guard.config.plan_timeout + TICK)


@pytest.mark.parametrize("over, reason", [
    ({"imu_quat": np.zeros(4)}, "invalid:imu"),
    ({"odom_quat": np.zeros(4)}, "invalid:odom"),
    ({"imu_quat": np.array([0.0, 0.0, 0.0, 3.0])}, "invalid:imu"),  # not a rotation either
])
def test_an_orientation_that_is_no_rotation_stops(normal, over, reason):
    cost, robot = normal
    out = robot.run(TICK, **over)
    assert twist(out) == ZERO and reason in cost.guard.last.reasons
    moves_again(cost, robot)


@pytest.mark.parametrize("topic, msg", [
    ("feet", JointState(name=list(FOOT_LINKS))),  # names, no forces: read as 0 N, in the air
    ("feet", JointState(name=list(FOOT_LINKS), effort=[30.0, 30.0])),
    ("body", JointState(name=["FL_thigh", "trunk"])),  # a touch with no force: read as no touch
    ("body", JointState(name=[], effort=[80.0])),  # a force on no link
    ("feet", contacts_msg(0.0, FOOT_LINKS, [30.0, 30.0, 30.0, -1e39])),  # summed, it cancels the others
    ("body", contacts_msg(0.0, ["trunk"], [-80.0])),
    ("body", contacts_msg(0.0, ["trunk", "trunk"], [float("nan"), 80.0])),  # the NaN read over
])
def test_contacts_that_cannot_be_read_stop(normal, topic, msg):
    """Names and forces that do not pair, a negative force, a link named twice."""
    cost, robot = normal
    robot.bad[topic] = msg
    out = robot.run(TICK)
    assert twist(out) == ZERO and "invalid:joint_states" in cost.guard.last.reasons
    moves_again(cost, robot)


def test_a_joint_reading_does_not_release_a_stop_before_its_contacts_are_checked(normal):
    """A driver that sends joint_states before its contacts: the stop of an untrusted contact reading holds until
    a reading passes every check. (Found on a fake real-robot driver, 2026-12-07: each good joint_states cleared
    the stop on arrival, so cmd_vel flipped between zero and motion about 60 times in 8 s while every
    foot_contacts message carried a negative force.)"""
    cost, robot = normal
    negative = contacts_msg(0.0, FOOT_LINKS, [30.0, 30.0, 30.0, -5.0])
    robot.bad["feet"] = negative
    assert twist(robot.run(TICK)) == ZERO
    robot.t = round(robot.t + STEP, 9)  # not a tick: no proposal; the joint reading first, its contacts held back
    robot.clock_pub.publish(Clock(clock=sec_to_stamp(robot.t)))
    Robot.sensors(robot, robot.t, skip=("feet",))
    wait_for(lambda: cost.readings.oldest_pending() == pytest.approx(robot.t))
    assert "invalid:joint_states" in [key for key, _ in cost.guard.stop_reasons(robot.t)]
    negative.header.stamp = sec_to_stamp(robot.t)
    robot.pubs["feet"].publish(negative)
    robot.body_pub.publish(contacts_msg(robot.t, [], []))
    wait_for(lambda: cost.readings.oldest_pending() is None)
    assert "invalid:joint_states" in [key for key, _ in cost.guard.stop_reasons(robot.t)]
    moves_again(cost, robot)


def test_a_contact_stream_that_stops_stops_the_robot_until_it_comes_back(normal):
    """foot_contacts heard and then silent: after the gate's one wait the forces would be read as they were when it
    stopped (pain, falls and force unseen), so once its newest is older than joint_states may be, the robot stops."""
    cost, robot = normal
    assert twist(robot.run(0.2, skip=("feet",))) == NORMAL  # younger than guardrail.timeout_joint_states (0.25 s)
    assert twist(robot.run(0.2, skip=("feet",))) == ZERO
    assert "invalid:joint_states" in cost.guard.last.reasons
    assert "foot_contacts: the newest is" in cost.guard.last.detail and "a contact stream that stopped" in \
        cost.guard.last.detail
    moves_again(cost, robot)


def test_a_contact_stream_that_stops_is_a_stop_of_its_own_without_waiting_for_it(normal):
    """QA, 2026-12-08 (a fake real robot on the wall clock): when foot_contacts stopped, the readings gate waited
    sync_timeout_s for them at every joint reading, so nothing was scored and for 5 s the only stop was the
    proposals' (stale:proposal, 220 ms after an IMU's would have come). In real time (no sync_tick_s) the gate stops
    waiting once the newest contacts are older than joint_states may be: the stop is theirs, within that timeout,
    and no wait runs out. The robot streams on as a driver does, never waiting for an answer."""
    cost, robot = normal
    last, seen, timeouts, start = robot.t, len(robot.cmds), cost.readings.timeouts, time.monotonic()
    limit = cost.guard.config.timeout_joint_states
    ticks = []
    for _ in range(round(0.5 / STEP)):  # 0.5 s, as a driver streams: never waiting for an answer
        if robot.publish_step(skip=("feet",)):
            ticks.append(robot.t)
        time.sleep(0.01)
    wait_for(lambda: cost.proposal_stamp == pytest.approx(ticks[-1]), timeout=SYNC_TIMEOUT_S - 1.0)
    assert time.monotonic() - start < SYNC_TIMEOUT_S and cost.readings.timeouts == timeouts  # never waited out
    assert "invalid:joint_states" in cost.guard.last.reasons and "stale:proposal" not in cost.guard.last.reasons
    assert "foot_contacts: the newest is" in cost.guard.last.detail and "a contact stream that stopped" in \
        cost.guard.last.detail
    stop = next(stamp_to_sec(m.header.stamp) for m in robot.cmds[seen:] if twist(m) == ZERO)
    # The reading that shows it is one step past the limit, but a cost_node starved of CPU stamps its re-check with a
    # clock that ran on meanwhile (0.30 s against 0.29 beside two busy loops): the stop is judged by its reason above
    # and by coming long before the wait it used to need (sync_timeout_s, 5 s).
    assert stop - last <= limit + 0.25
    moves_again(cost, robot)
