"""A relay node that forwards one stream to `faults/<topic>` and applies a fault to the messages of a window.

The window is in sim time and read from each message's own stamp, so which messages are hit does
not depend on the machine's speed. Kinds: silence (dropped), delay (held until the stream reaches
stamp + DELAY_S; what is still held when the window ends is dropped, as a driver that drops its
backlog), future / past (stamp shifted by FUTURE_S / -PAST_S), flood (FLOOD copies), nan, inf,
wrong_size (`corrupt.py`). It subscribes deep, so a relay starved of CPU for a while loses nothing
that the real stream delivered.

It runs as a process of its own in the stack (`python -m lecun_agent.faults.relay`, a tool node, never
part of a shipped stack): inside the harness's process it shared one interpreter with the episode's
monitor, fell behind the sim on a loaded machine once the guardrail stopped waiting for the faulted
stream (a stopped guardrail releases each agent tick at once), and never caught up: every later
reading arrived stale.
"""

from __future__ import annotations

from collections import deque

from rcl_interfaces.msg import ParameterDescriptor
from rclpy.node import Node

from lecun_agent.messages.conversions import stamp_to_sec
from lecun_agent.nodes.qos import COMMAND_QOS, OBSERVER_QOS, SENSOR_PUBLISHER_QOS
from lecun_agent.nodes.spin import spin_node

from .catalog import DELAY_S, FLOOD, FUTURE_S, PAST_S, TOPICS
from .corrupt import corrupted, shifted

RELAY_PREFIX = "faults/"


class Relay(Node):
    """Forwards parameter `topic` to `faults/<topic>` with fault `kind` on stamps in [start_s, end_s)."""

    def __init__(self) -> None:
        super().__init__("fault_relay")
        topic = self.declare_parameter("topic", "").value
        # `-p kind:=nan` / `inf` arrive as floats (YAML): dynamic typing takes them, str() names them
        kind = self.declare_parameter("kind", "silence", ParameterDescriptor(dynamic_typing=True)).value
        self.kind = str(kind).lower()
        self.start_s = self.declare_parameter("start_s", 0.0).value
        self.end_s = self.declare_parameter("end_s", 0.0).value
        msg_type, qos_kind, _ = TOPICS[topic]
        self.held: deque[tuple[float, object]] = deque()
        self.counts = {"in": 0, "out": 0, "faulted": 0}
        self.pub = self.create_publisher(msg_type, RELAY_PREFIX + topic, SENSOR_PUBLISHER_QOS if qos_kind == "sensor"
                                         else COMMAND_QOS)
        self.create_subscription(msg_type, topic, self._on_message, OBSERVER_QOS)
        self.get_logger().info(f"relaying {topic} -> {RELAY_PREFIX + topic}: {self.kind} on stamps in "
                               f"[{self.start_s}, {self.end_s})")

    def _publish(self, msg) -> None:
        self.pub.publish(msg)
        self.counts["out"] += 1

    def _on_message(self, msg) -> None:
        self.counts["in"] += 1
        stamp = stamp_to_sec(msg.header.stamp)
        while self.held and self.held[0][0] + DELAY_S <= stamp + 1e-9:
            self._publish(self.held.popleft()[1])
        if not self.start_s <= stamp < self.end_s:
            self.held.clear()  # the window is over: a backlog still held is dropped
            self._publish(msg)
            return
        self.counts["faulted"] += 1
        for out in self.faulted(msg, stamp):
            self._publish(out)

    def faulted(self, msg, stamp: float) -> list:
        """What goes out for one message inside the window."""
        if self.kind == "silence":
            return []
        if self.kind == "delay":
            self.held.append((stamp, msg))
            return []
        if self.kind == "future":
            return [shifted(msg, FUTURE_S)]
        if self.kind == "past":
            return [shifted(msg, -PAST_S)]
        if self.kind == "flood":
            return [msg] * FLOOD
        return [corrupted(msg, self.kind)]


def report(node: Relay) -> None:
    node.get_logger().info(f"relay counts {node.counts}")


def main(args=None) -> None:
    spin_node(Relay, args, on_shutdown=report)


if __name__ == "__main__":
    main()
