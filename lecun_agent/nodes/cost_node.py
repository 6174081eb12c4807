"""cost_node: the intrinsic cost of every measured state, and the safety guardrail on every command.

Cost: on each joint_states it rebuilds the readings, scores them with `IntrinsicCost` and
publishes `agent/cost` (sensor_msgs/JointState: header.stamp = the joint_states stamp,
name = term names + "total", position = weighted value, effort = raw value).
Guardrail: `agent/cmd_vel_proposed` in, `cmd_vel` out, on each proposal and on a node-clock
timer; `Guardrail` decides pass / clamp / stop. Weights are the parameters weights.<term>;
the safety floors floors.<term> and every structural constant are read-only.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict

import numpy as np
from geometry_msgs.msg import PoseStamped, TwistStamped
from nav_msgs.msg import Odometry, Path
from rclpy.node import Node
from sensor_msgs.msg import Imu, JointState
from std_msgs.msg import Bool
from std_srvs.srv import Trigger

from lecun_agent.cost.features import features_from_readings
from lecun_agent.cost.guardrail import Guardrail, GuardrailConfig, Verdict
from lecun_agent.cost.limits import load_body_limits
from lecun_agent.cost.total import IntrinsicCost, TermSettings
from lecun_agent.cost.veto import VetoLimits
from lecun_agent.cost.weights import CostWeights, Floors
from lecun_agent.messages.conversions import JointOrderError, readings_from_msgs, twist_msg, twist_vector
from lecun_agent.messages.conversions import stamp_to_sec as sec

from .diagnostics import ERROR, OK, WARN, Diagnostics
from .parameters import Parameters
from .qos import COMMAND_QOS, LATCHED_QOS, SENSOR_QOS
from .spin import publish_last, spin_node

LEVEL = {Verdict.PASS: OK, Verdict.CLAMP: WARN, Verdict.STOP: ERROR}
W = "weights."


class CostNode(Node):
    def __init__(self, **node_kwargs) -> None:
        super().__init__("cost_node", allow_undeclared_parameters=True, **node_kwargs)
        p = self.params = Parameters(self)
        floors = p.declare_settings(Floors, "floors.")
        weights = p.declare_settings(CostWeights, W, low=asdict(floors))
        settings = p.declare_settings(TermSettings, "terms.")
        veto = p.declare_settings(VetoLimits, "veto.")
        guard = p.declare_settings(GuardrailConfig, "guardrail.")
        urdf = p.declare("urdf", "", "URDF with joint limits and mass; empty = the package's")
        p.reject_unknown_overrides()
        self.cost = IntrinsicCost(load_body_limits(urdf or None), settings, weights, veto)
        self.guard = Guardrail(guard, veto)
        p.on_change(self._apply_weights)
        self.msgs: dict[str, object] = {}
        self.goal: np.ndarray | None = None
        self.last_cost: dict[str, float] = {}
        self.last_reasons: tuple[str, ...] = ()
        self.cost_pub = self.create_publisher(JointState, "agent/cost", SENSOR_QOS)
        self.cmd_pub = self.create_publisher(TwistStamped, "cmd_vel", COMMAND_QOS)
        self.diag = Diagnostics(self)
        sub = self.create_subscription
        sub(JointState, "joint_states", self._on_joints, SENSOR_QOS)
        for topic, kind, source in (("imu/data", Imu, "imu"), ("odom", Odometry, "odom")):
            sub(kind, topic, lambda m, s=source: self._on_input(s, m), SENSOR_QOS)
        sub(JointState, "foot_contacts", lambda m: self.msgs.__setitem__("feet", m), SENSOR_QOS)
        sub(JointState, "body_contacts", lambda m: self.msgs.__setitem__("body", m), SENSOR_QOS)
        sub(PoseStamped, "goal_pose", self._on_goal, COMMAND_QOS)
        sub(TwistStamped, "agent/cmd_vel_proposed", self._on_proposal, COMMAND_QOS)
        sub(Path, "agent/plan", self._on_path, COMMAND_QOS)
        sub(JointState, "agent/plan_costs", self._on_plan_costs, COMMAND_QOS)
        sub(Bool, "e_stop", lambda m: m.data and self._e_stop("e_stop topic"), LATCHED_QOS)
        self.create_service(Trigger, "e_stop", lambda req, res: self._e_stop("e_stop service", res))
        self.create_service(Trigger, "reset_e_stop", self._reset_e_stop)
        self.create_timer(1.0 / guard.rate_hz, self._tick)
        self.create_timer(1.0, self._publish_diagnostics)
        self.get_logger().info(f"cost terms {', '.join(self.cost.term_names)}; weights {self.cost.weights}")

    # ---- weights -----------------------------------------------------------------------
    def _apply_weights(self, changed: dict) -> None:
        """rclpy checked each weight against its range [floor, max]; the terms take the new values."""
        new = {k[len(W):]: float(v) for k, v in changed.items() if k.startswith(W)}
        old = self.cost.weights
        self.cost.set_weights(new)
        stamp = self.get_clock().now().nanoseconds * 1e-9
        for name, value in new.items():
            self.get_logger().info(f"weight {name}: {old[name]} -> {value} at t={stamp:.3f} "
                                   f"(wall {time.strftime('%Y-%m-%dT%H:%M:%S')})")

    # ---- measured cost -------------------------------------------------------------------
    def _on_input(self, source: str, msg) -> None:
        self.msgs[source] = msg
        self.guard.seen(source, sec(msg.header.stamp))

    def _on_goal(self, msg: PoseStamped) -> None:
        self.goal = np.array([msg.pose.position.x, msg.pose.position.y])

    def _on_joints(self, msg: JointState) -> None:
        self._on_input("joint_states", msg)
        if "imu" not in self.msgs or "odom" not in self.msgs:
            return  # height and heading come from odom; no cost without them
        try:
            readings = readings_from_msgs(msg, self.msgs["imu"], self.msgs["odom"],
                                          self.msgs.get("feet"), self.msgs.get("body"))
        except JointOrderError as err:
            self.get_logger().error(str(err), throttle_duration_sec=5.0)
            return
        data = self.cost.evaluate(features_from_readings(readings, self.goal), check=False)
        names = list(self.cost.term_names)
        out = JointState(name=names + ["total"])
        out.header.stamp, out.header.frame_id = msg.header.stamp, "cost"
        out.position = [float(data.weighted[n]) for n in names] + [float(data.costs)]
        out.effort = [float(data.raw[n]) for n in names] + [float(data.costs)]
        self.cost_pub.publish(out)
        self.last_cost = dict(zip(out.name, out.position, strict=True))
        self.guard.pain(readings.stamp, float(data.raw["pain"]))

    # ---- guardrail -----------------------------------------------------------------------
    def _on_proposal(self, msg: TwistStamped) -> None:
        self.guard.propose(twist_vector(msg), sec(msg.header.stamp))
        self._tick(msg.header.stamp)

    def _on_path(self, msg: Path) -> None:
        xyz = [(ps.pose.position.x, ps.pose.position.y, ps.pose.position.z) for ps in msg.poses]
        finite = all(math.isfinite(v) for p in xyz for v in p)
        self.guard.plan(sec(msg.header.stamp), {"path": np.array([0.0 if finite else math.inf])})

    def _on_plan_costs(self, msg: JointState) -> None:
        """name = "<quantity>[<step>]" (e.g. "tilt[3]"), position = predicted value."""
        predicted: dict[str, list[float]] = {}
        for name, value in zip(msg.name, msg.position, strict=False):
            predicted.setdefault(name.split("[")[0], []).append(value)
        self.guard.plan(sec(msg.header.stamp), {k: np.array(v) for k, v in predicted.items()})

    def _e_stop(self, why: str, response: Trigger.Response | None = None):
        self.guard.e_stop(why)
        self.get_logger().error(f"E-STOP raised by {why}; latched until reset_e_stop")
        self._tick()
        if response is not None:
            response.success, response.message = True, "e-stop latched; call reset_e_stop to release"
        return response

    def _reset_e_stop(self, request, response: Trigger.Response) -> Trigger.Response:
        was = self.guard.reset_e_stop()
        self.get_logger().warning("e-stop reset by service" if was else "reset_e_stop: no e-stop was latched")
        response.success, response.message = True, "e-stop released" if was else "no e-stop was latched"
        return response

    def _tick(self, stamp=None) -> None:
        now = self.get_clock().now()
        decision = self.guard.step(now.nanoseconds * 1e-9)
        if decision.verdict == Verdict.STOP or stamp is None:
            stamp = now.to_msg()
        self.cmd_pub.publish(twist_msg(stamp, decision.cmd))
        if decision.reasons != self.last_reasons:  # log each change of reasons, count every output
            if decision.reasons:
                self.get_logger().warning(f"guardrail {decision.verdict}: {decision.detail}")
            else:
                self.get_logger().info("guardrail pass: command passes unchanged")
            self.last_reasons = decision.reasons
        self.last_decision = decision

    def _publish_diagnostics(self) -> None:
        decision = getattr(self, "last_decision", None)
        if decision is None:
            return
        values = {f"count.{k}": v for k, v in sorted(self.guard.counts.items())}
        values.update({f"outputs.{v}": n for v, n in self.guard.verdicts.items()})
        values.update({f"weight.{k}": v for k, v in self.cost.weights.items()})
        values.update({f"cost.{k}": round(v, 4) for k, v in self.last_cost.items()})
        values["e_stop"] = self.guard.e_stopped
        self.diag.publish(LEVEL[decision.verdict], f"{decision.verdict}: {decision.detail or 'ok'}", values)

    def publish_zero(self) -> None:
        publish_last(self.cmd_pub, twist_msg(self.get_clock().now().to_msg(), np.zeros(3)))


def main(args=None) -> None:
    spin_node(CostNode, args, on_shutdown=lambda node: node.publish_zero())


if __name__ == "__main__":
    main()
