"""Watches a simulated episode from outside the agent: ground truth, costs and every node's counters.

The episode runner uses it to know when the episode has ended (ground truth, which the agent
never reads), to plot the cost, to count the guardrail's decisions (guardrail/decisions, reliable)
and to read each node's /diagnostics counters (the sync timeouts reported within the episode, not those
of a stack that is stopping). The metrics themselves come
from sim_node's exact log (sim/episode_log.py), not from what this subscriber happened to receive.
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray
from nav_msgs.msg import Odometry
from rclpy.node import Node
from rclpy.parameter import Parameter
from sensor_msgs.msg import JointState

from lecun_agent.messages.conversions import stamp_to_sec
from lecun_agent.nodes.qos import DECISION_QOS, OBSERVER_QOS

# Wall seconds after the episode's end within which a sync timeout reported is still the episode's: every
# node reports its counters each second (nodes/diagnostics.py), so one counted before the end is heard by then.
REPORT_LAG_S = 1.5


class EpisodeMonitor(Node):
    """Collects time series; `trajectory()` returns them as arrays, `node_reports` the latest diagnostics."""

    def __init__(self) -> None:
        super().__init__("episode_monitor", parameter_overrides=[Parameter("use_sim_time", value=True)])
        self.truth: list[list[float]] = []  # rows: t, x, y, z, qx, qy, qz, qw (world)
        self.costs: list[tuple[float, dict[str, float]]] = []
        self.node_reports: dict[str, dict[str, str]] = {}  # node name -> its latest diagnostics values
        self.ended_wall: float | None = None  # monotonic time the runner saw the episode end
        self._sync_timeouts: dict[str, int] = {}  # node -> sync timeouts it reported within the episode
        self.create_subscription(Odometry, "sim/ground_truth", self._on_truth, OBSERVER_QOS)
        self.create_subscription(JointState, "agent/cost", self._on_cost, OBSERVER_QOS)
        self.create_subscription(DiagnosticArray, "diagnostics", self._on_diagnostics, 100)
        self.decisions: list[tuple[float, tuple[str, ...]]] = []  # (stamp, reasons) of every intervention
        self.create_subscription(DiagnosticArray, "guardrail/decisions", self._on_decision, DECISION_QOS)

    def _on_truth(self, msg: Odometry) -> None:
        p, q = msg.pose.pose.position, msg.pose.pose.orientation
        self.truth.append([stamp_to_sec(msg.header.stamp), p.x, p.y, p.z, q.x, q.y, q.z, q.w])

    def _on_cost(self, msg: JointState) -> None:
        self.costs.append((stamp_to_sec(msg.header.stamp), dict(zip(msg.name, msg.position, strict=False))))

    def _on_decision(self, msg: DiagnosticArray) -> None:
        reasons = tuple(kv.key for status in msg.status for kv in status.values)
        self.decisions.append((stamp_to_sec(msg.header.stamp), reasons))

    def decisions_before(self, end: float) -> list[tuple[float, tuple[str, ...]]]:
        """The guardrail's decisions on commands that acted within an episode ending at sim time `end`:
        stamped before it. A decision stamped at the end (the last tick, or the agent's final zero at
        shutdown) moves nothing, and whether it is heard before the stack stops depends on the machine."""
        return [(stamp, reasons) for stamp, reasons in self.decisions if stamp < end - 1e-9]

    def interventions(self, end: float) -> dict[str, int]:
        """Guardrail interventions by reason, over `decisions_before(end)`."""
        return dict(sorted(Counter(r for _, reasons in self.decisions_before(end) for r in reasons).items()))

    def episode_ended(self) -> None:
        """The episode ended (sim_node reported its end, or the runner ended it). A sync timeout reported
        more than REPORT_LAG_S later is the shutdown's, not the episode's: on a loaded machine the stack
        took more than 5 s to stop, and the configurator, still waiting for a sighting of a camera frame
        the stopped sim never rendered, counted one (QA, 2026-12-07)."""
        if self.ended_wall is None:
            self.ended_wall = time.monotonic()

    def _on_diagnostics(self, msg: DiagnosticArray) -> None:
        late = self.ended_wall is not None and time.monotonic() - self.ended_wall > REPORT_LAG_S
        for status in msg.status:
            values = {kv.key: kv.value for kv in status.values}
            self.node_reports[status.name] = values
            if status.name == "sim_node" and values.get("episode_end"):  # the reason it ended, else ""
                self.episode_ended()
            if "sync_timeouts" in values and not late:
                self._sync_timeouts[status.name] = int(values["sync_timeouts"])

    @property
    def sim_time(self) -> float:
        return self.truth[-1][0] if self.truth else 0.0

    def latest_pose(self) -> tuple[float, np.ndarray, np.ndarray] | None:
        """(t, position (3,), quaternion (4,)) of the newest ground truth, or None before the first."""
        if not self.truth:
            return None
        row = self.truth[-1]
        return row[0], np.array(row[1:4]), np.array(row[4:8])

    def sync_timeouts(self) -> dict[str, int]:
        """node -> sync timeouts it reported within the episode (0 in a healthy lock-step run)."""
        return dict(self._sync_timeouts)
