"""configurator_node with a real cost_node: mode events, and the rule that the user owns the weights
(no mode change ever writes cost_node's weights.<term>)."""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path

import pytest
import rclpy
from geometry_msgs.msg import PoseStamped
from nav_msgs.msg import Odometry
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.parameter import Parameter
from sensor_msgs.msg import Imu, JointState
from std_msgs.msg import String

from lecun_agent.configurator.modes import Mode
from lecun_agent.messages.conversions import sec_to_stamp, stamp_to_sec
from lecun_agent.messages.mode import mode_of
from lecun_agent.nodes.configurator_node import ConfiguratorNode
from lecun_agent.nodes.cost_node import CostNode
from lecun_agent.nodes.qos import COMMAND_QOS, LATCHED_QOS, SENSOR_QOS

pytestmark = pytest.mark.ros
USER_ENERGY = 0.037  # what the user tuned; no mode change may touch it


class Operator(Node):
    def __init__(self) -> None:
        super().__init__("operator")
        self.goal_pub = self.create_publisher(PoseStamped, "goal_pose", COMMAND_QOS)
        self.odom_pub = self.create_publisher(Odometry, "odom", SENSOR_QOS)
        self.imu_pub = self.create_publisher(Imu, "imu/data", SENSOR_QOS)
        self.modes: list[str] = []
        self.create_subscription(String, "agent/mode", lambda m: self.modes.append(m.data), LATCHED_QOS)
        self.stamped: list[tuple[float, str | None]] = []
        self.create_subscription(JointState, "agent/mode_stamped",
                                 lambda m: self.stamped.append((stamp_to_sec(m.header.stamp), mode_of(m))), SENSOR_QOS)

    def goal(self, x: float, y: float) -> None:
        msg = PoseStamped()
        msg.header.frame_id = "odom"
        msg.pose.position.x, msg.pose.position.y = x, y
        self.goal_pub.publish(msg)

    def at(self, x: float, y: float, stamp: float = 0.0) -> None:
        msg = Odometry()
        msg.header.stamp = sec_to_stamp(stamp)
        msg.pose.pose.position.x, msg.pose.pose.position.y, msg.pose.pose.position.z = x, y, 0.3
        msg.pose.pose.orientation.w = 1.0
        self.odom_pub.publish(msg)

    def set_remote(self, node: Node, values: dict):
        """Set parameters through the node's parameter service, as `ros2 param set` does."""
        from rcl_interfaces.srv import SetParameters

        client = self.create_client(SetParameters, f"/{node.get_name()}/set_parameters")
        assert client.wait_for_service(timeout_sec=5.0)
        future = client.call_async(SetParameters.Request(
            parameters=[Parameter(k, value=v).to_parameter_msg() for k, v in values.items()]))
        wait_for(future.done)
        return future.result().results[0]

    def tilted(self, angle: float) -> None:
        msg = Imu()
        msg.orientation.x, msg.orientation.w = math.sin(angle / 2), math.cos(angle / 2)
        self.imu_pub.publish(msg)


def wait_for(predicate, timeout: float = 30.0) -> None:  # a bound, not a speed: CI shares its cores
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


@pytest.fixture(scope="module")
def ros():
    rclpy.init()
    # Odometry alone decides here: no perception sends goal sightings (homing: test_configurator_homing.py).
    odometry_only = [Parameter("goal_homing.enabled", value=False)]
    cost, conf, op = CostNode(), ConfiguratorNode(parameter_overrides=odometry_only), Operator()
    executor = SingleThreadedExecutor()
    for node in (cost, conf, op):
        executor.add_node(node)
    thread = threading.Thread(target=executor.spin, daemon=True)
    thread.start()
    result = op.set_remote(cost, {"weights.energy": USER_ENERGY})
    assert result.successful, result.reason
    yield cost, conf, op
    executor.shutdown()
    thread.join(timeout=5.0)
    for node in (cost, conf, op):
        node.destroy_node()
    rclpy.try_shutdown()


def user_weights_kept(cost: CostNode) -> bool:
    stored = cost.get_parameter("weights.energy").value
    return cost.cost.weights["energy"] == USER_ENERGY and stored == USER_ENERGY


def test_starts_in_explore(ros):
    cost, conf, op = ros
    wait_for(lambda: op.modes and op.modes[-1] == "explore")
    assert user_weights_kept(cost)


def test_goal_reach_rest_cycle_leaves_the_users_weights(ros):
    cost, conf, op = ros
    op.goal(1.0, 0.0)
    wait_for(lambda: conf.machine.mode == Mode.REACH and op.modes[-1] == "reach")
    assert conf.get_parameter("mode").value == "reach"
    op.at(0.0, 0.0)
    time.sleep(0.2)
    assert conf.machine.mode == Mode.REACH  # still 1 m away
    op.at(0.95, 0.03)  # inside goal_tolerance (0.1 m)
    wait_for(lambda: conf.machine.mode == Mode.REST and op.modes[-1] == "rest")
    time.sleep(0.3)
    assert user_weights_kept(cost)


def test_fall_sends_to_rest(ros):
    cost, conf, op = ros
    op.goal(5.0, 5.0)
    wait_for(lambda: conf.machine.mode == Mode.REACH)
    op.tilted(1.4)
    wait_for(lambda: conf.machine.mode == Mode.REST)
    assert "fall" in conf.machine.history[-1].reason
    assert user_weights_kept(cost)


def test_untrusted_readings_are_no_goal_reached_and_no_fall(ros):
    cost, conf, op = ros
    op.goal(1.0, 0.0)
    wait_for(lambda: conf.machine.mode == Mode.REACH)
    op.at(float("nan"), 0.0)
    msg = Imu()
    msg.orientation.x, msg.orientation.w = math.inf, 1.0  # reads as a tilt of pi if trusted
    op.imu_pub.publish(msg)
    op.tilted(0.1)  # a good reading after them: all three were taken in order
    time.sleep(0.3)
    assert conf.machine.mode == Mode.REACH and conf.machine.goal is not None
    op.at(0.95, 0.0)  # inside goal_tolerance
    wait_for(lambda: conf.machine.mode == Mode.REST and "goal reached" in conf.machine.history[-1].reason)


def test_operator_sets_mode(ros):
    cost, conf, op = ros
    conf.set_parameters([Parameter("mode", value="explore")])
    wait_for(lambda: conf.machine.mode == Mode.EXPLORE and op.modes[-1] == "explore")
    result = conf.set_parameters([Parameter("mode", value="sprint")])[0]
    assert not result.successful and "must be one of" in result.reason
    assert user_weights_kept(cost)


def test_the_mode_goes_out_stamped_with_each_odometry_reading_it_was_judged_on(ros):
    """What lets a lock-step agent rest at the same tick in every run (actor_node's TickGate)."""
    cost, conf, op = ros
    op.goal(3.0, 0.0)
    wait_for(lambda: conf.machine.mode == Mode.REACH)
    op.at(2.0, 0.0, stamp=20.0)
    wait_for(lambda: (20.0, "reach") in op.stamped)
    op.at(2.95, 0.0, stamp=20.02)  # inside goal_tolerance
    wait_for(lambda: (20.02, "rest") in op.stamped)
    op.at(float("nan"), 0.0, stamp=20.04)  # untrusted: no event, but the instant is judged
    wait_for(lambda: (20.04, "rest") in op.stamped)


def test_the_robot_profile_stands_until_a_goal(ros):
    """config/profiles/robot_example.yaml starts in rest: on a robot the agent must not walk off without
    a goal (rest -> reach on a goal: test_configurator_core.py)."""
    profile = Path(__file__).resolve().parents[1] / "config" / "profiles" / "robot_example.yaml"
    node = ConfiguratorNode(cli_args=["--ros-args", "--params-file", str(profile)])
    try:
        assert node.machine.mode == Mode.REST and node.get_parameter("mode").value == "rest"
    finally:
        node.destroy_node()
