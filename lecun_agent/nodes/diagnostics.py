"""/diagnostics: one DiagnosticStatus per node with its rates, staleness, counters and reasons.

The node gives a `report()` -> (level, message, values); this publishes it every `period_s` of
wall time (diagnostics are for people and monitors, so they keep coming while sim time is held)
and once more when the node shuts down (`flush`), so an episode's final counts are never lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from rclpy.clock import Clock, ClockType
from rclpy.duration import Duration
from rclpy.node import Node

OK, WARN, ERROR, STALE = (
    DiagnosticStatus.OK,
    DiagnosticStatus.WARN,
    DiagnosticStatus.ERROR,
    DiagnosticStatus.STALE,
)
Report = tuple[bytes, str, dict[str, Any]]


class Diagnostics:
    def __init__(self, node: Node, report: Callable[[], Report | None], period_s: float = 1.0,
                 hardware_id: str = "lecun_agent") -> None:
        self._node, self._report, self._hardware_id = node, report, hardware_id
        self._pub = node.create_publisher(DiagnosticArray, "diagnostics", 10)
        node.create_timer(period_s, self.publish, clock=Clock(clock_type=ClockType.STEADY_TIME))

    def publish(self) -> None:
        report = self._report()
        if report is None:
            return
        level, message, values = report
        status = DiagnosticStatus(level=level, name=self._node.get_name(), message=message,
                                  hardware_id=self._hardware_id,
                                  values=[KeyValue(key=k, value=str(v)) for k, v in values.items()])
        array = DiagnosticArray(status=[status])
        array.header.stamp = self._node.get_clock().now().to_msg()
        self._pub.publish(array)

    def flush(self, timeout_s: float = 1.0) -> None:
        """Publish the final report and wait until subscribers have it (the node is destroyed next)."""
        self.publish()
        self._pub.wait_for_all_acked(Duration(seconds=timeout_s))
