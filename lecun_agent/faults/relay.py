"""A relay that forwards one stream to `faults/<topic>` and applies a fault to the messages of a window.

The window is in sim time and read from each message's own stamp, so which messages are hit does
not depend on the machine's speed. Kinds: silence (dropped), delay (held until the stream reaches
stamp + DELAY_S; what is still held when the window ends is dropped, as a driver that drops its
backlog), future / past (stamp shifted by FUTURE_S / -PAST_S), flood (FLOOD copies), nan, inf,
wrong_size (`corrupt.py`). It subscribes deep, so a relay starved of CPU for a while loses nothing
that the real stream delivered.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from rclpy.node import Node
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy

from lecun_agent.messages.conversions import stamp_to_sec
from lecun_agent.nodes.qos import COMMAND_QOS, SENSOR_QOS

from .catalog import DELAY_S, FLOOD, FUTURE_S, PAST_S, TOPICS
from .corrupt import corrupted, shifted

RELAY_PREFIX = "faults/"


def deep_qos(kind: str) -> QoSProfile:
    reliability = ReliabilityPolicy.RELIABLE if kind == "command" else ReliabilityPolicy.BEST_EFFORT
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=2000, reliability=reliability)


class Relay:
    """Forwards `topic` to `faults/<topic>`; `sent(wall_time, msg)` hears every message it publishes."""

    def __init__(self, node: Node, topic: str, kind: str, start_s: float, end_s: float,
                 sent: Callable[[float, object], None] | None = None) -> None:
        msg_type, qos_kind, _ = TOPICS[topic]
        self.kind, self.start_s, self.end_s, self.sent = kind, start_s, end_s, sent
        self.held: deque[tuple[float, object]] = deque()
        self.counts = {"in": 0, "out": 0, "faulted": 0}
        self.pub = node.create_publisher(msg_type, RELAY_PREFIX + topic, SENSOR_QOS if qos_kind == "sensor"
                                         else COMMAND_QOS)
        node.create_subscription(msg_type, topic, self._on_message, deep_qos(qos_kind))

    def _publish(self, msg) -> None:
        self.pub.publish(msg)
        self.counts["out"] += 1
        if self.sent is not None:
            self.sent(time.time(), msg)

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
