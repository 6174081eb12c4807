"""configurator_node: holds the agent's mode and pushes that mode's cost weights to cost_node.

Events switch the mode (goal on `goal_pose` -> reach; odom within goal_tolerance -> after_goal_mode;
tilt from `imu/data` past fall_tilt -> rest; an operator setting the `mode` parameter). The
current mode is published latched on `agent/mode` (std_msgs/String). Weights go to cost_node
through its normal parameter service (set_parameters_atomically, asynchronously), always
clipped to the stricter of our floors and cost_node's own `floors.<term>`.
"""

from __future__ import annotations

import time

from geometry_msgs.msg import PoseStamped
from nav_msgs.msg import Odometry
from rcl_interfaces.msg import ParameterType
from rcl_interfaces.srv import GetParameters, SetParametersAtomically
from rclpy.node import Node
from rclpy.parameter import Parameter
from sensor_msgs.msg import Imu
from std_msgs.msg import String

from lecun_agent.body.readings import tilt_of
from lecun_agent.configurator.modes import Mode, ModeMachine, Transition
from lecun_agent.configurator.profiles import DEFAULT_PROFILES, merge_floors, weights_for
from lecun_agent.cost.weights import DEFAULT_FLOORS, MAX_WEIGHT, TERM_NAMES

from .common import COMMAND_QOS, ERROR, LATCHED_QOS, OK, SENSOR_QOS, Diagnostics, Parameters, spin_node

MODES = [m.value for m in Mode]


def one_of(allowed: list[str]):
    return lambda v: None if v in allowed else f"must be one of {allowed}, got {v!r}"


REQUEST_TIMEOUT_S = 2.0  # wall seconds to wait for cost_node's parameter services

class ConfiguratorNode(Node):
    def __init__(self, **node_kwargs) -> None:
        super().__init__("configurator_node", **node_kwargs)
        p = self.params = Parameters(self)
        mode = p.declare("mode", "explore", f"current mode, one of {MODES}; setting it switches mode",
                         validator=one_of(MODES))
        after = p.declare("after_goal_mode", "rest", "mode after the goal is reached", read_only=True,
                          validator=one_of(["rest", "explore"]))
        tol = p.declare("goal_tolerance", 0.25, "distance to the goal that counts as reached, m", low=0.01,
                        high=10.0)
        fall = p.declare("fall_tilt", 1.0, "tilt counted as a fall, rad", low=0.1, high=3.14)
        target = p.declare("cost_node", "cost_node", "node whose weights this configurator sets",
                           read_only=True)
        self.own_floors = {n: p.declare(f"floors.{n}", v, f"lowest weight pushed for {n}", low=1e-6,
                                        high=MAX_WEIGHT, read_only=True) for n, v in DEFAULT_FLOORS.items()}
        self.floors = dict(self.own_floors)
        self.profiles = {m: {n: p.declare(f"profiles.{m.value}.{n}", DEFAULT_PROFILES[m][n],
                                          f"weight of {n} in mode {m.value}", low=0.0, high=MAX_WEIGHT)
                             for n in TERM_NAMES} for m in Mode}
        self.machine = ModeMachine(Mode(mode), tol, fall, Mode(after))
        p.on_change(self._on_params)
        self.mode_pub = self.create_publisher(String, "agent/mode", LATCHED_QOS)
        self.set_client = self.create_client(SetParametersAtomically, f"/{target}/set_parameters_atomically")
        self.get_client = self.create_client(GetParameters, f"/{target}/get_parameters")
        self.create_subscription(PoseStamped, "goal_pose", self._on_goal, COMMAND_QOS)
        self.create_subscription(Odometry, "odom", self._on_odom, SENSOR_QOS)
        self.create_subscription(Imu, "imu/data", self._on_imu, SENSOR_QOS)
        self.diag = Diagnostics(self)
        self.connected = False
        self.pending = True  # a push is owed (start, mode change, profile change, cost_node restart)
        self.in_flight = False
        self.sent_at = 0.0  # monotonic time of the request in flight
        self.stats = {"pushes": 0, "push_failures": 0, "floor_raises": 0, "last_push": "none yet"}
        self.create_timer(0.2, self._maintain)
        self.create_timer(1.0, self._publish_diagnostics)
        self._publish_mode()

    # ---- events ------------------------------------------------------------------------------
    def _on_goal(self, msg: PoseStamped) -> None:
        self._switched(self.machine.on_goal((msg.pose.position.x, msg.pose.position.y)))

    def _on_odom(self, msg: Odometry) -> None:
        self._switched(self.machine.on_position((msg.pose.pose.position.x, msg.pose.pose.position.y)))

    def _on_imu(self, msg: Imu) -> None:
        o = msg.orientation
        self._switched(self.machine.on_tilt(tilt_of([o.x, o.y, o.z, o.w])))

    def _on_params(self, changed: dict) -> None:
        for name, value in changed.items():
            if name == "mode":
                self._switched(self.machine.set_mode(value))
            elif name.startswith("profiles."):
                _, mode, term = name.split(".")
                self.profiles[Mode(mode)][term] = float(value)
                self.pending = self.pending or Mode(mode) == self.machine.mode
            elif name in ("goal_tolerance", "fall_tilt"):
                setattr(self.machine, name, float(value))

    def _switched(self, transition: Transition | None) -> None:
        if transition is None:
            return
        self.get_logger().info(f"mode {transition.old} -> {transition.new}: {transition.reason}")
        if self.params["mode"] != transition.new.value:  # keep `ros2 param get mode` truthful
            self.set_parameters([Parameter("mode", value=transition.new.value)])
        self._publish_mode()
        self.pending = True
        self._maintain()

    def _publish_mode(self) -> None:
        self.mode_pub.publish(String(data=self.machine.mode.value))

    # ---- pushing weights -----------------------------------------------------------------------
    def _maintain(self) -> None:
        """Connect to cost_node (read its floors), then push whenever a push is owed; never blocks."""
        if not self.set_client.service_is_ready() or not self.get_client.service_is_ready():
            self.connected = False
            return
        if self.in_flight and time.monotonic() - self.sent_at > REQUEST_TIMEOUT_S:
            # A request sent while cost_node's service was still being discovered can be lost;
            # start over (read the floors again, then push) instead of waiting forever.
            self.get_logger().warning("cost_node did not answer; asking again")
            self.connected, self.in_flight = False, False
        if not self.connected:  # cost_node (re)appeared: read its floors, then push
            self.connected, self.pending = True, True
            request = GetParameters.Request(names=[f"floors.{n}" for n in DEFAULT_FLOORS])
            self.in_flight, self.sent_at = True, time.monotonic()
            self.get_client.call_async(request).add_done_callback(self._got_floors)
            return
        if self.pending and not self.in_flight:
            self._push()

    def _got_floors(self, future) -> None:
        self.in_flight = False
        values = future.result().values if future.result() else []
        theirs = {n: v.double_value for n, v in zip(DEFAULT_FLOORS, values, strict=False)
                  if v.type == ParameterType.PARAMETER_DOUBLE}
        self.floors = merge_floors(self.own_floors, theirs)
        self.get_logger().info(f"floors: ours {self.own_floors}, cost_node's {theirs} -> {self.floors}")
        self._push()

    def _push(self) -> None:
        mode = self.machine.mode
        weights, raised = weights_for(self.profiles, mode, self.floors)
        if raised:
            self.stats["floor_raises"] += 1
            self.get_logger().warning(f"profile {mode}: {raised} below their floors {self.floors}; "
                                      "pushing the floors instead")
        request = SetParametersAtomically.Request(
            parameters=[Parameter(f"weights.{n}", value=v).to_parameter_msg() for n, v in weights.items()])
        self.pending, self.in_flight, self.sent_at = False, True, time.monotonic()
        future = self.set_client.call_async(request)
        future.add_done_callback(lambda f, m=mode, w=weights: self._pushed(f, m, w))

    def _pushed(self, future, mode: Mode, weights: dict) -> None:
        self.in_flight = False
        result = future.result().result if future.result() else None
        if result is not None and result.successful:
            self.stats["pushes"] += 1
            self.stats["last_push"] = f"{mode}: ok"
            self.get_logger().info(f"pushed {mode} weights {weights}")
        else:
            self.stats["push_failures"] += 1
            self.stats["last_push"] = f"{mode}: rejected: {result.reason if result else 'no reply'}"
            self.get_logger().error(f"cost_node rejected the {mode} weights: {self.stats['last_push']}")

    def _publish_diagnostics(self) -> None:
        failed = self.stats["last_push"].find("rejected") >= 0
        values = {"mode": self.machine.mode.value, "connected": self.connected, **self.stats}
        values.update({f"floor.{k}": v for k, v in self.floors.items()})
        self.diag.publish(ERROR if failed else OK, f"mode {self.machine.mode}", values)


def main(args=None) -> None:
    spin_node(ConfiguratorNode, args)


if __name__ == "__main__":
    main()
