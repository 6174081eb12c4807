"""configurator_node with a real cost_node: mode events, weight pushes through the parameter service,
and floors that no profile can undercut (cost_node here runs with a stricter pain floor of 2.0)."""

from __future__ import annotations

import math
import threading
import time

import pytest
import rclpy
from geometry_msgs.msg import PoseStamped
from nav_msgs.msg import Odometry
from rcl_interfaces.srv import SetParameters
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.parameter import Parameter
from sensor_msgs.msg import Imu
from std_msgs.msg import String

from lecun_agent.configurator.modes import Mode
from lecun_agent.configurator.profiles import DEFAULT_PROFILES
from lecun_agent.nodes.common import COMMAND_QOS, LATCHED_QOS, SENSOR_QOS
from lecun_agent.nodes.configurator_node import ConfiguratorNode
from lecun_agent.nodes.cost_node import CostNode
from lecun_agent.paths import config_path

pytestmark = pytest.mark.ros
COST_FLOOR_PAIN = 2.0  # cost_node's own floor, stricter than the configurator's 0.5


class Operator(Node):
    def __init__(self) -> None:
        super().__init__("operator")
        self.goal_pub = self.create_publisher(PoseStamped, "goal_pose", COMMAND_QOS)
        self.odom_pub = self.create_publisher(Odometry, "odom", SENSOR_QOS)
        self.imu_pub = self.create_publisher(Imu, "imu/data", SENSOR_QOS)
        self.modes: list[str] = []
        self.create_subscription(String, "agent/mode", lambda m: self.modes.append(m.data), LATCHED_QOS)

    def goal(self, x: float, y: float) -> None:
        msg = PoseStamped()
        msg.header.frame_id = "odom"
        msg.pose.position.x, msg.pose.position.y = x, y
        self.goal_pub.publish(msg)

    def at(self, x: float, y: float) -> None:
        msg = Odometry()
        msg.pose.pose.position.x, msg.pose.pose.position.y, msg.pose.pose.position.z = x, y, 0.3
        msg.pose.pose.orientation.w = 1.0
        self.odom_pub.publish(msg)

    def tilted(self, angle: float) -> None:
        msg = Imu()
        msg.orientation.x, msg.orientation.w = math.sin(angle / 2), math.cos(angle / 2)
        self.imu_pub.publish(msg)


def wait_for(predicate, timeout: float = 5.0) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


@pytest.fixture(scope="module")
def ros():
    rclpy.init()
    strict = ["-p", f"floors.pain:={COST_FLOOR_PAIN}", "-p", f"weights.pain:={COST_FLOOR_PAIN}"]
    cost = CostNode(cli_args=["--ros-args", "--params-file", str(config_path("cost_node.yaml")), *strict])
    conf_file = str(config_path("configurator_node.yaml"))
    conf = ConfiguratorNode(cli_args=["--ros-args", "--params-file", conf_file])
    op = Operator()
    executor = SingleThreadedExecutor()
    for node in (cost, conf, op):
        executor.add_node(node)
    thread = threading.Thread(target=executor.spin, daemon=True)
    thread.start()
    yield cost, conf, op
    executor.shutdown()
    thread.join(timeout=5.0)
    for node in (cost, conf, op):
        node.destroy_node()
    rclpy.try_shutdown()


def expected(mode: Mode) -> dict[str, float]:
    weights = dict(DEFAULT_PROFILES[mode])
    weights["pain"] = max(weights["pain"], COST_FLOOR_PAIN)
    return weights


def in_mode(conf: ConfiguratorNode, cost: CostNode, mode: Mode) -> bool:
    return conf.machine.mode == mode and cost.cost.weights == pytest.approx(expected(mode))


def test_starts_in_explore_and_pushes_its_profile_above_floors(ros):
    cost, conf, op = ros
    wait_for(lambda: conf.stats["pushes"] >= 1)
    assert conf.floors["pain"] == COST_FLOOR_PAIN  # read from cost_node's floors.pain
    assert cost.cost.weights == pytest.approx(expected(Mode.EXPLORE))
    wait_for(lambda: op.modes and op.modes[-1] == "explore")


def test_goal_reach_rest_cycle_switches_weights(ros):
    cost, conf, op = ros
    op.goal(1.0, 0.0)
    wait_for(lambda: in_mode(conf, cost, Mode.REACH))
    wait_for(lambda: op.modes[-1] == "reach")
    assert conf.get_parameter("mode").value == "reach"
    op.at(0.0, 0.0)
    time.sleep(0.2)
    assert conf.machine.mode == Mode.REACH  # still 1 m away
    op.at(0.9, 0.05)
    wait_for(lambda: in_mode(conf, cost, Mode.REST))
    wait_for(lambda: op.modes[-1] == "rest")


def test_fall_sends_to_rest(ros):
    cost, conf, op = ros
    op.goal(5.0, 5.0)
    wait_for(lambda: conf.machine.mode == Mode.REACH)
    op.tilted(1.4)
    wait_for(lambda: in_mode(conf, cost, Mode.REST))
    assert "fall" in conf.machine.history[-1].reason


def test_profile_under_floor_is_never_pushed(ros):
    cost, conf, op = ros
    op.goal(9.0, 9.0)
    wait_for(lambda: conf.machine.mode == Mode.REACH)
    pushes = conf.stats["pushes"]
    request = SetParameters.Request(parameters=[
        Parameter("profiles.reach.pain", value=0.0).to_parameter_msg(),
        Parameter("profiles.reach.fall", value=1.0).to_parameter_msg(),
        Parameter("profiles.reach.energy", value=0.2).to_parameter_msg(),
    ])
    client = op.create_client(SetParameters, "/configurator_node/set_parameters")
    assert client.wait_for_service(timeout_sec=5.0)
    future = client.call_async(request)
    wait_for(future.done)
    assert all(r.successful for r in future.result().results)  # profiles may ask; pushes are clipped
    wait_for(lambda: conf.stats["pushes"] > pushes and cost.cost.weights["energy"] == 0.2)
    assert cost.cost.weights["pain"] == COST_FLOOR_PAIN and cost.cost.weights["fall"] == 50.0
    assert conf.stats["push_failures"] == 0 and conf.stats["floor_raises"] >= 1


def test_operator_sets_mode(ros):
    cost, conf, op = ros
    conf.set_parameters([Parameter("mode", value="explore")])
    wait_for(lambda: conf.machine.mode == Mode.EXPLORE and op.modes[-1] == "explore")
    wait_for(lambda: cost.cost.weights["goal_distance"] == 0.0)
