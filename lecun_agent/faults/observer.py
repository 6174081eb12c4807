"""Watches, from outside, what the guardrail was sent and what it sent: the raw data for `verdict.py`.

Every message is kept with its publication time (the DDS source timestamp, wall clock), never the
time this process got around to it: a harness starved of CPU still places each message right.
/clock gives the map from wall time to sim time. Each source is subscribed on the topic cost_node
reads it from: `faults/<topic>` when the fault's relay feeds cost_node, else the topic itself.
"""

from __future__ import annotations

import math
import time

import numpy as np
from geometry_msgs.msg import TwistStamped
from rclpy.event_handler import SubscriptionEventCallbacks
from rclpy.node import Node
from rosgraph_msgs.msg import Clock

from lecun_agent.cost.guardrail import GuardrailConfig
from lecun_agent.messages.conversions import message_problem, stamp_to_sec, twist_vector
from lecun_agent.nodes.qos import OBSERVER_QOS

from .catalog import TOPICS
from .verdict import Observations

# Pseudo-sources: cost_node refuses a reading whose contacts are not finite (invalid:joint_states);
# they have no timeout of their own (a robot without bump sensors never sends body contacts).
CONTACT_SOURCES = {"feet": "foot_contacts", "body": "body_contacts"}


def trusted(source: str, msg) -> bool:
    """The content is finite and well formed (the stamp is judged by the verdict, against the clock)."""
    if source == "proposal":
        return bool(np.all(np.isfinite(twist_vector(msg))))
    if source in CONTACT_SOURCES:
        return bool(np.all(np.isfinite(np.asarray(msg.effort, dtype=float))))
    return message_problem(msg) is None


def timeouts() -> dict[str, float]:
    cfg = GuardrailConfig()
    return {"joint_states": cfg.timeout_joint_states, "imu": cfg.timeout_imu, "odom": cfg.timeout_odom,
            "proposal": cfg.timeout_proposal, "feet": math.inf, "body": math.inf}


class FaultObserver:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.obs = Observations()
        node.create_subscription(Clock, "/clock", self._on_clock, OBSERVER_QOS)
        node.create_subscription(TwistStamped, "cmd_vel", self._on_cmd, OBSERVER_QOS)

    def watch(self, source: str, topic: str, read_from: str = "") -> None:
        """Record `source` (carried on `topic`) as cost_node reads it, from `read_from` (default: `topic`), and
        when a new publisher of it is matched (a respawned node's first messages go out before that)."""
        self._subscribe(topic, read_from or topic, lambda m, wall: self.record(source, wall, m),
                        SubscriptionEventCallbacks(matched=lambda info: self._on_matched(source, info)))

    def watch_plans(self, topic: str) -> None:
        """Record every plan published on `topic` (the injected ones: nothing else in the harness's stack plans)."""
        self._subscribe(topic, topic, lambda m, wall: self.obs.plans.append((wall, stamp_to_sec(m.header.stamp))))

    def _subscribe(self, topic: str, read_from: str, on_message, events: SubscriptionEventCallbacks | None = None):
        """on_message(msg, publication wall time) for every message of `topic`'s type on `read_from`."""
        msg_type, _, _ = TOPICS[topic]
        self.node.create_subscription(msg_type, read_from, lambda m, info: on_message(m, info_wall(info)),
                                      OBSERVER_QOS, event_callbacks=events)

    def _on_matched(self, source: str, info) -> None:
        if info.current_count_change > 0:  # system clock, as the messages' source timestamps; taken when this
            self.obs.matches.setdefault(source, []).append(time.time())  # process gets to it: late, not early

    def record(self, source: str, wall: float, msg) -> None:
        self.obs.sources.setdefault(source, []).append((wall, stamp_to_sec(msg.header.stamp), trusted(source, msg)))

    def _on_clock(self, msg: Clock, info) -> None:
        self.obs.clock.append((info_wall(info), stamp_to_sec(msg.clock)))

    def _on_cmd(self, msg: TwistStamped, info) -> None:
        moving = bool(np.any(twist_vector(msg) != 0.0))
        self.obs.cmds.append((info_wall(info), stamp_to_sec(msg.header.stamp), moving))


def info_wall(info) -> float:
    return info["source_timestamp"] * 1e-9
