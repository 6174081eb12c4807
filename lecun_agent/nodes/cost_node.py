"""cost_node: the intrinsic cost of every measured state, and the safety guardrail on every command.

Cost: each joint reading, with the IMU, odometry and contacts of the same instant (TickGate),
is checked for NaN/Inf, a quaternion that is no rotation and contacts whose names and forces do
not pair (an untrusted source stops the robot and never reaches the pain filter),
scored by `IntrinsicCost` and published on `agent/cost` (JointState: stamp = the reading's,
name = terms + "total", position = weighted, effort = raw). A measured fall latches a stop.
Guardrail: each `agent/cmd_vel_proposed` waits until the readings of its instant are scored,
then `Guardrail.decide` judges it at its own stamp (or the time, if later: the node clock or the
newest trusted reading); one stamped further ahead of that time than `future_tolerance_s` is
refused at once (no reading of its instant can come yet). Between proposals the stop rules are
re-checked (they can stop the robot, never start it): in real time on a node-clock timer, at the
time now; in lock-step (`sync_tick_s` > 0) at every instant of the body's readings
(lockstep_answers.py: the gait waits for the answer to each reading, so which control step a stop
reaches never depends on when it arrived). A joint stream that falls silent or arrives stamped in
the past costs one wait for its score (`sync_timeout_s`); then the stop comes when the stream's
timeout runs out in sim time, however loaded the machine. In real time an IMU, odometry or contact stream
that stops is not waited for: once its newest is older than the newest joint reading by more than its
guardrail timeout (contacts: timeout_joint_states), the reading is scored without it and the robot stops
with that stream's reason (QA, 2026-12-08: a stopped contact stream held every reading for the whole wait).
Every `cmd_vel` carries the instant its decision was made for: a proposal's stamp (its agent
tick), or the time a re-check was made at. Weights are the run-time parameters weights.<term>;
everything else is read-only. The cost as it stands (weights, terms.*, veto.*) is published
latched on `cost/definition` at start and after every weight change, whoever set it: the actor
plans with exactly what is measured here.
"""

from __future__ import annotations

import time
from dataclasses import asdict

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from geometry_msgs.msg import Twist, TwistStamped
from nav_msgs.msg import Odometry, Path
from rclpy.node import Node
from sensor_msgs.msg import Imu, JointState
from std_msgs.msg import Bool
from std_srvs.srv import Trigger

from lecun_agent.cost.definition import cost_definition
from lecun_agent.cost.features import features_from_readings
from lecun_agent.cost.guardrail import Guardrail, GuardrailConfig, Verdict
from lecun_agent.cost.limits import load_body_limits
from lecun_agent.cost.total import IntrinsicCost, TermSettings
from lecun_agent.cost.veto import LATCHING, PLAN_FEATURES, VetoLimits
from lecun_agent.cost.weights import CostWeights, Floors
from lecun_agent.messages.conversions import (
    contacts_problem,
    message_problem,
    readings_from_msgs,
    sec_to_stamp,
    twist_msg,
    twist_vector,
)
from lecun_agent.messages.conversions import stamp_to_sec as sec
from lecun_agent.messages.plans import named_values_msg, path_problem, plan_costs_from_msg, plan_names_problem

from .clock_back import ClockBack
from .diagnostics import ERROR, OK, WARN, Diagnostics
from .held_goal import HeldGoal
from .lockstep_answers import LockStepAnswers
from .parameters import ParameterError, Parameters
from .qos import COMMAND_QOS, DECISION_QOS, LATCHED_QOS, SENSOR_PUBLISHER_QOS, declare_reliable_sensors, sensor_qos
from .spin import publish_last, spin_node
from .tick_gate import SYNC_TIMEOUT_S, TickGate

LEVEL = {Verdict.PASS: OK, Verdict.CLAMP: WARN, Verdict.STOP: ERROR}
W = "weights."


def _check_weights_reach_floors(node: Node, floors: Floors) -> None:
    """A profile that raises a floor above its weight's value must raise the weight too: ParameterError saying so,
    not rclpy's range error naming a default the user never wrote (QA, 2026-12-08: `floors.pain: 2.0` alone)."""
    low = []
    for term, floor in asdict(floors).items():
        given = node._parameter_overrides.get(W + term)
        value = given.value if given is not None else getattr(CostWeights(), term)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < floor:
            low.append(f"{W}{term} is {value}{'' if given is not None else ' (its default)'}, below floors.{term} "
                       f"{floor}")
    if low:
        raise ParameterError(f"{'; '.join(low)}: a weight may not be below its floor, so raise the weight with it "
                             "(e.g. both in the profile)")


class CostNode(Node):
    def __init__(self, **node_kwargs) -> None:
        super().__init__("cost_node", allow_undeclared_parameters=True, **node_kwargs)
        p = self.params = Parameters(self)
        floors = p.declare_settings(Floors, "floors.")
        _check_weights_reach_floors(self, floors)
        weights = p.declare_settings(CostWeights, W, low=asdict(floors))
        settings = p.declare_settings(TermSettings, "terms.")
        veto = p.declare_settings(VetoLimits, "veto.")
        guard = p.declare_settings(GuardrailConfig, "guardrail.")
        urdf = p.declare("urdf", "", "URDF with joint limits and mass; empty = the package's")
        sync_s = p.declare("sync_timeout_s", SYNC_TIMEOUT_S, "wall seconds to wait for the readings (and plan) of a "
                           "proposal's instant, or in lock-step for a tick's proposal or an instant's joint reading, "
                           "before going on without them (counted); in real time an IMU, odometry or contact "
                           "stream whose newest is older than the newest joint reading by more than its guardrail "
                           "timeout has stopped and is not waited for", low=0.05, high=60.0)
        tick_s = p.declare("sync_tick_s", 0.0, "lock-step simulation: the agent tick period (1 / camera rate), s. "
                           "Every instant of the body's readings is then answered on cmd_vel, stamped with it: "
                           "at a tick by the tick's judged proposal, between ticks by the stop rules re-checked at "
                           "it (and at guardrail.rate_hz on the node clock once it runs half a tick past the newest "
                           "answer). "
                           "0 = real time: the stop rules are re-checked at guardrail.rate_hz", low=0.0, high=1.0)
        plans = p.declare("expect_plans", False, "the agent publishes agent/plan_costs with every proposal "
                          "(the planner does): judge each proposal with its plan")
        unstamped = p.declare("cmd_vel_unstamped", False, "also send every command as geometry_msgs/Twist on "
                              "cmd_vel_unstamped, for a robot driver that takes unstamped Twist (point its input "
                              "there); without the stamp its watchdog must time commands by their arrival")
        sensor = sensor_qos(declare_reliable_sensors(p))
        p.reject_unknown_overrides()
        self.cost = IntrinsicCost(load_body_limits(urdf or None), settings, weights, veto)
        self.guard = Guardrail(guard, veto, expect_plans=plans)
        self.plan_quantities = frozenset((*self.cost.term_names, *PLAN_FEATURES))  # what agent/plan_costs may name
        p.on_change(self._apply_weights)
        self.goal: np.ndarray | None = None
        self.last_cost: dict[str, float] = {}
        self.proposal_stamp: float | None = None  # the newest proposal taken
        self.last_stamp = None  # what the last cmd_vel carried: the instant its decision was made for
        self.clock_back = ClockBack()  # read at every `_now`
        # In real time an input that stopped is not waited for (sync_timeout_s at every joint reading: nothing
        # scored, no stop of its own until the proposals went stale, QA 2026-12-08): once its newest is older than
        # the newest joint reading by more than its timeout, the reading is scored without it and `_lost` stops.
        # In lock-step the gate waits for every input of the tick, however late.
        lost_after = None if tick_s > 0 else {
            "imu": guard.timeout_imu, "odom": guard.timeout_odom,
            "feet": guard.timeout_joint_states, "body": guard.timeout_joint_states}
        self.readings = TickGate(self, ("imu", "odom", "feet", "body"), sync_s, self._score,
                                 stopped_after=lost_after)
        # A proposal always waits for its instant's readings, even when a stop looks certain: a reading
        # still on its way may change the verdict, and the verdict must not depend on arrival order.
        self.proposals = TickGate(self, ("scored", "plan") if plans else ("scored",), sync_s, self._judge)
        self.cost_pub = self.create_publisher(JointState, "agent/cost", SENSOR_PUBLISHER_QOS)
        self.decision_pub = self.create_publisher(DiagnosticArray, "guardrail/decisions", DECISION_QOS)
        self.cmd_pub = self.create_publisher(TwistStamped, "cmd_vel", COMMAND_QOS)
        self.unstamped_pub = self.create_publisher(Twist, "cmd_vel_unstamped", COMMAND_QOS) if unstamped else None
        self.definition_pub = self.create_publisher(JointState, "cost/definition", LATCHED_QOS)
        self._publish_definition()
        sub = self.create_subscription
        sub(JointState, "joint_states", self._on_joints, sensor)
        for topic, kind, name in (("imu/data", Imu, "imu"), ("odom", Odometry, "odom")):
            sub(kind, topic, lambda m, n=name: self._on_sensor(n, m), sensor)
        for topic, name in (("foot_contacts", "feet"), ("body_contacts", "body")):
            sub(JointState, topic, self.readings.feed(name), sensor)
        self.held_goal = HeldGoal(self, self._on_goal)
        sub(TwistStamped, "agent/cmd_vel_proposed", self._on_proposal, COMMAND_QOS)
        sub(Path, "agent/plan", self._on_path, COMMAND_QOS)
        sub(JointState, "agent/plan_costs", self._on_plan_costs, COMMAND_QOS)
        # e_stop twice: transient local, so a latched `true` sent before this node started still stops it; and
        # volatile, since a transient-local subscription never matches a volatile publisher (`ros2 topic pub`'s
        # default). A latched publisher reaches both: the second `true` finds the stop already held.
        for qos in (LATCHED_QOS, COMMAND_QOS):
            sub(Bool, "e_stop", lambda m: m.data and self._e_stop("e_stop topic"), qos)
        self.create_service(Trigger, "e_stop", lambda req, res: self._e_stop("e_stop service", res))
        self.create_service(Trigger, "reset_e_stop", self._reset_e_stop)
        self.lockstep = LockStepAnswers(
            self, tick_s, sync_s, recheck=lambda stamp_msg: self._recheck(self._time(), stamp_msg),
            started=lambda: self.proposal_stamp is not None, now=self._now) if tick_s > 0 else None
        self.create_timer(1.0 / guard.rate_hz, self._check)
        self.diagnostics = Diagnostics(self, self._report)
        self.get_logger().info(f"cost terms {', '.join(self.cost.term_names)}; weights {self.cost.weights}")

    def _now(self) -> float:
        """The node clock; one that went back starts the guardrail afresh first (clock_back.py)."""
        now = self.get_clock().now().nanoseconds * 1e-9
        if (before := self.clock_back.went_back(now)) is not None:
            self._clock_went_back(before, now)
        return now

    def _clock_went_back(self, before: float, now: float) -> None:
        """QA (2026-12-08): on a looped replay the guardrail kept the stamps of the pass before; the newest reading
        held its time there, so the last proposal never aged, and with no new proposal taken the last command
        (a walk) went out again and again, on past the actor's death. Everything stamped is forgotten and the
        robot stops (stamped with the clock now) until readings and a proposal come on the new time."""
        detail = (f"the node clock went back from {before:.3f} to {now:.3f} s (a looped replay, a clock stepped "
                  "back): inputs and stamps forgotten, stopped until they come again")
        self.get_logger().warning(detail)
        self.readings.forget(now)
        self.proposals.forget(now)
        if self.lockstep:
            self.lockstep.forget(now)
        self.proposal_stamp = None
        self._publish(self.guard.clock_went_back(detail), sec_to_stamp(now))

    def _time(self) -> float:
        """The time the guardrail judges at: the node clock, or the newest trusted reading if later."""
        return self.guard.time(self._now())

    # ---- weights -----------------------------------------------------------------------
    def _apply_weights(self, changed: dict) -> None:
        """rclpy checked each weight against its range [floor, max]; the terms take the new values."""
        new = {k[len(W):]: float(v) for k, v in changed.items() if k.startswith(W)}
        old = self.cost.weights
        self.cost.set_weights(new)
        for name, value in new.items():
            self.get_logger().info(f"weight {name}: {old[name]} -> {value} at t={self._now():.3f} "
                                   f"(wall {time.strftime('%Y-%m-%dT%H:%M:%S')})")
        self._publish_definition()

    def _publish_definition(self) -> None:
        """The cost as it is now (weights, term settings, veto limits), latched: what planners follow."""
        definition = cost_definition(CostWeights(**self.cost.weights), self.cost.settings, self.cost.veto)
        self.definition_pub.publish(named_values_msg(self.get_clock().now().to_msg(), definition))

    # ---- measured cost -------------------------------------------------------------------
    def _on_goal(self, goal: np.ndarray | None, problem: str | None) -> None:
        self.goal = goal
        if problem is not None:
            self.get_logger().error(f"{problem}: goal dropped, the task terms score no goal")

    def _on_sensor(self, source: str, msg) -> None:
        """imu/data, odom: the guardrail judges freshness and trust at arrival; only trusted ones score."""
        stamp, now = sec(msg.header.stamp), self._now()
        problem = message_problem(msg)
        trusted = self.guard.seen(source, stamp, now, problem)
        if problem is not None:
            self.get_logger().error(f"{source} stamped {stamp:.3f} refused: {problem}", throttle_duration_sec=2.0)
        # a refused one still marks its instant as come (nothing waits for it), but never later than now: a future
        # stamp would make every honest reading after it look out of order
        self.readings.input(source, stamp if trusted else min(stamp, now), msg if trusted else None)
        if trusted and self.lockstep:
            self.lockstep.new_instant(stamp, msg.header.stamp)

    def _on_joints(self, msg: JointState) -> None:
        stamp, now = sec(msg.header.stamp), self._now()
        problem = message_problem(msg)
        # its contacts and cost terms are judged when it is scored: a joint reading that came after an untrusted
        # one does not release the stop before then (`_score_reading` settles it)
        if self.guard.seen("joint_states", stamp, now, problem, settles=False):
            if self.lockstep:
                self.lockstep.new_instant(stamp, msg.header.stamp)
            self.readings.event(stamp, msg)
        else:  # refused (untrusted or from the future), and done with: no proposal waits for it
            self.get_logger().error(f"joint_states stamped {stamp:.3f} refused at t={now:.3f}: "
                                    f"{problem or 'stamp ahead of the clock'}", throttle_duration_sec=2.0)
            self.proposals.input("scored", min(stamp, now), None)
            if self.lockstep:  # the gait waits for an answer to this reading too: a stop
                self.lockstep.refused(min(stamp, self._time()))

    def _score(self, stamp: float, joints: JointState, latest: dict, timed_out: bool) -> None:
        """One joint reading with the IMU, odometry and contacts of its instant; then its proposal may go."""
        try:
            self._score_reading(stamp, joints, latest)
        finally:
            self.proposals.input("scored", stamp, None)
            if self.lockstep:
                self.lockstep.scored(stamp, joints.header.stamp)

    def _score_reading(self, stamp: float, joints: JointState, latest: dict) -> None:
        if latest["imu"] is None or latest["odom"] is None:
            return  # the IMU or odometry of this instant was refused or never came: the guardrail stops
        for key, topic in (("imu", "imu/data"), ("odom", "odom")):
            if lost := self._lost(latest[key], topic, stamp, f"timeout_{key}"):
                # never scored with it: the guardrail stops (stale:<source>: its newest is older still by the time)
                self.get_logger().warning(f"joint reading at t={stamp:.3f} not scored: {lost}",
                                          throttle_duration_sec=2.0)
                return
        readings = readings_from_msgs(joints, *(latest[k] for k in ("imu", "odom", "feet", "body")))
        untrusted = readings.untrusted()  # the contacts (the rest was checked at arrival)
        for key, topic in (("feet", "foot_contacts"), ("body", "body_contacts")):
            if problem := contacts_problem(latest[key], topic) or self._lost(
                    latest[key], topic, stamp, "timeout_joint_states",
                    "a contact stream that stopped, or lags that far"):
                untrusted[key] = problem
        if untrusted:  # never into the pain filter, and the robot stops
            self.guard.seen("joint_states", stamp, self._now(), "; ".join(untrusted.values()))
            self.get_logger().error(f"untrusted reading at t={stamp:.3f}: {'; '.join(untrusted.values())}",
                                    throttle_duration_sec=2.0)
            return
        data = self.cost.evaluate(features_from_readings(readings, self.goal), check=False)
        names = list(self.cost.term_names)
        raw = {n: float(data.raw[n]) for n in names}
        if not self.guard.cost_terms(stamp, raw):  # never published nor into the pain filter; the robot stops
            self.get_logger().error(f"raw cost terms at t={stamp:.3f} not finite: {raw}", throttle_duration_sec=2.0)
            return
        out = JointState(name=names + ["total"])
        out.header.stamp, out.header.frame_id = joints.header.stamp, "cost"
        out.position = [float(data.weighted[n]) for n in names] + [float(data.costs)]
        out.effort = [raw[n] for n in names] + [float(data.costs)]
        self.cost_pub.publish(out)
        self.last_cost = dict(zip(out.name, out.position, strict=True))
        self.guard.pain(stamp, raw["pain"])
        self.guard.attitude(stamp, readings.imu_quat)
        self.guard.measured({q: bool(data.breaches[q]) for q in LATCHING}, stamp)
        self.guard.settled("joint_states", stamp)  # every check passed: the joint reading is trusted

    def _lost(self, msg, topic: str, stamp: float, timeout: str,
              what: str = "a stream that stopped, or lags that far") -> str | None:
        """A stream that was heard and then stopped: its newest message is older than the joint reading by more than
        `guardrail.<timeout>` (contacts: joint_states', as they come with it; the IMU and odometry: their own).
        Read, it would give the body as it was when it stopped (contacts: pain, falls and force unseen). In real
        time the readings gate stops waiting for it at that age (`TickGate.stopped_after`), so this comes within
        its timeout. A robot that never sends contacts is acted on without them (`TickGate`)."""
        if msg is None:
            return None
        age, limit = stamp - sec(msg.header.stamp), getattr(self.guard.config, timeout)
        if age > limit:
            return (f"{topic}: the newest is {age:.3f} s older than the joint reading "
                    f"(> guardrail.{timeout} {limit} s): {what}")
        return None

    # ---- guardrail -----------------------------------------------------------------------
    def _on_proposal(self, msg: TwistStamped) -> None:
        """A proposal waits for the readings of its instant, unless it is stamped further ahead of the clock
        than the guardrail trusts: no reading of that instant can come yet, so it is refused (a stop) now."""
        stamp = sec(msg.header.stamp)
        if stamp > self._time() + self.guard.config.future_tolerance_s:
            self._judge(stamp, msg, {}, timed_out=False)
        else:
            self.proposals.event(stamp, msg)

    def _judge(self, stamp: float, msg: TwistStamped, latest: dict, timed_out: bool) -> None:
        if self.proposal_stamp is not None and stamp <= self.proposal_stamp:
            self._publish(self.guard.last)  # a tick offered again (start-up), or late: the answer given
            return
        # In lock-step this node's /clock can trail the tick a little (the proposal's stamp says the sim
        # is there), so the stamp may stand for now: by up to future_tolerance_s, no further. A stamp
        # beyond that is a clock we cannot trust: refused (the robot stops), and it never becomes the
        # tick, or every honest proposal stamped before it would look like a tick offered again.
        clock = self._time()
        now = max(clock, min(stamp, clock + self.guard.config.future_tolerance_s))
        taken = self.guard.propose(twist_vector(msg), stamp, now)
        if taken:
            self.proposal_stamp = stamp
        elif self.proposal_stamp is None:
            return  # nothing goes out before the first proposal taken
        decision = self.guard.decide(now)
        answered = stamp if taken else min(stamp, clock)  # a refused proposal's stamp is not a time we trust
        self._publish(decision, msg.header.stamp if taken else sec_to_stamp(answered))
        self._log_decision(msg.header.stamp, decision)
        if self.lockstep:  # this answers the tick's reading
            self.lockstep.proposal_judged(answered)

    def _log_decision(self, stamp, decision) -> None:
        """Every decision that changes or limits a command, on guardrail/decisions (reasons, stamp = when)."""
        if decision.reasons:
            status = DiagnosticStatus(level=LEVEL[decision.verdict], name="guardrail", message=decision.detail,
                                      values=[KeyValue(key=r, value="1") for r in decision.reasons])
            out = DiagnosticArray(status=[status])
            out.header.stamp = stamp
            self.decision_pub.publish(out)

    def _check(self) -> None:
        """On the node clock, between proposals: re-check the stop rules at the time now, and repeat the
        output stamped with it (in real time also a keep-alive for drivers with their own command timeout).
        Nothing goes out before the first proposal. In lock-step the answers to the readings are the
        re-checks; the timer re-checks only once the loop went on without them (`loop_ran_on`), and
        then sends a decision only when it changes: repeated, each would answer the gait's reading of
        its instant and step the sim on by itself."""
        if self.proposal_stamp is None or (self.lockstep and not self.lockstep.loop_ran_on()):
            return
        now = self._time()
        self._recheck(now, sec_to_stamp(now), changes_only=self.lockstep is not None)

    def _recheck(self, now: float, stamp, changes_only: bool = False) -> None:
        """The stop rules re-checked at `now`, out on cmd_vel stamped `stamp` (with `changes_only`, only a
        decision other than the last); a new stop is logged."""
        before = self.guard.last
        decision = self.guard.check(now)
        if changes_only and decision.reasons == before.reasons and np.array_equal(decision.cmd, before.cmd):
            return
        self._publish(decision, stamp)
        if decision is not before and decision.reasons != before.reasons:  # a new stop between proposals
            self._log_decision(stamp, decision)

    def _on_path(self, msg: Path) -> None:
        """A path with a non-finite pose, or with none (a plan has at least the pose now), vetoes."""
        problem = path_problem(msg)
        if problem:
            self.get_logger().error(f"agent/plan has {problem}: vetoed", throttle_duration_sec=2.0)
        self.guard.plan(sec(msg.header.stamp), {"path": np.array([np.inf if problem else 0.0])}, self._now())

    def _on_plan_costs(self, msg: JointState) -> None:
        """name = "<quantity>[<step>]" (e.g. "tilt[3]"), position = predicted value. Names and values that
        do not pair up, a name of another form or of a quantity not known here are a plan that cannot be read:
        it vetoes (plan_veto:plan_costs) as a NaN one does."""
        predicted, problem = plan_costs_from_msg(msg)
        unknown = sorted(set(predicted) - self.plan_quantities)
        problem = problem or plan_names_problem(msg.name) or (
            f"unknown quantities {unknown} (known: {', '.join(sorted(self.plan_quantities))})" if unknown else None)
        if problem:
            self.get_logger().error(f"agent/plan_costs has {problem}: vetoed", throttle_duration_sec=2.0)
            predicted = {"plan_costs": np.array([np.inf])}
        stamp = sec(msg.header.stamp)
        self.guard.plan(stamp, predicted, self._now())
        if "plan" in self.proposals.history:
            self.proposals.input("plan", stamp, None)

    def _e_stop(self, why: str, response: Trigger.Response | None = None):
        self.guard.e_stop(why)
        self.get_logger().error(f"E-STOP raised by {why}; latched until reset_e_stop")
        self._check()  # at once, not at the next output period
        if response is not None:
            response.success, response.message = True, "e-stop latched; call reset_e_stop to release"
        return response

    def _reset_e_stop(self, request, response: Trigger.Response) -> Trigger.Response:
        was = self.guard.reset_e_stop()
        self.get_logger().warning("latched stop reset by service" if was else "reset_e_stop: nothing latched")
        response.success, response.message = True, "stop released" if was else "no stop was latched"
        return response

    def _publish(self, decision, stamp=None) -> None:
        """`decision` on cmd_vel, stamped `stamp` (a builtin Time) or, if None, as the last command was."""
        self.last_stamp = stamp if stamp is not None else self.last_stamp
        msg = twist_msg(self.last_stamp, decision.cmd)
        self.cmd_pub.publish(msg)
        if self.unstamped_pub is not None:
            self.unstamped_pub.publish(msg.twist)
        if decision.reasons != getattr(self, "_logged", ()):  # log each change of reasons
            if decision.reasons:
                self.get_logger().warning(f"guardrail {decision.verdict}: {decision.detail}")
            else:
                self.get_logger().info("guardrail pass: command passes unchanged")
            self._logged = decision.reasons

    def _report(self):
        decision = self.guard.last
        values = {f"count.{k}": v for k, v in sorted(self.guard.counts.items())}
        values.update({f"outputs.{v}": n for v, n in self.guard.verdicts.items()})
        values.update({f"weight.{k}": v for k, v in self.cost.weights.items()})
        values.update({f"cost.{k}": round(v, 4) for k, v in self.last_cost.items()})
        values.update(e_stop=self.guard.e_stopped,
                      sync_timeouts=self.readings.timeouts + self.proposals.timeouts
                      + (self.lockstep.gate.timeouts if self.lockstep else 0))  # its waits for a tick's proposal
        values.update({f"out_of_order.{k}": v for k, v in sorted((self.readings.out_of_order
                                                                  + self.proposals.out_of_order).items())})
        return LEVEL[decision.verdict], f"{decision.verdict}: {decision.detail or 'ok'}", values

    def publish_zero(self) -> None:
        msg = twist_msg(self.get_clock().now().to_msg(), np.zeros(3))
        publish_last(self.cmd_pub, msg)
        if self.unstamped_pub is not None:
            publish_last(self.unstamped_pub, msg.twist)


def main(args=None) -> None:
    spin_node(CostNode, args, on_shutdown=lambda node: node.publish_zero())


if __name__ == "__main__":
    main()
