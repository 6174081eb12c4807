"""Which of the inputs a robot's driver must publish have no publisher: said by `lecun-agent up`, not left to guess.

QA (2026-12-07): `up --target robot` with no driver running printed "stack is up" and then nothing for minutes; the
guardrail stopped ("no decision yet") and no line anywhere named the missing joint_states, IMU, odometry or camera.
The runner now says which of them nobody publishes, once they have had time to appear, and again when that changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rclpy.node import Node

from lecun_agent.recording.topics import resolve

DRIVER_TOPICS = ("joint_states", "imu/data", "odom", "camera/image_raw")  # what the agent cannot act without
FIRST_LOOK_S = 5.0  # wall seconds after the stack is up: a driver started beside it has been discovered by then
LOOK_EVERY_S = 1.0


class DriverWatch:
    def __init__(self, graph: Node, namespace: str = "", first_look_s: float = FIRST_LOOK_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.graph, self.clock = graph, clock
        self.topics = [resolve(t, namespace) for t in DRIVER_TOPICS]
        self.look_at = clock() + first_look_s
        self.missing: list[str] | None = None  # as last said; None before the first look

    def check(self) -> str | None:
        """A line to log when the topics nobody publishes changed since the last look (None otherwise)."""
        if self.clock() < self.look_at:
            return None
        self.look_at = self.clock() + LOOK_EVERY_S
        missing = [t for t in self.topics if self.graph.count_publishers(t) == 0]
        if missing == self.missing:
            return None
        said_before, self.missing = self.missing, missing
        if missing:
            return (f"no node publishes {', '.join(missing)}: the agent cannot act without them, so the guardrail "
                    "holds the robot stopped. Is the robot's driver running, on this ROS_DOMAIN_ID and namespace?")
        return "every input the agent needs now has a publisher" if said_before else None
