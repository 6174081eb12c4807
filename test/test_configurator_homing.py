"""configurator_node homing the goal (configurator/goal_homing.py) through real rclpy: in lock-step an
odometry reading is judged only once the goal sighting of its instant is in, the goal moves onto the
sightings, "reached" follows the moved goal, and `agent/mode_stamped` carries both goals. Malformed
sightings are refused. Without sync_sightings (a real robot) a sighting is taken at the next reading and
nothing waits. Near a goal whose marker it has not seen, the robot looks around (configurator/look_around.py)
before the goal sent is reached by odometry."""

from __future__ import annotations

import math

import numpy as np
import pytest
import rclpy
from geometry_msgs.msg import PoseArray, PoseStamped
from model_nodes import spinning
from nav_msgs.msg import Odometry
from ros_probe import RosProbe
from sensor_msgs.msg import JointState

from lecun_agent.configurator.modes import Mode
from lecun_agent.messages.conversions import odometry_msg, sec_to_stamp, stamp_to_sec
from lecun_agent.messages.goal_sighting import sighting_msg
from lecun_agent.messages.mode import goal_of, mode_of
from lecun_agent.nodes.configurator_node import ConfiguratorNode
from lecun_agent.nodes.qos import COMMAND_QOS, SENSOR_QOS

pytestmark = pytest.mark.ros
SENT = (3.0, 0.0)
MARKER = np.array([2.8, 0.25])  # where the marker stands in the drifted odometry


class Body(RosProbe):
    """Plays the sim's odometry, perception's sightings and the user's goal."""

    def __init__(self) -> None:
        super().__init__("body", use_sim_time=False)
        self.odom_pub = self.create_publisher(Odometry, "odom", SENSOR_QOS)
        self.sighting_pub = self.create_publisher(PoseArray, "agent/goal_sighting", SENSOR_QOS)
        self.goal_pub = self.create_publisher(PoseStamped, "goal_pose", COMMAND_QOS)
        self.record(JointState, "agent/mode_stamped", SENSOR_QOS)

    def odom(self, stamp: float, x: float, y: float) -> None:
        self.odom_pub.publish(odometry_msg(stamp, np.array([x, y, 0.3]), np.array([0.0, 0.0, 0.0, 1.0]),
                                           np.zeros(3), np.zeros(3)))

    def sight(self, stamp: float, robot_xy, marker_xy=MARKER, frame_id: str | None = None) -> None:
        """The sighting of a frame at `stamp`: `marker_xy` (odom) seen from a robot at `robot_xy` facing +x."""
        msg = sighting_msg(sec_to_stamp(stamp), None if marker_xy is None else np.subtract(marker_xy, robot_xy))
        if frame_id is not None:
            msg.header.frame_id = frame_id
        self.sighting_pub.publish(msg)

    def judged(self, stamp: float) -> JointState | None:
        found = [m for m in self.received["agent/mode_stamped"] if abs(stamp_to_sec(m.header.stamp) - stamp) < 1e-6]
        return found[0] if found else None


def reaching(node: ConfiguratorNode) -> Body:
    """A Body heard by the configurator, which has taken the goal SENT and is in reach mode."""
    body = Body()
    body.spin_until(lambda: body.count_subscribers("agent/goal_sighting") > 0, 5.0)
    goal = PoseStamped()
    goal.header.frame_id = "odom"
    goal.pose.position.x, goal.pose.position.y = SENT
    body.goal_pub.publish(goal)
    assert body.spin_until(lambda: node.machine.mode == Mode.REACH, 10.0)
    return body


@pytest.fixture(scope="module", autouse=True)
def ros_context():
    rclpy.init()
    yield
    rclpy.try_shutdown()


@pytest.fixture(scope="module")
def setup():
    """A lock-step configurator, goal sent; the tests below go on from each other's readings."""
    with spinning(ConfiguratorNode, **{"goal_homing.need": 3, "sync_sightings": True}) as node:
        body = reaching(node)
        yield node, body
        body.destroy_node()


def test_without_sync_a_sighting_is_taken_at_the_next_reading_and_no_reading_waits():
    """A real robot: camera and odometry stamps never coincide, and a reading must not wait for a frame.
    (First in the file: no other configurator is up yet.)"""
    with spinning(ConfiguratorNode, **{"goal_homing.need": 1}) as node:
        body = reaching(node)
        body.odom(5.0, 1.5, 0.0)  # no sighting yet: judged at once
        assert body.spin_until(lambda: body.judged(5.0) is not None, 10.0)
        assert goal_of(body.judged(5.0))[1] == pytest.approx(SENT)
        body.sight(5.013, (1.5, 0.0))  # a frame between two readings
        assert body.spin_until(lambda: len(node.gate.history["sighting"]) > 0, 10.0)
        body.odom(5.02, 1.5, 0.0)
        assert body.spin_until(lambda: body.judged(5.02) is not None, 10.0)
        assert goal_of(body.judged(5.02))[1] == pytest.approx(MARKER)
        assert node.sightings["taken"] == 1 and node.gate.timeouts == 0
        body.destroy_node()


@pytest.mark.parametrize("glimpsed", [False, True])
def test_near_a_goal_whose_marker_was_glimpsed_it_looks_around_from_its_path_then_reaches_the_goal_sent(glimpsed):
    """One sighting (of 3 needed) says the goal is marked; a goal never seen may have no marker, and is reached by
    odometry at once."""
    with spinning(ConfiguratorNode, **{"look_around.give_up_s": 1.0}) as node:
        body = reaching(node)
        if glimpsed:
            body.sight(5.95, (1.0, 0.0))
            assert body.spin_until(lambda: len(node.gate.history["sighting"]) > 0, 10.0)
        for k, x in enumerate((1.0, 1.5, 1.8, 2.2, 2.5, 2.8, 2.95)):  # walked to the goal sent, no more sightings
            body.odom(6.0 + 0.1 * k, x, 0.0)
            assert body.spin_until(lambda s=6.0 + 0.1 * k: body.judged(s) is not None, 10.0)
        if not glimpsed:
            assert mode_of(body.judged(6.6)) == "rest" and node._report()[2]["look_arounds"] == 0
            body.destroy_node()
            return
        assert node.sightings["taken"] == 1
        sent, target, look_at = goal_of(body.judged(6.6))
        assert target == pytest.approx([1.8, 0.0])  # back on its path, 1.2 m from the goal sent
        assert np.linalg.norm(look_at - target) == pytest.approx(1.2)  # round the goal sent, as seen from there
        assert mode_of(body.judged(6.6)) == "reach" and node.machine.mode == Mode.REACH  # 0.05 m: not reached
        body.odom(7.7, 2.95, 0.0)  # no sighting for more than give_up_s
        assert body.spin_until(lambda: body.judged(7.7) is not None, 10.0)
        assert mode_of(body.judged(7.7)) == "rest" and "goal reached" in node.machine.history[-1].reason
        assert node._report()[2]["look_arounds"] == 1
        body.destroy_node()


def test_a_reading_waits_for_the_sighting_of_its_instant_and_the_goal_moves_onto_the_sightings(setup):
    node, body = setup
    for k, stamp in enumerate((1.0, 1.1, 1.2)):
        robot = (1.2 + 0.1 * k, 0.0)
        body.odom(stamp, *robot)
        body.spin_until(lambda: False, 0.3)
        assert body.judged(stamp) is None, "judged before the sighting of its instant came"
        body.sight(stamp, robot)
        assert body.spin_until(lambda s=stamp: body.judged(s) is not None, 10.0)
        sent, target, look_at = goal_of(body.judged(stamp))
        assert sent == pytest.approx(SENT)
        assert target == pytest.approx(SENT if k < 2 else MARKER), k  # moves with the third sighting
        assert look_at is None  # not looking around: 1.5 m and more from the goal
    assert node.gate.timeouts == 0


def test_sightings_of_no_marker_or_a_malformed_one_leave_the_goal_and_are_counted(setup):
    node, body = setup
    refused = node.sightings["refused"]
    for stamp, marker, frame_id in ((2.0, None, None), (2.1, MARKER, "odom"), (2.2, (math.nan, 0.0), None)):
        body.odom(stamp, 1.5, 0.0)
        body.sight(stamp, (1.5, 0.0), marker, frame_id)
        assert body.spin_until(lambda s=stamp: body.judged(s) is not None, 10.0)
        assert goal_of(body.judged(stamp))[1] == pytest.approx(MARKER)
    assert node.sightings["refused"] == refused + 2


def test_the_goal_is_reached_where_the_marker_is_not_where_odometry_put_it(setup):
    node, body = setup
    body.odom(3.0, 2.95, 0.0)  # 0.05 m from the goal sent, 0.26 m from the marker
    body.sight(3.0, (2.95, 0.0), None)  # too near to see its foot
    assert body.spin_until(lambda: body.judged(3.0) is not None, 10.0)
    assert mode_of(body.judged(3.0)) == "reach"
    body.odom(3.1, 2.78, 0.2)
    body.sight(3.1, (2.78, 0.2), None)
    assert body.spin_until(lambda: body.judged(3.1) is not None, 10.0)
    assert mode_of(body.judged(3.1)) == "rest" and "goal reached" in node.machine.history[-1].reason
    assert goal_of(body.judged(3.1)) is None  # no goal held once it is reached

