"""Pieces every lecun_agent node shares: QoS profiles, stamps, validated parameters, diagnostics.

Nodes stay thin adapters; anything more than message plumbing belongs in a ROS-free core.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import rclpy
from builtin_interfaces.msg import Time as TimeMsg
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from rcl_interfaces.msg import (
    FloatingPointRange,
    IntegerRange,
    ParameterDescriptor,
    SetParametersResult,
)
from rclpy.duration import Duration
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import (
    DurabilityPolicy,
    HistoryPolicy,
    QoSProfile,
    ReliabilityPolicy,
    qos_profile_sensor_data,
)
from rclpy.signals import SignalHandlerOptions

# Sensor streams: best effort, keep the newest few (rclpy's sensor-data profile).
SENSOR_QOS = qos_profile_sensor_data
# Commands: reliable, newest only matters.
COMMAND_QOS = QoSProfile(
    history=HistoryPolicy.KEEP_LAST, depth=1, reliability=ReliabilityPolicy.RELIABLE
)
# Latched state (e-stop, mode, camera_info): late joiners get the last value.
LATCHED_QOS = QoSProfile(
    history=HistoryPolicy.KEEP_LAST,
    depth=1,
    reliability=ReliabilityPolicy.RELIABLE,
    durability=DurabilityPolicy.TRANSIENT_LOCAL,
)


def stamp_to_sec(stamp: TimeMsg) -> float:
    return stamp.sec + stamp.nanosec * 1e-9


def sec_to_stamp(seconds: float) -> TimeMsg:
    nanos = int(round(seconds * 1e9))
    return TimeMsg(sec=nanos // 1_000_000_000, nanosec=nanos % 1_000_000_000)


def all_finite(values) -> bool:
    return all(math.isfinite(float(v)) for v in values)


@dataclass
class _Spec:
    default: Any
    low: float | int | None
    high: float | int | None
    validator: Callable[[Any], str | None] | None


@dataclass
class Parameters:
    """Declares a node's parameters with descriptors and ranges, and validates every change.

    Modelled on Nav2 MPPI's ParametersHandler: one place declares (with a description and
    range), one callback validates (returning a reason `ros2 param set` prints), and a
    post-set callback applies. A rejected change leaves every value as it was.
    """

    node: Node
    values: dict[str, Any] = field(default_factory=dict)
    _specs: dict[str, _Spec] = field(default_factory=dict)
    _listeners: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.node.add_on_set_parameters_callback(self._validate)
        self.node.add_post_set_parameters_callback(self._apply)

    def declare(
        self,
        name: str,
        default: Any,
        description: str,
        *,
        low: float | int | None = None,
        high: float | int | None = None,
        read_only: bool = False,
        validator: Callable[[Any], str | None] | None = None,
    ) -> Any:
        descriptor = ParameterDescriptor(description=description, read_only=read_only)
        if low is not None and high is not None:
            if isinstance(default, bool) or not isinstance(default, (int, float)):
                raise TypeError(f"range given for non-numeric parameter {name}")
            if isinstance(default, int):
                descriptor.integer_range = [IntegerRange(from_value=int(low), to_value=int(high), step=0)]
            else:
                descriptor.floating_point_range = [
                    FloatingPointRange(from_value=float(low), to_value=float(high), step=0.0)
                ]
        self._specs[name] = _Spec(default, low, high, validator)
        value = self.node.declare_parameter(name, default, descriptor).value
        reason = self.check(name, value)
        if reason:
            raise ValueError(f"parameter {name}: {reason}")
        self.values[name] = value
        return value

    def on_change(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Call `listener({name: new_value, ...})` after each accepted change."""
        self._listeners.append(listener)

    def check(self, name: str, value: Any) -> str | None:
        """Why `value` is not acceptable for `name`, or None when it is."""
        spec = self._specs.get(name)
        if spec is None:
            return None  # not ours (e.g. use_sim_time); rclpy handles it
        if isinstance(value, float) and not math.isfinite(value):
            return f"{name} must be a finite number, got {value}"
        if spec.low is not None and spec.high is not None and not spec.low <= value <= spec.high:
            return f"{name}={value} is out of range; allowed [{spec.low}, {spec.high}]"
        if spec.validator is not None:
            return spec.validator(value)
        return None

    def _validate(self, params) -> SetParametersResult:
        reasons = []
        for p in params:
            spec = self._specs.get(p.name)
            if spec is None:
                continue
            if not _same_kind(spec.default, p.value):
                reasons.append(
                    f"{p.name} must be {type(spec.default).__name__}, got {type(p.value).__name__}"
                )
                continue
            reason = self.check(p.name, p.value)
            if reason:
                reasons.append(reason)
        if reasons:
            return SetParametersResult(successful=False, reason="; ".join(reasons))
        return SetParametersResult(successful=True)

    def _apply(self, params) -> None:
        changed = {}
        for p in params:
            if p.name in self.values:  # declared already: a change, not the initial value
                old = self.values[p.name]
                self.values[p.name] = p.value
                changed[p.name] = p.value
                self.node.get_logger().info(f"parameter {p.name}: {old} -> {p.value}")
        if changed:
            for listener in self._listeners:
                listener(changed)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (float, int))
    return isinstance(value, type(default))


class Diagnostics:
    """Publishes one DiagnosticStatus per node on /diagnostics."""

    def __init__(self, node: Node, hardware_id: str = "lecun_agent") -> None:
        self._node = node
        self._hardware_id = hardware_id
        self._pub = node.create_publisher(DiagnosticArray, "diagnostics", 10)

    def publish(self, level: bytes, message: str, values: dict[str, Any]) -> None:
        status = DiagnosticStatus(
            level=level,
            name=f"{self._node.get_name()}",
            message=message,
            hardware_id=self._hardware_id,
            values=[KeyValue(key=k, value=str(v)) for k, v in values.items()],
        )
        array = DiagnosticArray(status=[status])
        array.header.stamp = self._node.get_clock().now().to_msg()
        self._pub.publish(array)


OK, WARN, ERROR, STALE = (
    DiagnosticStatus.OK,
    DiagnosticStatus.WARN,
    DiagnosticStatus.ERROR,
    DiagnosticStatus.STALE,
)


def publish_last(publisher, msg, timeout_s: float = 1.0) -> None:
    """Publish a node's final message (a zero command) and wait until subscribers have it.

    The node is destroyed right after; without the wait, a reliable message still in the
    writer's queue is dropped with it and the robot never hears the zero.
    """
    publisher.publish(msg)
    publisher.wait_for_all_acked(Duration(seconds=timeout_s))


def spin_node(
    node_factory: Callable[[], Node], args=None, on_shutdown: Callable[[Node], None] | None = None
) -> None:
    """The standard main(): init, spin, and on Ctrl-C or SIGTERM a last act, then clean shutdown.

    rclpy's own signal handlers shut the context down before we could publish, so a node
    that commands motion could not send its final zero. We take SIGINT/SIGTERM ourselves
    and spin in short slices so a stop request is seen within 0.1 s.
    """
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)  # during start-up: abort at once
    signal.signal(signal.SIGINT, _raise_keyboard_interrupt)
    stop = threading.Event()
    node = None
    try:
        node = node_factory()
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        # While spinning, a signal only asks the loop to stop: an exception raised mid-callback
        # (inside rclpy's take or publish) could leave the process exiting with an error.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        while rclpy.ok() and not stop.is_set():
            executor.spin_once(timeout_sec=0.1)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        # The first SIGINT/SIGTERM started this shutdown; a repeated one must not cut it short
        # (a supervisor escalates to SIGKILL if it takes too long).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if node is not None:
            if on_shutdown is not None:
                try:
                    on_shutdown(node)
                except Exception as err:  # a failed last act must not hide the shutdown itself
                    node.get_logger().error(f"shutdown step failed: {err}")
            node.destroy_node()
        rclpy.try_shutdown()


def _raise_keyboard_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
