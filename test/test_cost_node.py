"""cost_node through real ROS: published cost, weight parameters via the parameter services, guardrail.

One cost_node and one helper node (playing robot, agent and operator) run in this test
process on an isolated domain (see conftest.py). The helper publishes the sensor streams
at 50 Hz, proposes commands and calls the same services `ros2 param set` and
`ros2 service call` use.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import rclpy
from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import PoseStamped, TwistStamped
from nav_msgs.msg import Odometry, Path
from rcl_interfaces.srv import GetParameters, SetParameters, SetParametersAtomically
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.parameter import Parameter
from sensor_msgs.msg import Imu, JointState
from std_msgs.msg import Bool
from std_srvs.srv import Trigger

from lecun_agent.body.readings import FOOT_LINKS, Readings
from lecun_agent.cost.weights import SAFETY_TERMS
from lecun_agent.messages.conversions import (
    contacts_msg,
    imu_msg,
    joint_state_msg,
    odometry_msg,
    stamp_to_sec,
    twist_msg,
)
from lecun_agent.nodes.cost_node import CostNode
from lecun_agent.nodes.qos import COMMAND_QOS, LATCHED_QOS, SENSOR_QOS

pytestmark = pytest.mark.ros
log = logging.getLogger(__name__)
PERIOD = 0.02  # s, sensor and guardrail period (50 Hz)
NORMAL = (0.3, 0.0, 0.2)


class Robot(Node):
    """Publishes sensors and proposals at 50 Hz; records what cost_node sends back."""

    def __init__(self) -> None:
        super().__init__("fake_robot")
        self.sources = {"joint_states", "imu", "odom", "proposal"}
        self.cmd = np.array(NORMAL)
        self.last_stamp: dict[str, float] = {}
        pub = self.create_publisher
        self.pubs = {
            "joint_states": pub(JointState, "joint_states", SENSOR_QOS),
            "imu": pub(Imu, "imu/data", SENSOR_QOS),
            "odom": pub(Odometry, "odom", SENSOR_QOS),
            "feet": pub(JointState, "foot_contacts", SENSOR_QOS),
            "proposal": pub(TwistStamped, "agent/cmd_vel_proposed", COMMAND_QOS),
        }
        self.plan_pub = pub(Path, "agent/plan", COMMAND_QOS)
        self.plan_costs_pub = pub(JointState, "agent/plan_costs", COMMAND_QOS)
        self.e_stop_pub = pub(Bool, "e_stop", LATCHED_QOS)
        self.goal_pub = pub(PoseStamped, "goal_pose", COMMAND_QOS)
        self.costs: list[tuple[float, JointState]] = []
        self.cmds: list[tuple[float, TwistStamped]] = []
        self.diags: list[DiagnosticArray] = []
        self.create_subscription(JointState, "agent/cost", lambda m: self.costs.append((time.time(), m)),
                                 SENSOR_QOS)
        self.create_subscription(TwistStamped, "cmd_vel", lambda m: self.cmds.append((time.time(), m)), 50)
        self.create_subscription(DiagnosticArray, "diagnostics", self.diags.append, 10)
        self.create_timer(PERIOD, self._publish)

    def now_s(self) -> float:
        return self.get_clock().now().nanoseconds * 1e-9

    def _publish(self) -> None:
        t = self.now_s()
        r = Readings(
            stamp=t, joint_pos=np.array([0.0, 0.8, -1.5] * 4), joint_vel=np.full(12, 1.0),
            joint_effort=np.full(12, 2.0), imu_quat=np.array([0, 0, 0, 1.0]), imu_gyro=np.zeros(3),
            imu_accel=np.array([0, 0, 9.81]), foot_forces=np.full(4, 30.0), odom_pos=np.array([0, 0, 0.3]),
            odom_quat=np.array([0, 0, 0, 1.0]), odom_lin_vel=np.zeros(3), odom_ang_vel=np.zeros(3),
        )
        msgs = {
            "joint_states": joint_state_msg(r), "imu": imu_msg(r),
            "feet": contacts_msg(t, FOOT_LINKS, r.foot_forces),
            "odom": odometry_msg(t, r.odom_pos, r.odom_quat, r.odom_lin_vel, r.odom_ang_vel),
            "proposal": twist_msg(self.get_clock().now().to_msg(), self.cmd),
        }
        # joint_states last: cost_node scores on it, with the imu and odom of this same tick
        for name in ("imu", "odom", "feet", "proposal", "joint_states"):
            if name in self.sources or name == "feet":
                self.pubs[name].publish(msgs[name])
                self.last_stamp[name] = t


@pytest.fixture(scope="module")
def ros():
    rclpy.init()
    cost, robot = CostNode(), Robot()
    executor = SingleThreadedExecutor()
    executor.add_node(cost)
    executor.add_node(robot)
    thread = threading.Thread(target=executor.spin, daemon=True)
    thread.start()
    wait_for(lambda: len(robot.costs) > 5 and len(robot.cmds) > 5, 10.0)
    yield cost, robot
    executor.shutdown()
    thread.join(timeout=5.0)
    cost.destroy_node()
    robot.destroy_node()
    rclpy.try_shutdown()


@pytest.fixture
def normal(ros):
    """Every input flowing, a normal proposal, no e-stop, no plan; the output settled."""
    cost, robot = ros
    robot.sources = {"joint_states", "imu", "odom", "proposal"}
    robot.cmd = np.array(NORMAL)
    cost.guard.reset_e_stop()
    time.sleep(0.6)
    return cost, robot


def wait_for(predicate, timeout: float) -> bool:
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.005)
    raise AssertionError("condition not met in time")


def call(node: Node, kind, name: str, request, timeout: float = 5.0):
    client = node.create_client(kind, name)
    try:
        assert client.wait_for_service(timeout_sec=timeout), f"service {name} not available"
        future = client.call_async(request)
        wait_for(future.done, timeout)
        return future.result()
    finally:
        node.destroy_client(client)


def set_param(robot: Robot, name: str, value):
    request = SetParameters.Request(parameters=[Parameter(name, value=value).to_parameter_msg()])
    return call(robot, SetParameters, "/cost_node/set_parameters", request).results[0]


def get_params(robot: Robot, names: list[str]) -> dict:
    response = call(robot, GetParameters, "/cost_node/get_parameters", GetParameters.Request(names=names))
    return {n: v.double_value for n, v in zip(names, response.values, strict=True)}


def cost_row(msg: JointState, column: str) -> dict[str, float]:
    values = msg.position if column == "weighted" else msg.effort
    return dict(zip(msg.name, values, strict=True))


# ---- published cost ------------------------------------------------------------------------
def test_cost_published_named_and_stamped(normal):
    cost, robot = normal
    _, msg = robot.costs[-1]
    assert list(msg.name) == [*cost.cost.term_names, "total"]
    raw, weighted = cost_row(msg, "raw"), cost_row(msg, "weighted")
    assert raw["energy"] == pytest.approx(24.0)  # 12 joints x 2 N*m x 1 rad/s
    assert weighted["energy"] == pytest.approx(24.0 * cost.cost.weights["energy"])
    assert weighted["total"] == pytest.approx(sum(v for k, v in weighted.items() if k != "total"))
    sent = {round(s, 6) for s in [robot.last_stamp["joint_states"]]}
    assert stamp_to_sec(msg.header.stamp) <= max(sent) + 1e-6  # the joint reading's stamp, carried forward
    rates = [t for t, _ in robot.costs[-30:]]
    assert (rates[-1] - rates[0]) / (len(rates) - 1) == pytest.approx(PERIOD, rel=0.5)  # sensor rate


def test_valid_weight_change_seen_within_one_period(normal):
    cost, robot = normal
    result = set_param(robot, "weights.energy", 0.05)
    t_set = time.time()
    assert result.successful, result.reason
    wait_for(lambda: robot.costs[-1][0] > t_set + PERIOD, 2.0)
    after = [(t, m) for t, m in robot.costs if t > t_set]
    t_first, first = after[0]
    assert cost_row(first, "weighted")["energy"] == pytest.approx(24.0 * 0.05)
    log.info("weight change seen in agent/cost %.3f s after the set_parameters reply", t_first - t_set)
    assert t_first - t_set <= PERIOD + 0.03  # one control period, plus scheduling slack on 2 shared cores
    assert get_params(robot, ["weights.energy"])["weights.energy"] == 0.05
    assert set_param(robot, "weights.energy", 0.01).successful


@pytest.mark.parametrize(
    "name, value, words",
    [
        # rclpy checks the FloatingPointRange [floor, max] first, and its reason names the bounds
        ("weights.pain", -1.0, "out of range Min: 0.5"),
        ("weights.energy", -0.1, "out of range Min: 0.0"),
        ("weights.energy", math.nan, "out of range Min: 0.0"),
        ("weights.fall", math.inf, "out of range Min: 50.0"),
        ("weights.pain", 0.1, "out of range Min: 0.5"),
        ("weights.force", 0.0, "out of range Min: 0.5"),
        ("weights.bogus", 1.0, "unknown parameter 'weights.bogus'"),
        ("bogus", 1.0, "unknown parameter"),
        ("floors.pain", 0.01, "read-only"),
        ("weights.pain", "high", "Wrong parameter type"),
    ],
)
def test_bad_weight_rejected_with_reason_nothing_changes(normal, name, value, words):
    cost, robot = normal
    names = [f"weights.{n}" for n in cost.cost.term_names] + [f"floors.{n}" for n in SAFETY_TERMS]
    before = get_params(robot, names)
    result = set_param(robot, name, value)
    assert not result.successful
    log.info("%s=%r rejected: %s", name, value, result.reason)
    assert words in result.reason, result.reason
    assert get_params(robot, names) == before
    time.sleep(2 * PERIOD)
    weighted = cost_row(robot.costs[-1][1], "weighted")
    raw = cost_row(robot.costs[-1][1], "raw")
    assert weighted["energy"] == pytest.approx(raw["energy"] * before["weights.energy"])


def test_atomic_set_rejects_all(normal):
    cost, robot = normal
    request = SetParametersAtomically.Request(parameters=[
        Parameter("weights.energy", value=0.3).to_parameter_msg(),
        Parameter("weights.pain", value=0.0).to_parameter_msg(),
    ])
    result = call(robot, SetParametersAtomically, "/cost_node/set_parameters_atomically", request).result
    assert not result.successful and "pain" in result.reason
    assert get_params(robot, ["weights.energy"])["weights.energy"] == 0.01


# ---- guardrail -----------------------------------------------------------------------------
def latest_cmd(robot: Robot) -> np.ndarray:
    t = robot.cmds[-1][1].twist
    return np.array([t.linear.x, t.linear.y, t.angular.z])


def test_normal_command_passes_unchanged(normal):
    cost, robot = normal
    for _, msg in robot.cmds[-10:]:
        t = msg.twist
        assert (t.linear.x, t.linear.y, t.angular.z) == NORMAL
    assert cost.last_reasons == ()


@pytest.mark.parametrize("source", ["imu", "joint_states", "odom", "proposal"])
def test_stale_input_stops_within_timeout_plus_one_tick(normal, source):
    cost, robot = normal
    robot.sources = robot.sources - {source}
    time.sleep(0.01)
    last = robot.last_stamp[source] if source != "proposal" else stamp_to_sec(robot.cmds[-1][1].header.stamp)
    wait_for(lambda: not latest_cmd(robot).any(), 2.0)
    stop_stamp = stamp_to_sec(robot.cmds[-1][1].header.stamp)  # node-clock time of the stop decision
    timeout = getattr(cost.guard.config, f"timeout_{source}")
    log.info("stale %s: stopped %.3f s after its last message (timeout %.2f s)", source,
             stop_stamp - last, timeout)
    assert stop_stamp - last <= timeout + PERIOD + 0.03, (stop_stamp - last, timeout)
    assert f"stale:{source}" in cost.last_reasons
    assert cost.guard.counts[f"stale:{source}"] >= 1


def test_nan_command_stops(normal):
    cost, robot = normal
    robot.cmd = np.array([math.nan, 0.0, 0.0])
    wait_for(lambda: cost.last_reasons == ("nan_command",), 1.0)
    time.sleep(0.1)
    assert not latest_cmd(robot).any()


def test_e_stop_latches_until_reset(normal):
    cost, robot = normal
    assert call(robot, Trigger, "/e_stop", Trigger.Request()).success
    time.sleep(0.5)
    assert cost.last_reasons == ("e_stop",) and not latest_cmd(robot).any()
    robot.e_stop_pub.publish(Bool(data=False))  # False releases nothing: only the reset does
    time.sleep(0.2)
    assert not latest_cmd(robot).any()
    reply = call(robot, Trigger, "/reset_e_stop", Trigger.Request())
    assert reply.success and "released" in reply.message
    wait_for(lambda: latest_cmd(robot)[0] == NORMAL[0], 2.0)
    robot.e_stop_pub.publish(Bool(data=True))  # the latched topic works too
    wait_for(lambda: cost.last_reasons == ("e_stop",), 2.0)
    call(robot, Trigger, "/reset_e_stop", Trigger.Request())
    wait_for(lambda: latest_cmd(robot)[0] == NORMAL[0], 2.0)


def publish_plan(robot: Robot, tilts: np.ndarray) -> None:
    stamp = robot.get_clock().now().to_msg()
    path = Path()
    path.header.stamp, path.header.frame_id = stamp, "odom"
    path.poses = [PoseStamped() for _ in tilts]
    steps = range(len(tilts))
    costs = JointState(name=[f"tilt[{h}]" for h in steps] + [f"pain[{h}]" for h in steps])
    costs.header.stamp = stamp
    costs.position = [float(v) for v in tilts] + [0.0] * len(tilts)
    robot.plan_pub.publish(path)
    robot.plan_costs_pub.publish(costs)


def test_plan_predicting_fall_is_vetoed(normal):
    cost, robot = normal
    publish_plan(robot, np.linspace(0.0, 1.3, 10))  # falls over at the end of its horizon
    wait_for(lambda: cost.last_reasons == ("plan_veto:tilt",), 1.0)
    time.sleep(0.1)
    assert not latest_cmd(robot).any()
    publish_plan(robot, np.zeros(10))  # a safe replan lifts the veto
    wait_for(lambda: latest_cmd(robot)[0] == NORMAL[0], 2.0)


def test_diagnostics_report_counts_and_reasons(normal):
    cost, robot = normal
    wait_for(lambda: len(robot.diags) > 0, 3.0)
    status = [s for a in robot.diags for s in a.status if s.name == "cost_node"][-1]
    keys = {kv.key: kv.value for kv in status.values}
    assert "count.stale:imu" in keys and int(keys["count.e_stop"]) > 0
    assert "weight.pain" in keys and "cost.total" in keys


def test_final_zero_on_sigint(normal):
    """A cost_node process sends a last zero cmd_vel when interrupted (spin_node's shutdown hook)."""
    _, robot = normal
    out: list[TwistStamped] = []
    sub = robot.create_subscription(TwistStamped, "/guarded_cmd", out.append, 50)
    remaps = [f"{t}:=/{t}" for t in ("joint_states", "imu/data", "odom", "agent/cmd_vel_proposed")]
    args = ["--ros-args", "-r", "__node:=cost_node_proc", "-r", "cmd_vel:=/guarded_cmd",
            "-r", "e_stop:=/e_stop_proc", "-r", "reset_e_stop:=/reset_e_stop_proc",
            "-r", "diagnostics:=/diagnostics_proc"]
    for remap in remaps:
        args += ["-r", remap]
    proc = subprocess.Popen([sys.executable, "-m", "lecun_agent.nodes.cost_node", *args],
                            env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: any(m.twist.linear.x == NORMAL[0] for m in out), 15.0)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10.0) == 0
        time.sleep(0.2)
        last = out[-1].twist
        assert (last.linear.x, last.linear.y, last.angular.z) == (0.0, 0.0, 0.0)
    finally:
        if proc.poll() is None:
            proc.kill()
        robot.destroy_subscription(sub)
