"""/diagnostics: one DiagnosticStatus per node with its rates, staleness, counters and reasons."""

from __future__ import annotations

from typing import Any

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from rclpy.node import Node

OK, WARN, ERROR, STALE = (
    DiagnosticStatus.OK,
    DiagnosticStatus.WARN,
    DiagnosticStatus.ERROR,
    DiagnosticStatus.STALE,
)


class Diagnostics:
    """Publishes the node's status on /diagnostics (rqt_robot_monitor and the recorder read it)."""

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
