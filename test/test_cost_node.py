"""cost_node through real ROS on sim time: published cost, weights via the parameter services, guardrail.

One cost_node and one helper node (playing robot, agent and operator) run in this test process
on an isolated domain (see conftest.py). The helper owns the clock: it publishes /clock and the
sensor streams stamped with it, one 20 ms control step at a time, and proposes a command every
0.1 s agent tick, so every time the guardrail judges is sim time, whatever the machine's load.
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
from contextlib import contextmanager

import numpy as np
import pytest
import rclpy
from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import PoseStamped, Twist, TwistStamped
from nav_msgs.msg import Odometry, Path
from rcl_interfaces.srv import GetParameters, SetParameters, SetParametersAtomically
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.parameter import Parameter
from rosgraph_msgs.msg import Clock
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
    sec_to_stamp,
    stamp_to_sec,
    twist_msg,
)
from lecun_agent.messages.plans import named_values
from lecun_agent.nodes.cost_node import CostNode
from lecun_agent.nodes.qos import COMMAND_QOS, LATCHED_QOS, SENSOR_QOS
from lecun_agent.nodes.tick_gate import SYNC_TIMEOUT_S

pytestmark = pytest.mark.ros
log = logging.getLogger(__name__)
STEP, TICK = 0.02, 0.1  # s: control step, agent tick
NORMAL = (0.3, 0.0, 0.2)


def reading(t: float, **over) -> Readings:
    base = dict(stamp=t, joint_pos=np.array([0.0, 0.8, -1.5] * 4), joint_vel=np.full(12, 1.0),
                joint_effort=np.full(12, 2.0), imu_quat=np.array([0, 0, 0, 1.0]), imu_gyro=np.zeros(3),
                imu_accel=np.array([0, 0, 9.81]), foot_forces=np.full(4, 30.0),
                odom_pos=np.array([0, 0, 0.3]), odom_quat=np.array([0, 0, 0, 1.0]), odom_lin_vel=np.zeros(3),
                odom_ang_vel=np.zeros(3))
    return Readings(**{**base, **over})


class Robot(Node):
    """Publishes /clock and sensors one step at a time; proposes at ticks; records what comes back."""

    def __init__(self) -> None:
        super().__init__("fake_robot")
        pub = self.create_publisher
        self.clock_pub = pub(Clock, "/clock", 10)
        self.pubs = {"joint_states": pub(JointState, "joint_states", SENSOR_QOS),
                     "imu": pub(Imu, "imu/data", SENSOR_QOS),
                     "odom": pub(Odometry, "odom", SENSOR_QOS),
                     "feet": pub(JointState, "foot_contacts", SENSOR_QOS)}
        self.proposal_pub = pub(TwistStamped, "agent/cmd_vel_proposed", COMMAND_QOS)
        self.plan_pub = pub(Path, "agent/plan", COMMAND_QOS)
        self.plan_costs_pub = pub(JointState, "agent/plan_costs", COMMAND_QOS)
        self.e_stop_pub = pub(Bool, "e_stop", LATCHED_QOS)
        self.goal_pub = pub(PoseStamped, "goal_pose", COMMAND_QOS)
        self.costs: list[JointState] = []
        self.cmds: list[TwistStamped] = []
        self.unstamped: list[Twist] = []  # cmd_vel_unstamped (on in this module's cost_node)
        self.diags: list[DiagnosticArray] = []
        self.create_subscription(JointState, "agent/cost", self.costs.append, SENSOR_QOS)
        self.create_subscription(TwistStamped, "cmd_vel", self.cmds.append, 50)
        self.create_subscription(Twist, "cmd_vel_unstamped", self.unstamped.append, 50)
        self.create_subscription(DiagnosticArray, "diagnostics", self.diags.append, 10)
        # Subscribed here, never in a test: this node spins in `guarding`'s executor thread, and an entity destroyed
        # from the test thread while that thread builds its wait set kills the executor (InvalidHandle), and with
        # it every later test of the module (a CI run, 2026-12-07). Clients, too, are made once (`call`).
        self.definitions: list[JointState] = []
        self.create_subscription(JointState, "cost/definition", self.definitions.append, LATCHED_QOS)
        self.guarded_cmds: list[TwistStamped] = []  # what test_final_zero_on_sigint's own cost_node sends
        self.create_subscription(TwistStamped, "/guarded_cmd", self.guarded_cmds.append, 50)
        self.clients_by_name: dict[str, object] = {}
        self.t = 100.0  # sim time; starts away from 0 so "never received" and "old" differ
        self.judged = lambda: None  # the stamp of the newest proposal cost_node took (set by `guarding`)
        self.decided = lambda: ()  # cost_node's latest decision, vx, vy, wz (set by `guarding`)

    def sensors(self, t: float, skip=(), stamp_of=None, **over) -> None:
        r = reading(t, **over)
        msgs = {"imu": imu_msg(r), "odom": odometry_msg(t, r.odom_pos, r.odom_quat, r.odom_lin_vel,
                                                         r.odom_ang_vel),
                "feet": contacts_msg(t, FOOT_LINKS, r.foot_forces), "joint_states": joint_state_msg(r)}
        for name, msg in msgs.items():
            if stamp_of and name in stamp_of:
                msg.header.stamp = sec_to_stamp(stamp_of[name])
            if name not in skip:
                self.pubs[name].publish(msg)

    def publish_step(self, cmd=NORMAL, skip=(), propose: bool | None = None, stamp_of=None, **over) -> bool:
        """Advance one control step without waiting for an answer: clock, sensors, and at a tick the proposal.
        -> whether a proposal went out."""
        self.t = round(self.t + STEP, 9)
        self.clock_pub.publish(Clock(clock=sec_to_stamp(self.t)))
        self.sensors(self.t, skip, stamp_of, **over)
        tick = propose if propose is not None else abs(self.t / TICK - round(self.t / TICK)) < 1e-6
        if tick and "proposal" not in skip:
            self.proposal_pub.publish(twist_msg(sec_to_stamp(self.t), cmd))
            return True
        return False

    def step(self, cmd=NORMAL, skip=(), propose: bool | None = None, stamp_of=None, **over) -> TwistStamped:
        """Advance one control step: clock, sensors, and at a tick the proposal; the cmd_vel that answers."""
        seen = len(self.cmds)
        tick = self.publish_step(cmd, skip, propose, stamp_of, **over)
        if tick:
            # a tick missing a reading waits out cost_node's gate (SYNC_TIMEOUT_S) before it is judged
            # (the newest cmd_vel then is the decision: a real-time re-check can carry the tick's time too)
            wait_for(lambda: self.judged() == pytest.approx(self.t) and len(self.cmds) > seen
                     and abs(stamp_to_sec(self.cmds[-1].header.stamp) - self.t) < 1e-6
                     and twist(self.cmds[-1]) == tuple(self.decided()), timeout=SYNC_TIMEOUT_S + 10.0)
        elif self.cmds:  # nothing goes out before the first proposal
            # the output timer's re-check at this step's time (stamped with it); generous: CI shares its cores
            wait_for(lambda: any(stamp_to_sec(m.header.stamp) >= self.t - 1e-6 for m in self.cmds[seen:]),
                     timeout=SYNC_TIMEOUT_S + 10.0)
        return self.cmds[-1] if self.cmds else None

    def run(self, seconds: float, **kwargs) -> TwistStamped:
        msg = None
        for _ in range(int(round(seconds / STEP))):
            msg = self.step(**kwargs)
        return msg


def twist(msg: TwistStamped) -> tuple[float, float, float]:
    return (msg.twist.linear.x, msg.twist.linear.y, msg.twist.angular.z)


def wait_for(predicate, timeout: float = 30.0) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return
        time.sleep(0.002)
    raise AssertionError("condition not met in time")


@contextmanager
def guarding(robot_class, **parameters):
    """cost_node on sim time (and `parameters`) and a `robot_class` robot, spun together, every input flowing."""
    rclpy.init()
    overrides = [Parameter(name, value=value) for name, value in {"use_sim_time": True, **parameters}.items()]
    cost = CostNode(parameter_overrides=overrides)
    robot = robot_class()
    robot.judged = lambda: cost.proposal_stamp
    robot.decided = lambda: tuple(float(v) for v in cost.guard.last.cmd)
    executor = SingleThreadedExecutor()
    executor.add_node(cost)
    executor.add_node(robot)
    thread = threading.Thread(target=executor.spin, daemon=True)
    thread.start()
    wait_for(lambda: robot.count_subscribers("agent/cmd_vel_proposed") and robot.count_publishers("cmd_vel"))
    robot.run(0.5)
    yield cost, robot
    executor.shutdown()
    thread.join(timeout=5.0)
    cost.destroy_node()
    robot.destroy_node()
    rclpy.try_shutdown()


@pytest.fixture(scope="module")
def ros():
    with guarding(Robot, cmd_vel_unstamped=True) as pair:
        yield pair


@pytest.fixture
def normal(ros):
    """Every input flowing, a normal proposal, nothing latched; the output settled at NORMAL."""
    cost, robot = ros
    cost.guard.reset_e_stop()
    robot.run(0.6)
    assert twist(robot.cmds[-1]) == NORMAL
    return cost, robot


def call(node: Robot, kind, name: str, request, timeout: float = 30.0):
    """One service call from the robot node; its client is made once and kept (see Robot.definitions)."""
    if name not in node.clients_by_name:
        node.clients_by_name[name] = node.create_client(kind, name)
    client = node.clients_by_name[name]
    assert client.wait_for_service(timeout_sec=timeout), f"service {name} not available"
    future = client.call_async(request)
    wait_for(future.done, timeout)
    return future.result()


def set_param(robot: Robot, name: str, value):
    request = SetParameters.Request(parameters=[Parameter(name, value=value).to_parameter_msg()])
    return call(robot, SetParameters, "/cost_node/set_parameters", request).results[0]


def get_params(robot: Robot, names: list[str]) -> dict:
    response = call(robot, GetParameters, "/cost_node/get_parameters", GetParameters.Request(names=names))
    return {n: v.double_value for n, v in zip(names, response.values, strict=True)}


def cost_row(msg: JointState, column: str) -> dict[str, float]:
    return dict(zip(msg.name, msg.position if column == "weighted" else msg.effort, strict=True))


# ---- published cost ------------------------------------------------------------------------
def test_cost_published_named_and_stamped(normal):
    cost, robot = normal
    robot.step()
    wait_for(lambda: stamp_to_sec(robot.costs[-1].header.stamp) == pytest.approx(robot.t))
    msg = robot.costs[-1]
    assert list(msg.name) == [*cost.cost.term_names, "total"]
    raw, weighted = cost_row(msg, "raw"), cost_row(msg, "weighted")
    assert raw["energy"] == pytest.approx(24.0)  # 12 joints x 2 N*m x 1 rad/s
    assert weighted["energy"] == pytest.approx(24.0 * cost.cost.weights["energy"])
    assert weighted["total"] == pytest.approx(sum(v for k, v in weighted.items() if k != "total"))


@pytest.mark.parametrize("value", [0.05, 2], ids=["double", "integer"])  # `ros2 param set ... 2` sends an integer
def test_valid_weight_change_applies_from_the_next_reading(normal, value):
    cost, robot = normal
    result = set_param(robot, "weights.energy", value)
    assert result.successful, result.reason
    robot.step()
    wait_for(lambda: stamp_to_sec(robot.costs[-1].header.stamp) == pytest.approx(robot.t))
    assert cost_row(robot.costs[-1], "weighted")["energy"] == pytest.approx(24.0 * value)
    assert get_params(robot, ["weights.energy"])["weights.energy"] == float(value)
    assert cost.get_parameter("weights.energy").type_ == Parameter.Type.DOUBLE
    assert set_param(robot, "weights.energy", 0.01).successful


def test_the_published_cost_definition_follows_a_weight_change(normal):
    """What the actor plans with (cost/definition, latched) is what cost_node measures with."""
    cost, robot = normal
    definitions = robot.definitions
    try:
        wait_for(lambda: definitions)  # latched: the subscriber got the current one at once
        assert named_values(definitions[-1])["weights.energy"] == cost.cost.weights["energy"]
        assert set_param(robot, "weights.energy", 0.07).successful
        wait_for(lambda: named_values(definitions[-1])["weights.energy"] == 0.07)
        latest = named_values(definitions[-1])
        assert {k: latest[f"weights.{k}"] for k in cost.cost.weights} == cost.cost.weights
        assert latest["veto.fall"] == cost.cost.veto.fall
    finally:
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
        ("guardrail.timeout_imu", 5.0, "read-only"),
        ("use_sim_time", False, "fixed after start"),
        ("weights.pain", "high", "Wrong parameter type"),
        ("weights.pain", 0, "out of range"),  # an integer is taken as its double, then range-checked
    ],
)
def test_bad_parameter_rejected_with_reason_nothing_changes(normal, name, value, words):
    cost, robot = normal
    names = [f"weights.{n}" for n in cost.cost.term_names] + [f"floors.{n}" for n in SAFETY_TERMS]
    before = get_params(robot, names)
    result = set_param(robot, name, value)
    assert not result.successful
    log.info("%s=%r rejected: %s", name, value, result.reason)
    assert words in result.reason, result.reason
    assert get_params(robot, names) == before
    assert cost.get_parameter("use_sim_time").value is True


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
def test_normal_command_passes_carrying_the_proposals_stamp(normal):
    cost, robot = normal
    out = robot.step(propose=True)
    assert twist(out) == NORMAL and stamp_to_sec(out.header.stamp) == pytest.approx(robot.t)
    assert cost.guard.last.reasons == ()


def test_a_proposal_waits_for_the_readings_of_its_instant(normal):
    """The proposal stamped t arrives before the sensors of t: it is judged only once they are in."""
    cost, robot = normal
    robot.run(TICK - STEP)
    t = round(robot.t + STEP, 9)
    robot.clock_pub.publish(Clock(clock=sec_to_stamp(t)))
    robot.proposal_pub.publish(twist_msg(sec_to_stamp(t), NORMAL))
    time.sleep(0.3)
    assert cost.proposal_stamp < t - 1e-6  # still waiting
    robot.t = t
    robot.sensors(t, odom_pos=np.array([0.0, 0.0, 0.1]))  # this instant's reading: lying down
    wait_for(lambda: cost.proposal_stamp == pytest.approx(t))
    assert cost.guard.last.reasons == ("measured:fall",)  # judged with the reading of its own instant


@pytest.mark.parametrize("source", ["imu", "joint_states", "odom", "proposal"])
def test_stale_input_stops_within_its_timeout_in_sim_time(normal, source):
    cost, robot = normal
    last = robot.t
    timeout = cost.guard.config.timeout(source)
    for _ in range(100):
        out = robot.step(skip=(source,))
        if twist(out) == (0.0, 0.0, 0.0):
            break
    log.info("stale %s: stopped %.3f s (sim) after its last message (timeout %.2f s)", source,
             robot.t - last, timeout)
    assert robot.t - last <= timeout + STEP + 1e-6
    assert f"stale:{source}" in cost.guard.last.reasons and cost.guard.counts[f"stale:{source}"] >= 1


@pytest.mark.parametrize("source", ["imu", "joint_states", "odom"])
def test_a_future_stamp_cannot_keep_a_dead_input_fresh(normal, source):
    cost, robot = normal
    out = robot.step(stamp_of={source: robot.t + 30.0}, propose=True)  # a driver's clock 30 s ahead
    assert twist(out) == (0.0, 0.0, 0.0) and cost.guard.last.reasons == (f"future:{source}",)
    # Then it dies: still stopped for it, never "fresh until t+30", past its timeout (0.25 s). Every
    # tick without the reading waits out cost_node's gate, so 0.5 s, not more.
    out = robot.run(0.5, skip=(source,))
    assert twist(out) == (0.0, 0.0, 0.0) and {f"future:{source}", f"stale:{source}"} & set(cost.guard.last.reasons)


def test_when_the_clock_goes_back_the_robot_stops_and_starts_afresh_on_the_new_time(normal):
    """QA (2026-12-08), a looped replay: the guardrail kept the stamps of the pass before, so the newest reading held
    its time there and the last proposal never aged: the last command (a walk) went out again and again, on past
    the proposer's death, until the clock passed the old time again."""
    cost, robot = normal
    for back in (5.0, 0.5):  # a bag looping every 0.9 s stepped back less than the first fix's 1 s (QA)
        before, seen = cost.guard.counts["clock_back"], len(robot.cmds)
        robot.t = round(robot.t - back, 9)  # the next step's clock and readings are before the last ones
        # with a proposal: nothing goes out between the stop and the first proposal on the new time
        robot.step(propose=True)
        # the first answer on the new time is the stop (a command of the old time may still arrive after it)
        out = next(m for m in robot.cmds[seen:] if stamp_to_sec(m.header.stamp) == pytest.approx(robot.t))
        assert twist(out) == (0.0, 0.0, 0.0) and cost.guard.counts["clock_back"] == before + 1
        assert twist(robot.run(0.6)) == NORMAL  # proposals on the new time are judged again
    out = robot.run(0.6, skip=("proposal",))  # and when they stop coming, the robot stops
    assert twist(out) == (0.0, 0.0, 0.0) and "stale:proposal" in cost.guard.last.reasons


@pytest.mark.parametrize("source", ["imu", "odom"])
def test_after_a_future_stamp_the_honest_readings_are_not_out_of_order(normal, source):
    """The refused reading marks its instant as come at the node's time, not at its stamp: at its stamp, every
    honest reading after it was counted out of order and warned of (QA with a fake driver, 2026-12-07)."""
    cost, robot = normal
    before = cost.readings.out_of_order[source]
    assert twist(robot.step(stamp_of={source: robot.t + 1.0}, propose=True)) == (0.0, 0.0, 0.0)
    assert f"the newest {source} is stamped 0.9" in cost.guard.last.detail and "s ahead of the clock" in \
        cost.guard.last.detail
    assert twist(robot.run(0.4)) == NORMAL
    assert cost.readings.out_of_order[source] == before


def test_a_future_stamped_proposal_stops_and_never_becomes_the_tick(normal):
    cost, robot = normal
    waits = cost.proposals.timeouts
    robot.proposal_pub.publish(twist_msg(sec_to_stamp(robot.t + 30.0), NORMAL))  # an agent's clock 30 s ahead
    wait_for(lambda: "future:proposal" in cost.guard.last.reasons, timeout=SYNC_TIMEOUT_S + 5.0)
    wait_for(lambda: twist(robot.cmds[-1]) == (0.0, 0.0, 0.0))  # the stop goes out
    assert cost.proposals.timeouts == waits  # at once: not after waiting for readings of an instant to come
    out = robot.run(0.6)  # honest proposals again: each is its tick, and the robot walks
    assert twist(out) == NORMAL and stamp_to_sec(out.header.stamp) < robot.t + 1.0
    assert all(stamp_to_sec(m.header.stamp) < robot.t + 1.0 for m in robot.cmds)


@pytest.mark.parametrize("over, reason", [
    ({"joint_effort": np.full(12, np.nan)}, "invalid:joint_states"),
    ({"imu_quat": np.array([np.nan, 0, 0, 1.0])}, "invalid:imu"),
    ({"odom_lin_vel": np.array([np.inf, 0, 0])}, "invalid:odom"),
])
def test_non_finite_sensors_stop_and_never_reach_the_pain_filter(normal, over, reason):
    cost, robot = normal
    out = robot.run(TICK, **over)
    assert twist(out) == (0.0, 0.0, 0.0) and reason in cost.guard.last.reasons
    assert math.isfinite(cost.guard.pain_filtered)
    out = robot.run(0.6)  # good readings again: moving, and the pain clamps still work
    assert twist(out) == NORMAL


def test_a_huge_finite_effort_stops_and_never_reaches_the_pain_filter(normal):
    """1e20 N*m is finite in float64 but inf in the float32 cost features: its raw pain is no number to trust."""
    cost, robot = normal
    out = robot.run(TICK, joint_effort=np.full(12, 1e20))
    # invalid:joint_states once messages/conversions.py bounds efforts itself; either way a stop
    reasons = set(cost.guard.last.reasons)
    assert twist(out) == (0.0, 0.0, 0.0) and {"invalid:cost_terms", "invalid:joint_states"} & reasons
    assert math.isfinite(cost.guard.pain_filtered)
    out = robot.run(0.6)  # good readings again: moving, and the pain clamps still work
    assert twist(out) == NORMAL and math.isfinite(cost.guard.pain_filtered)


def test_missing_effort_field_is_refused_not_read_as_zero(normal):
    cost, robot = normal
    msg = joint_state_msg(reading(robot.t + STEP))
    msg.effort = []
    robot.t = round(robot.t + STEP, 9)
    robot.clock_pub.publish(Clock(clock=sec_to_stamp(robot.t)))
    robot.sensors(robot.t, skip=("joint_states",))
    robot.pubs["joint_states"].publish(msg)
    robot.run(TICK)
    assert "invalid:joint_states" in cost.guard.counts


def test_a_measured_fall_stops_until_reset(normal):
    cost, robot = normal
    tilted = np.array([math.sin(0.6), 0.0, 0.0, math.cos(0.6)])  # 1.2 rad
    out = robot.run(TICK, imu_quat=tilted)
    assert twist(out) == (0.0, 0.0, 0.0) and cost.guard.last.reasons[0].startswith("measured:")
    assert "tilt" in cost.guard.last.detail
    out = robot.run(1.0)  # upright again: still stopped
    assert twist(out) == (0.0, 0.0, 0.0)
    assert call(robot, Trigger, "/reset_e_stop", Trigger.Request()).success
    assert twist(robot.run(0.6)) == NORMAL


def test_nan_command_stops(normal):
    cost, robot = normal
    out = robot.run(TICK, cmd=(math.nan, 0.0, 0.0))
    assert cost.guard.last.reasons == ("nan_command",) and twist(out) == (0.0, 0.0, 0.0)


def test_e_stop_latches_until_reset(normal):
    cost, robot = normal
    assert call(robot, Trigger, "/e_stop", Trigger.Request()).success
    out = robot.run(0.5)
    assert cost.guard.last.reasons == ("e_stop",) and twist(out) == (0.0, 0.0, 0.0)
    robot.e_stop_pub.publish(Bool(data=False))  # False releases nothing: only the reset does
    assert twist(robot.run(0.2)) == (0.0, 0.0, 0.0)
    reply = call(robot, Trigger, "/reset_e_stop", Trigger.Request())
    assert reply.success and "released" in reply.message
    assert twist(robot.run(0.6)) == NORMAL
    robot.e_stop_pub.publish(Bool(data=True))  # the latched topic works too
    wait_for(lambda: cost.guard.e_stopped)
    assert twist(robot.run(TICK)) == (0.0, 0.0, 0.0)


class Sent:
    """A publisher that keeps what it was asked to publish."""

    def __init__(self, publisher) -> None:
        self.publisher, self.msgs = publisher, []

    def publish(self, msg) -> None:
        self.msgs.append(msg)
        self.publisher.publish(msg)

    def __getattr__(self, name):
        return getattr(self.publisher, name)


def test_every_command_goes_out_unstamped_too_when_asked(normal, monkeypatch):
    """cmd_vel_unstamped: for a robot driver that takes geometry_msgs/Twist, every decision, stops included.

    Counted where cost_node publishes: commands are keep-last 1 (a driver wants the newest), so a
    subscriber on a loaded machine may miss some on either topic; the newest one always arrives. Each
    decision's Twist is its TwistStamped's own `twist`, so the twins are matched by identity."""
    cost, robot = normal
    stamped, unstamped = Sent(cost.cmd_pub), Sent(cost.unstamped_pub)
    monkeypatch.setattr(cost, "cmd_pub", stamped)
    monkeypatch.setattr(cost, "unstamped_pub", unstamped)
    robot.unstamped.clear()
    robot.run(0.3)
    robot.run(0.3, cmd=(math.nan, 0.0, 0.0))  # a stop
    wait_for(lambda: any(m is stamped.msgs[-1].twist for m in unstamped.msgs))  # the last decision's twin
    twins = {id(m) for m in unstamped.msgs}
    assert all(id(m.twist) in twins for m in stamped.msgs)
    decisions = [twist(m) for m in stamped.msgs]
    assert NORMAL in decisions and decisions[-1] == (0.0, 0.0, 0.0)
    wait_for(lambda: robot.unstamped and robot.unstamped[-1].linear.x == 0.0)  # and the stop reached the driver
    last = robot.unstamped[-1]
    assert (last.linear.x, last.linear.y, last.angular.z) == (0.0, 0.0, 0.0)


def test_e_stop_from_a_plain_publisher_is_heard(normal):
    """`ros2 topic pub --once /e_stop std_msgs/msg/Bool "{data: true}"` publishes with the default profile
    (reliable, volatile), which a transient-local subscription alone never matches."""
    cost, robot = normal
    plain = robot.create_publisher(Bool, "e_stop", 10)
    wait_for(lambda: plain.get_subscription_count() > 0, 10.0)
    plain.publish(Bool(data=True))
    wait_for(lambda: cost.guard.e_stopped)
    assert twist(robot.run(TICK)) == (0.0, 0.0, 0.0)
    # `plain` stays until the module's nodes go: destroyed while the executor thread spins, it killed that thread


def publish_plan(robot: Robot, cost: CostNode, stamp: float, tilts: np.ndarray) -> None:
    """A plan for the next tick, processed before the tick (expect_plans is off here: no waiting)."""
    path = Path()
    path.header.stamp, path.header.frame_id = sec_to_stamp(stamp), "odom"
    path.poses = [PoseStamped() for _ in tilts]
    steps = range(len(tilts))
    costs = JointState(name=[f"tilt[{h}]" for h in steps] + [f"pain[{h}]" for h in steps])
    costs.header.stamp = sec_to_stamp(stamp)
    costs.position = [float(v) for v in tilts] + [0.0] * len(tilts)
    def plan_state():
        return cost.guard._plan_stamp, dict(cost.guard._plan_worst), cost.guard._untrusted_plan_until

    before = plan_state()
    robot.plan_pub.publish(path)
    robot.plan_costs_pub.publish(costs)
    wait_for(lambda: plan_state() != before)
    time.sleep(0.05)  # the second half of the plan (its path or its costs)


def test_plan_predicting_a_fall_is_vetoed_and_a_future_plan_vetoes_for_plan_timeout(normal):
    cost, robot = normal
    publish_plan(robot, cost, robot.t + STEP, np.linspace(0.0, 1.3, 10))  # falls over at the end
    out = robot.step(propose=True)
    assert cost.guard.last.reasons == ("plan_veto:tilt",) and twist(out) == (0.0, 0.0, 0.0)
    publish_plan(robot, cost, robot.t + 60.0, np.zeros(10))  # stamped a minute ahead: refused, vetoes
    robot.step(propose=True)  # and it does not displace the honest plan's veto
    assert cost.guard.last.reasons == ("plan_veto:future_stamp", "plan_veto:tilt")
    publish_plan(robot, cost, robot.t + STEP, np.zeros(10))  # a safe plan with an honest stamp
    robot.step(propose=True)
    assert cost.guard.last.reasons == ("plan_veto:future_stamp",)  # holds plan_timeout, honest plans or not
    robot.run(cost.guard.config.plan_timeout + TICK)  # the first tick after it moves again
    assert cost.guard.last.reasons in ((), ("clamp:acceleration",))
    assert twist(robot.run(0.6)) == NORMAL


@pytest.mark.parametrize("names", [("tilt_0", "fall_0"), ("Tilt[0]", "FALL[0]"), ("tilt[0", "fall[0]"),
                                   ("tilt[x]", "fall[0]"), ("tilted[0]", "fall[0]")])
def test_plan_costs_with_unreadable_names_veto(normal, names):
    """A plan whose names cannot be read (badly formed, or a quantity the guardrail does not know) is not a safe
    plan: with tilt[0] and fall[0], the values 5 and 1 veto (plan_veto:tilt)."""
    cost, robot = normal
    costs = JointState(name=list(names), position=[5.0, 1.0])
    costs.header.stamp = sec_to_stamp(robot.t + STEP)
    robot.plan_costs_pub.publish(costs)
    wait_for(lambda: cost.guard._plan_stamp == pytest.approx(robot.t + STEP))
    out = robot.step(propose=True)
    assert cost.guard.last.reasons == ("plan_veto:plan_costs",) and twist(out) == (0.0, 0.0, 0.0)
    publish_plan(robot, cost, robot.t + STEP, np.zeros(3))  # a readable safe plan replaces it
    robot.step(propose=True)
    assert cost.guard.last.reasons in ((), ("clamp:acceleration",))


def test_diagnostics_report_counts_reasons_and_sync_timeouts(normal):
    cost, robot = normal
    robot.run(0.5, skip=("imu",))
    call(robot, Trigger, "/e_stop", Trigger.Request())
    robot.run(TICK)
    call(robot, Trigger, "/reset_e_stop", Trigger.Request())
    received = len(robot.diags)
    cost.diagnostics.flush()

    def reported_after_flush() -> dict[str, str]:  # the newest cost_node status the robot has received since
        statuses = [s for a in robot.diags[received:] for s in a.status if s.name == "cost_node"]
        return {kv.key: kv.value for kv in statuses[-1].values} if statuses else {}

    # the periodic reports keep arriving: wait for one that was published after the e-stop was counted
    wait_for(lambda: "count.e_stop" in reported_after_flush(), 5.0)
    keys = reported_after_flush()
    assert int(keys["count.stale:imu"]) > 0 and int(keys["count.e_stop"]) > 0
    assert "weight.pain" in keys and "cost.total" in keys and int(keys["sync_timeouts"]) >= 0


def test_final_zero_on_sigint(normal):
    """A cost_node process sends a last zero cmd_vel when interrupted (spin_node's shutdown hook)."""
    _, robot = normal
    out = robot.guarded_cmds
    args = ["--ros-args", "-r", "__node:=cost_node_proc", "-r", "cmd_vel:=/guarded_cmd",
            "-r", "e_stop:=/e_stop_proc", "-r", "reset_e_stop:=/reset_e_stop_proc",
            "-r", "diagnostics:=/diagnostics_proc", "-p", "use_sim_time:=true"]
    proc = subprocess.Popen([sys.executable, "-m", "lecun_agent.nodes.cost_node", *args],
                            env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Only the process's answers matter here, so the steps do not wait for the in-process cost_node's
        # (a loaded machine starved it while this process started). A bound, not a speed: start-up imports torch.
        deadline = time.monotonic() + 120.0
        while not any(twist(m) == NORMAL for m in out) and time.monotonic() < deadline:
            robot.publish_step()
            time.sleep(0.01)
        assert any(twist(m) == NORMAL for m in out)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30.0) == 0
        # The process exits only once the zero is acknowledged (spin.publish_last, up to 1 s); this test's executor
        # thread hands it to `out` when it next runs, which a busy machine can delay: wait for it, bounded.
        deadline = time.monotonic() + 10.0
        while twist(out[-1]) != (0.0, 0.0, 0.0) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert twist(out[-1]) == (0.0, 0.0, 0.0)
    finally:
        if proc.poll() is None:
            proc.kill()
