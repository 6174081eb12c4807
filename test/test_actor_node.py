"""actor_node through real rclpy: every tick gets a stamped proposal and plan; it plans with cost_node's
published definition, follows a weight change, and refuses a definition it cannot trust."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
import rclpy
import torch
from geometry_msgs.msg import PoseStamped, TwistStamped
from model_nodes import LATENT_DIM, spinning, tiny_checkpoint
from nav_msgs.msg import Odometry
from nav_msgs.msg import Path as PathMsg
from rclpy.parameter import Parameter
from ros_probe import RosProbe
from sensor_msgs.msg import Image, JointState
from visualization_msgs.msg import Marker, MarkerArray

from lecun_agent.actor.actor import ActorSettings, absent_beside
from lecun_agent.actor.config import PlannerConfig
from lecun_agent.cost.definition import cost_definition
from lecun_agent.cost.total import TermSettings
from lecun_agent.cost.veto import VetoLimits
from lecun_agent.cost.weights import CostWeights
from lecun_agent.messages.conversions import contacts_msg, odometry_msg, sec_to_stamp, stamp_to_sec, twist_vector
from lecun_agent.messages.latents import float_image, latent_frame, rows_from_float_image
from lecun_agent.messages.mode import mode_msg
from lecun_agent.messages.plans import named_values_msg
from lecun_agent.nodes.actor_node import ActorNode
from lecun_agent.nodes.diagnostics import ERROR, WARN
from lecun_agent.nodes.qos import COMMAND_QOS, LATCHED_QOS, SENSOR_QOS
from lecun_agent.stack.set_weights import planning_with

pytestmark = pytest.mark.ros
HORIZON = 8


def definition(**weights) -> dict[str, float]:
    return cost_definition(CostWeights(**weights), TermSettings(), VetoLimits())


class Robot(RosProbe):
    """Plays perception, odometry, the guardrail (echoes each proposal as cmd_vel) and cost_node."""

    def __init__(self) -> None:
        super().__init__("fake_robot", use_sim_time=False)
        self.latent_pub = self.create_publisher(Image, "agent/latent", SENSOR_QOS)
        self.latent_frame = "latent"  # the actor's checkpoint's (set by `setup`): as its encoder's latents
        self.odom_pub = self.create_publisher(Odometry, "odom", SENSOR_QOS)
        self.cmd_pub = self.create_publisher(TwistStamped, "cmd_vel", COMMAND_QOS)
        self.goal_pub = self.create_publisher(PoseStamped, "goal_pose", COMMAND_QOS)
        self.definition_pub = self.create_publisher(JointState, "cost/definition", LATCHED_QOS)
        for kind, topic in ((TwistStamped, "agent/cmd_vel_proposed"), (PathMsg, "agent/plan"),
                            (JointState, "agent/plan_costs"), (Image, "agent/plan_actions")):
            self.record(kind, topic, COMMAND_QOS)
        self.record(MarkerArray, "agent/plan_samples", 10)

    def tick(self, stamp: float, latent: np.ndarray | None = None,
             position: tuple[float, float, float] = (0.0, 0.0, 0.3),
             quat: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)) -> TwistStamped | None:
        """One agent tick at `stamp`: odometry and latent of that instant; the proposal that answers it,
        which then comes back as the executed cmd_vel (as the guardrail's would)."""
        latent = np.random.default_rng(int(stamp * 10)).normal(size=LATENT_DIM) if latent is None else latent
        self.odom_pub.publish(odometry_msg(stamp, np.array(position), np.array(quat),
                                           np.zeros(3), np.zeros(3)))
        self.latent_pub.publish(float_image(sec_to_stamp(stamp), latent[None].astype(np.float32), self.latent_frame))
        found = []

        def answered() -> bool:
            found[:] = [m for m in self.received["agent/cmd_vel_proposed"]
                        if abs(stamp_to_sec(m.header.stamp) - stamp) < 1e-6]
            return bool(found)

        if not self.spin_until(answered, 15.0):  # well above the node's 5 s wait for an optional input
            return None
        self.cmd_pub.publish(found[0])
        return found[0]

    def stamped(self, topic: str, stamp: float) -> list:
        return [m for m in self.received[topic] if abs(stamp_to_sec(m.header.stamp) - stamp) < 1e-6]

    def send_goal(self, x: float, y: float, frame: str = "odom") -> None:
        goal = PoseStamped()
        goal.header.frame_id = frame
        goal.pose.position.x, goal.pose.position.y = x, y
        self.goal_pub.publish(goal)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    ckpt = tmp_path_factory.mktemp("ckpt")
    tiny_checkpoint(ckpt)
    rclpy.init()
    with spinning(ActorNode, checkpoint=str(ckpt), diagnostics_period_s=0.2,
                  **{"planner.samples": 32, "planner.horizon": HORIZON}) as node:
        robot = Robot()
        robot.latent_frame = latent_frame(node.ckpt.weights_id)
        robot.spin_until(lambda: robot.count_subscribers("agent/latent") > 0, 5.0)
        yield node, robot
        robot.destroy_node()
    rclpy.try_shutdown()


def test_without_cost_node_s_definition_it_proposes_zero_and_is_not_ready(setup):
    node, robot = setup
    assert node.definition is None
    proposal = robot.tick(1.0)
    assert proposal is not None, "no proposal for the tick"
    assert np.allclose(twist_vector(proposal), 0.0)
    assert robot.spin_until(lambda: robot.stamped("agent/plan_costs", 1.0), 5.0)
    assert robot.stamped("agent/plan_costs", 1.0)[0].name == []  # the guardrail need not wait for a plan
    assert node._report()[2]["ready"] is False


def test_a_tick_gets_a_plan_and_a_proposal_all_stamped_with_it(setup):
    node, robot = setup
    robot.definition_pub.publish(named_values_msg(sec_to_stamp(0.0), definition()))
    assert robot.spin_until(lambda: node.definition is not None, 5.0)
    robot.send_goal(2.0, 1.0)
    assert robot.spin_until(lambda: node.goal is not None, 5.0)
    proposal = robot.tick(2.0)
    assert proposal is not None
    command = twist_vector(proposal)
    cfg = PlannerConfig()
    assert np.all(np.isfinite(command))
    assert np.all(command >= np.array(cfg.action_low) - 1e-6) and np.all(command <= np.array(cfg.action_high) + 1e-6)
    assert robot.spin_until(lambda: robot.stamped("agent/plan_actions", 2.0) and robot.stamped("agent/plan", 2.0), 5)
    actions = rows_from_float_image(robot.stamped("agent/plan_actions", 2.0)[0])
    assert actions.shape == (HORIZON, 3) and np.allclose(actions[0], command, atol=1e-5)
    path = robot.stamped("agent/plan", 2.0)[0]
    assert len(path.poses) == HORIZON + 1 and path.header.frame_id == "odom"
    assert robot.spin_until(lambda: robot.stamped("agent/plan_costs", 2.0), 5.0)
    costs = robot.stamped("agent/plan_costs", 2.0)[0]
    quantities = {name.split("[")[0] for name in costs.name}
    assert {"pain", "force", "fall"} <= quantities, quantities  # what the guardrail's veto reads
    assert all(math.isfinite(v) for v in costs.position)
    assert node._report()[2]["ready"] is True


def test_the_planner_follows_a_weight_change_by_the_next_tick(setup):
    node, robot = setup
    robot.definition_pub.publish(named_values_msg(sec_to_stamp(0.0), definition()))
    assert robot.spin_until(lambda: node.definition == definition(), 5.0)
    robot.definition_pub.publish(named_values_msg(sec_to_stamp(0.0), definition(energy=0.5)))
    assert robot.spin_until(lambda: node.definition == definition(energy=0.5), 5.0)
    # What plans and what scores the final candidates both use the new weight.
    assert node.actor.planner.cost.term("energy").weight == 0.5
    assert node.actor.planner.scorer.cost is node.actor.planner.cost
    assert robot.tick(3.0) is not None
    # /diagnostics says which weights it plans with, under cost_node's keys (an episode runner waits on it).
    report = {k: str(v) for k, v in node._report()[2].items()}
    assert planning_with(report, {"weights.energy": 0.5}) and not planning_with(report, {"weights.energy": 0.01})


def test_a_definition_with_a_non_finite_value_is_refused_and_the_last_good_one_kept(setup):
    node, robot = setup
    robot.definition_pub.publish(named_values_msg(sec_to_stamp(0.0), definition(energy=0.25)))
    assert robot.spin_until(lambda: node.definition == definition(energy=0.25), 5.0)
    before = node.counts["bad_definitions"]
    bad = definition(energy=0.25)
    bad["weights.pain"] = float("nan")
    robot.definition_pub.publish(named_values_msg(sec_to_stamp(0.0), bad))
    assert robot.spin_until(lambda: node.counts["bad_definitions"] > before, 5.0)
    assert node.actor.planner.cost.term("pain").weight == CostWeights().pain
    assert node.definition == definition(energy=0.25)
    assert node._report()[0] == ERROR  # an operator sees it in /diagnostics


@pytest.mark.parametrize("key, value", [("weights.pain", 0.0), ("weights.fall", 10.0), ("veto.tilt", 100.0),
                                        ("weights.energy", -1.0)])
def test_a_definition_cost_node_could_not_have_sent_is_refused(setup, key, value):
    """QA (2026-12-07): a latched cost/definition from another publisher, with the safety weights below their floors
    and the vetoes out of reach, made the actor plan with pain and falls priced at nothing, while cost_node's
    parameters still said otherwise. Values outside what cost_node's parameters can take are refused."""
    node, robot = setup
    robot.definition_pub.publish(named_values_msg(sec_to_stamp(0.0), definition()))
    assert robot.spin_until(lambda: node.definition == definition(), 5.0)
    before = node.counts["bad_definitions"]
    spoof = {**definition(), key: value}
    robot.definition_pub.publish(named_values_msg(sec_to_stamp(0.0), spoof))
    assert robot.spin_until(lambda: node.counts["bad_definitions"] == before + 1, 5.0)
    assert node.definition == definition() and node.actor.definition == definition()
    level, message, _ = node._report()
    assert level == ERROR and key in message  # the reason where an operator looks, not only in the log
    # The spoofer gone, the next definition cost_node sends is followed and clears the error (still counted).
    robot.definition_pub.publish(named_values_msg(sec_to_stamp(0.0), definition(energy=0.02)))
    assert robot.spin_until(lambda: node.definition == definition(energy=0.02), 5.0)
    level, message, _ = node._report()
    assert level != ERROR and "definition" not in message and node.counts["bad_definitions"] == before + 1


def test_a_tick_offered_again_gets_the_same_answer_not_a_second_plan(setup):
    """A body re-offers a reading nobody answered yet (lock-step start); planning it twice would advance
    the warm start by a tick that never happened, and how often that happens depends on timing."""
    node, robot = setup
    robot.definition_pub.publish(named_values_msg(sec_to_stamp(0.0), definition()))
    assert robot.spin_until(lambda: node.definition == definition(), 5.0)
    latent = np.random.default_rng(7).normal(size=LATENT_DIM)
    first = robot.tick(5.0, latent)
    ticks, repeats = node.counts["ticks"], node.counts["repeated_ticks"]
    robot.latent_pub.publish(float_image(sec_to_stamp(5.0), latent[None].astype(np.float32), robot.latent_frame))
    assert robot.spin_until(lambda: len(robot.stamped("agent/cmd_vel_proposed", 5.0)) == 2, 5.0)
    again = robot.stamped("agent/cmd_vel_proposed", 5.0)[1]
    assert np.array_equal(twist_vector(again), twist_vector(first))
    assert (node.counts["ticks"], node.counts["repeated_ticks"]) == (ticks, repeats + 1)


def test_a_tick_takes_the_mode_stamped_at_its_instant_and_forgets_a_stopped_configurator(setup):
    """The configurator's mode as of the tick's odometry, not whichever message came first: lock-step
    runs rest at the same tick. A configurator that stops costs one wait, then the latched String."""
    node, robot = setup
    robot.definition_pub.publish(named_values_msg(sec_to_stamp(0.0), definition()))
    assert robot.spin_until(lambda: node.definition == definition(), 5.0)
    robot.send_goal(2.0, 1.0)
    mode_pub = robot.create_publisher(JointState, "agent/mode_stamped", SENSOR_QOS)
    assert robot.spin_until(lambda: robot.count_subscribers("agent/mode_stamped") > 0, 5.0)
    robot.spin_until(lambda: False, 0.3)

    def tick_in(stamp: float, modes: dict[float, str]) -> tuple[TwistStamped | None, dict]:
        for t, mode in modes.items():
            mode_pub.publish(mode_msg(sec_to_stamp(t), mode))
        before = dict(node.counts)
        return robot.tick(stamp), {k: v - before.get(k, 0) for k, v in node.counts.items()}

    _, counted = tick_in(11.0, {11.0: "reach"})  # heard: from now on the gate waits for it
    assert counted.get("ticks") == 1
    proposal, counted = tick_in(12.0, {12.0: "rest"})
    assert proposal is not None and np.allclose(twist_vector(proposal), 0.0)
    assert counted.get("idle:rest mode") == 1 and not counted.get("ticks")
    _, counted = tick_in(13.0, {13.0: "reach", 13.05: "rest"})  # the rest after the tick's instant: not yet
    assert counted.get("ticks") == 1
    timeouts = node.gate.timeouts
    assert robot.tick(14.0) is not None  # the configurator stopped: one wait for it runs out ...
    assert node.gate.timeouts == timeouts + 1
    assert robot.tick(15.0) is not None  # ... and it is not waited for again
    assert node.gate.timeouts == timeouts + 1
    robot.destroy_publisher(mode_pub)


def test_a_measured_touch_goes_into_the_contact_memory_and_an_untrusted_one_does_not(setup):
    node, robot = setup
    robot.definition_pub.publish(named_values_msg(sec_to_stamp(0.0), definition()))
    assert robot.spin_until(lambda: node.definition == definition(), 5.0)
    robot.send_goal(2.0, 1.0)
    body_pub = robot.create_publisher(JointState, "body_contacts", SENSOR_QOS)
    mode_pub = robot.create_publisher(JointState, "agent/mode_stamped", SENSOR_QOS)  # out of the last test's rest
    assert robot.spin_until(lambda: robot.count_subscribers("body_contacts") > 0, 5.0)
    assert robot.spin_until(lambda: robot.count_subscribers("agent/mode_stamped") > 0, 5.0)
    mode_pub.publish(mode_msg(sec_to_stamp(20.5), "reach"))
    assert robot.spin_until(lambda: any(abs(t - 20.5) < 1e-6 for t, _ in node.gate.history["mode"]), 5.0)
    memory = node.actor.planner.memory
    touches = len(memory.points)
    # trunk: placed along the motion (the URDF has no such link); FL_thigh: on the left edge. A negative force
    # (it would cancel a real one in the sum) and a link named twice make the message untrusted, as for cost_node.
    both = ["trunk", "FL_thigh"]
    for stamp, links, forces, touched in ((21.0, both[:1], [float("nan")], 0), (21.5, both, [float("inf"), 5.0], 0),
                                          (21.6, both, [-40.0, 60.0], 0), (21.7, ["FL_thigh"] * 2, [30.0, 30.0], 0),
                                          (22.0, both, [30.0, 20.0], 2), (23.0, [], [], 0)):
        body_pub.publish(contacts_msg(stamp, links, forces))
        # Heard before the tick (the gate waits for body contacts only once it has heard them).
        assert robot.spin_until(lambda s=stamp: any(abs(t - s) < 1e-6 for t, _ in node.gate.history["body"]), 5.0)
        assert robot.tick(stamp) is not None
        assert len(memory.points) == touches + touched, stamp
        touches = len(memory.points)
    # A touch that began and ended between two ticks (contacts at 50 Hz, ticks at 10 Hz) is remembered.
    for stamp, forces in ((23.5, [40.0]), (23.6, []), (24.0, [])):
        body_pub.publish(contacts_msg(stamp, ["trunk"][: len(forces)], forces))
        assert robot.spin_until(lambda s=stamp: any(abs(t - s) < 1e-6 for t, _ in node.gate.history["body"]), 5.0)
    assert robot.tick(24.0) is not None
    assert len(memory.points) == touches + 1
    assert torch.isfinite(memory.points).all()
    robot.destroy_publisher(body_pub)
    robot.destroy_publisher(mode_pub)


def test_a_robot_that_gets_no_nearer_its_goal_plans_towards_a_detour_and_says_so(setup):
    """The odometry stands still at (0, 0) facing 0.3 rad: after planner.detour_after_s (8 s of tick
    stamps) without progress, the actor plans towards a point 1.5 m beside it, square to the goal's
    bearing on the side it faces, and /diagnostics reports it."""
    node, robot = setup
    robot.definition_pub.publish(named_values_msg(sec_to_stamp(0.0), definition()))
    assert robot.spin_until(lambda: node.definition == definition(), 5.0)
    robot.send_goal(3.0, -1.0)
    assert robot.spin_until(lambda: node.goal is not None and node.goal[0] == 3.0, 5.0)
    detours = node.actor.detour.count
    for stamp in np.arange(30.0, 37.75, 0.5):
        assert robot.tick(float(stamp)) is not None
    assert node.actor.detour.subgoal is None and node.actor.detour.count == detours
    assert robot.tick(38.0) is not None
    bearing = math.atan2(-1.0, 3.0)  # the body faces 0.3 rad, left of it: the detour goes left
    expected = (1.5 * math.cos(bearing + math.pi / 2), 1.5 * math.sin(bearing + math.pi / 2))
    assert node.actor.detour.subgoal == pytest.approx(expected)
    assert node.actor.detour.count == detours + 1
    assert node._report()[2]["detour_subgoal"] == pytest.approx(list(expected), abs=1e-3)


def planning_towards_a_goal(setup):
    """(node, robot) with cost_node's default definition taken and a goal set: the next good tick plans."""
    node, robot = setup
    robot.definition_pub.publish(named_values_msg(sec_to_stamp(0.0), definition()))
    assert robot.spin_until(lambda: node.definition == definition(), 5.0)
    robot.send_goal(2.0, 1.0)
    assert robot.spin_until(lambda: node.goal is not None, 5.0)
    return node, robot


def planned_to_stand_at(robot, stamp: float, x: float) -> bool:
    """The tick's plan is "stand here": the pose now alone, at (x, 0), not a walk nor no plan at all."""
    assert robot.spin_until(lambda: robot.stamped("agent/plan", stamp), 5.0), "no plan for an idle tick"
    (path,) = robot.stamped("agent/plan", stamp)
    return [(p.pose.position.x, p.pose.position.y) for p in path.poses] == [(x, 0.0)]


UNIT = (0.0, 0.0, 0.0, 1.0)


@pytest.mark.parametrize(("odom_x", "quat", "latent_value", "why"), [
    (math.nan, UNIT, 0.0, "idle:untrusted odometry"), (math.inf, UNIT, 0.0, "idle:untrusted odometry"),
    (0.0, (0.0, 0.0, 0.0, 0.0), 0.0, "idle:untrusted odometry"),  # no rotation: read as yaw 0 otherwise
    (0.0, UNIT, math.nan, "idle:non-finite latent"), (0.0, UNIT, -math.inf, "idle:non-finite latent"),
])
def test_an_untrusted_odometry_or_latent_gets_a_zero_proposal_and_no_plan(setup, odom_x, quat, latent_value, why):
    """No walk planned; the plan is "stand here" where the pose now is trusted, and none where it is not."""
    node, robot = planning_towards_a_goal(setup)
    stamp = 40.0 + len(robot.received["agent/cmd_vel_proposed"])  # a tick of its own
    latent = np.full(LATENT_DIM, latent_value)
    before = dict(node.counts)
    proposal = robot.tick(stamp, latent, position=(odom_x, 0.0, 0.3), quat=quat)
    counted = {k: v - before.get(k, 0) for k, v in node.counts.items()}
    assert proposal is not None and np.allclose(twist_vector(proposal), 0.0)
    assert counted.get(why) == 1 and not counted.get("ticks")
    if why == "idle:untrusted odometry":
        robot.spin_until(lambda: False, 0.3)  # the plan would go out before the proposal: let it arrive
        assert not robot.stamped("agent/plan", stamp)  # no pose the guardrail could trust
    else:
        assert planned_to_stand_at(robot, stamp, odom_x)
    assert robot.tick(stamp + 0.5) is not None and node.counts["ticks"] == before.get("ticks", 0) + 1


def test_a_goal_in_another_frame_or_not_finite_is_dropped_and_it_proposes_zero_until_a_good_one(setup):
    node, robot = planning_towards_a_goal(setup)
    stamp = 300.0  # beyond the stamps the tests above tick (the untrusted ones: 40 + proposals heard)
    for x, frame in ((3.0, "map"), (math.nan, "odom")):
        refused = node.counts["refused_goals"]
        robot.send_goal(x, 1.0, frame)
        assert robot.spin_until(lambda r=refused: node.counts["refused_goals"] == r + 1, 5.0), frame
        assert node.goal is None  # the old goal is not walked to: the user replaced it
        before = node.counts["idle:refused goal"]
        proposal = robot.tick(stamp)
        assert proposal is not None and np.allclose(twist_vector(proposal), 0.0), frame
        assert node.counts["idle:refused goal"] == before + 1 and planned_to_stand_at(robot, stamp, 0.0)
        robot.send_goal(2.0, 1.0)
        assert robot.spin_until(lambda: node.goal is not None and np.allclose(node.goal, [2.0, 1.0]), 5.0)
        ticks = node.counts["ticks"]
        assert robot.tick(stamp + 0.5) is not None and node.counts["ticks"] == ticks + 1  # planning again
        stamp += 1.0


def test_a_refused_goal_is_reported_at_rest_too(setup):
    """QA (2026-12-08): at rest the tick is not planned, which is no problem to report, and a goal in frame 'map'
    sent then was refused only in the logs."""
    node, robot = planning_towards_a_goal(setup)
    robot.send_goal(3.0, 1.0, "map")
    assert robot.spin_until(lambda: node.refused_goal is not None, 5.0)
    node.not_planned = None  # as a tick in rest mode leaves it
    level, message, _ = node._report()
    assert level == WARN and "refused goal: goal_pose in frame 'map'" in message
    robot.send_goal(2.0, 1.0)
    assert robot.spin_until(lambda: node.refused_goal is None, 5.0)


@pytest.mark.parametrize("width", [LATENT_DIM - 1, LATENT_DIM + 1])
def test_a_latent_of_the_wrong_size_gets_a_zero_proposal_and_no_plan(setup, width):
    node, robot = planning_towards_a_goal(setup)
    stamp = 60.0 + len(robot.received["agent/cmd_vel_proposed"])  # a tick of its own
    before = dict(node.counts)
    proposal = robot.tick(stamp, np.zeros(width))
    counted = {k: v - before.get(k, 0) for k, v in node.counts.items()}
    assert proposal is not None and np.allclose(twist_vector(proposal), 0.0)
    assert counted.get("idle:bad latent") == 1 and not counted.get("ticks")
    assert planned_to_stand_at(robot, stamp, 0.0)
    level, message, _ = node._report()  # said where an operator looks, not only in the log
    assert level >= WARN and "not planning (standing): bad latent: latent is 1x" in message
    assert robot.tick(stamp + 0.5) is not None and node.counts["ticks"] == before.get("ticks", 0) + 1
    assert "not planning" not in node._report()[1]


@pytest.mark.parametrize("frame", ["latent", "latent/0123456789ab"])
def test_a_latent_of_another_checkpoint_s_encoder_gets_a_zero_proposal_and_no_plan(setup, frame):
    """A latent means something only to its encoder's world model: after a reload of one node's checkpoint the
    actor planned on latents from another encoder without a word (QA, 2026-12-07)."""
    node, robot = planning_towards_a_goal(setup)
    stamp = 70.0 + len(robot.received["agent/cmd_vel_proposed"])
    before, own = dict(node.counts), robot.latent_frame
    robot.latent_frame = frame
    try:
        proposal = robot.tick(stamp)
    finally:
        robot.latent_frame = own
    counted = {k: v - before.get(k, 0) for k, v in node.counts.items()}
    assert proposal is not None and np.allclose(twist_vector(proposal), 0.0)
    assert counted.get("idle:bad latent") == 1 and not counted.get("ticks")
    assert robot.tick(stamp + 0.5) is not None and node.counts["ticks"] == before.get("ticks", 0) + 1


def test_a_checkpoint_with_a_damaged_file_beside_it_is_refused_and_the_running_actor_kept(setup, tmp_path):
    """QA (2026-12-08): the files beside a checkpoint (mode1.pt, planning_*.pt) were loaded only once the new value
    was taken, and a damaged one crashed the node instead of refusing the value."""
    node, robot = setup
    running, path = node.actor, node.params["checkpoint"]
    damaged = tmp_path / "damaged"
    shutil.copytree(path, damaged)
    (damaged / "mode1.pt").write_bytes((damaged / "model.pt").read_bytes()[:1000])
    result = node.set_parameters([Parameter("checkpoint", value=str(damaged))])[0]
    assert not result.successful and "mode1.pt" in result.reason
    assert node.actor is running and node.params["checkpoint"] == path and node.ckpt.rejected == 1
    assert robot.tick(90.0 + len(robot.received["agent/cmd_vel_proposed"])) is not None  # it goes on planning


def test_sample_markers_turned_off_are_cleared_once(setup):
    """Turned off at run time, the samples must not stay on RViz's screen for good (QA, 2026-12-07)."""
    node, robot = planning_towards_a_goal(setup)
    stamp = 80.0 + len(robot.received["agent/cmd_vel_proposed"])

    def markers_at(t: float) -> list:
        robot.spin_until(lambda: False, 0.3)  # they go out with the proposal: let them arrive
        return [a for a in robot.received["agent/plan_samples"] if a.markers and
                abs(stamp_to_sec(a.markers[0].header.stamp) - t) < 1e-6]

    assert all(r.successful for r in robot.set_parameters("actor_node", {"sample_markers": 4}))
    robot.tick(stamp)
    (shown,) = markers_at(stamp)
    assert [m.action for m in shown.markers] == [Marker.DELETEALL] + [Marker.ADD] * 4
    assert all(r.successful for r in robot.set_parameters("actor_node", {"sample_markers": 0}))
    robot.tick(stamp + 0.5)
    (cleared,) = markers_at(stamp + 0.5)
    assert [m.action for m in cleared.markers] == [Marker.DELETEALL]
    robot.tick(stamp + 1.0)
    assert not markers_at(stamp + 1.0)  # once: off stays quiet


def test_a_plan_walked_is_not_left_on_screen_once_the_actor_stops_planning(setup):
    """In rest mode (the goal reached) RViz and the video drew the last plan walked for good, as if the robot
    still followed it: an idle tick's plan is the pose now alone, and the samples shown are cleared once."""
    node, robot = planning_towards_a_goal(setup)
    stamp = 90.0 + len(robot.received["agent/cmd_vel_proposed"])
    mode_pub = robot.create_publisher(JointState, "agent/mode_stamped", SENSOR_QOS)
    assert all(r.successful for r in robot.set_parameters("actor_node", {"sample_markers": 4}))
    try:
        for t, mode in ((stamp, "reach"), (stamp + 0.5, "rest")):
            mode_pub.publish(mode_msg(sec_to_stamp(t), mode))
            assert robot.spin_until(lambda t=t: any(abs(s - t) < 1e-6 for s, _ in node.gate.history["mode"]), 5.0)
            assert robot.tick(t, position=(0.7, 0.0, 0.3)) is not None
    finally:
        robot.set_parameters("actor_node", {"sample_markers": 0})
        robot.destroy_publisher(mode_pub)
    assert robot.spin_until(lambda: robot.stamped("agent/plan", stamp), 5.0)
    assert len(robot.stamped("agent/plan", stamp)[0].poses) == HORIZON + 1  # walking: the whole plan
    assert planned_to_stand_at(robot, stamp + 0.5, 0.7)
    robot.spin_until(lambda: False, 0.3)
    cleared = [a for a in robot.received["agent/plan_samples"]
               if a.markers and abs(stamp_to_sec(a.markers[0].header.stamp) - stamp - 0.5) < 1e-6]
    assert [[m.action for m in a.markers] for a in cleared] == [[Marker.DELETEALL]]


def test_it_walks_to_the_goal_the_configurator_homed_only_while_that_is_the_goal_it_holds(setup):
    """The tick's mode carrier holds (goal sent, goal moved onto the marker seen or a viewpoint, and while looking
    around a point to keep in view): the actor plans to the second and keeps the third in view, unless the goal
    sent is not the one it holds (a newer goal the configurator has not had)."""
    node, robot = setup
    robot.definition_pub.publish(named_values_msg(sec_to_stamp(0.0), definition()))
    assert robot.spin_until(lambda: node.definition == definition(), 5.0)
    robot.send_goal(2.0, 1.0)
    assert robot.spin_until(lambda: node.goal is not None and node.goal[0] == 2.0, 5.0)
    mode_pub = robot.create_publisher(JointState, "agent/mode_stamped", SENSOR_QOS)
    assert robot.spin_until(lambda: robot.count_subscribers("agent/mode_stamped") > 0, 5.0)
    planned_to, looked = [], []
    act = node.actor.act

    def spy(latent, pose, goal, *a, **k):
        planned_to.append(goal)
        looked.append(k["look_at"])
        return act(latent, pose, goal, *a, **k)

    node.actor.act = spy
    try:
        for stamp, sent in ((400.0, (2.0, 1.0)), (400.5, (5.0, 5.0))):  # after every other test's ticks
            mode_pub.publish(mode_msg(sec_to_stamp(stamp), "reach", np.array(sent), np.array([2.3, 0.8]),
                                      np.array([2.5, 1.5])))
            # Heard before the tick: the gate may have given up on the mode in an earlier test.
            assert robot.spin_until(lambda s=stamp: any(abs(t - s) < 1e-6 for t, _ in node.gate.history["mode"]), 5.0)
            assert robot.tick(stamp) is not None
    finally:
        node.actor.act = act
    assert planned_to[0] == pytest.approx([2.3, 0.8]) and planned_to[1] == pytest.approx([2.0, 1.0])
    assert looked[0] == pytest.approx([2.5, 1.5]) and looked[1] is None
    assert node._report()[2]["homed_goal"] == pytest.approx([2.0, 1.0])
    robot.destroy_publisher(mode_pub)


def test_a_checkpoint_never_distilled_is_said_to_plan_without_its_distilled_files(setup):
    """QA (2026-12-08): a switch to a checkpoint with no mode1.pt or planning_*.pt beside it was taken in silence
    (only the log said so): the actor plans on, slower and worse, and /diagnostics now says why."""
    node, _ = setup  # the tiny checkpoint was never distilled
    node.definition = definition()
    level, message, values = node._report()
    assert level == WARN and "planning without mode1.pt, planning_heads.pt" in message
    assert values["policy"] == "none"


def test_the_files_looked_for_beside_a_checkpoint_are_the_ones_not_named_in_a_setting(tmp_path):
    for name in ("mode1.pt", "planning_heads.pt"):
        (tmp_path / name).touch()
    member = ActorSettings(path="member")
    assert absent_beside(member, str(tmp_path)) == ["planning_dynamics.pt"]
    assert absent_beside(ActorSettings(path="ensemble"), str(tmp_path)) == []  # it rolls every member out
    assert absent_beside(ActorSettings(path="member", dynamics_file=str(tmp_path / "x.pt")), str(tmp_path)) == []
    assert absent_beside(ActorSettings(path="member", heads_file="none"), str(tmp_path / "empty")) == [
        "mode1.pt", "planning_dynamics.pt"]
