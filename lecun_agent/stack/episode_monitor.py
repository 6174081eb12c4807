"""Watches a simulated episode from outside the agent: ground truth, commands and costs over time.

The runner uses it to know when `--duration` sim seconds have passed and to compute the
episode's metrics. It reads /sim/ground_truth, which the agent itself never does.
"""

from __future__ import annotations

import numpy as np
from geometry_msgs.msg import TwistStamped
from nav_msgs.msg import Odometry
from rclpy.node import Node
from rclpy.parameter import Parameter
from sensor_msgs.msg import JointState

from lecun_agent.messages.conversions import stamp_to_sec, twist_vector
from lecun_agent.nodes.qos import COMMAND_QOS, SENSOR_QOS


class EpisodeMonitor(Node):
    """Collects time series; `trajectory()` returns them as arrays for metrics and plots."""

    def __init__(self) -> None:
        super().__init__("episode_monitor", parameter_overrides=[Parameter("use_sim_time", value=True)])
        self.truth: list[list[float]] = []  # rows: t, x, y, z, qx, qy, qz, qw, vx, vy, vz (world)
        self.commands: list[list[float]] = []  # rows: t, vx, vy, yaw_rate (after the guardrail)
        self.costs: list[tuple[float, dict[str, float]]] = []
        self.create_subscription(Odometry, "sim/ground_truth", self._on_truth, SENSOR_QOS)
        self.create_subscription(TwistStamped, "cmd_vel", self._on_cmd, COMMAND_QOS)
        self.create_subscription(JointState, "agent/cost", self._on_cost, SENSOR_QOS)

    def _on_truth(self, msg: Odometry) -> None:
        p, q, v = msg.pose.pose.position, msg.pose.pose.orientation, msg.twist.twist.linear
        self.truth.append([stamp_to_sec(msg.header.stamp), p.x, p.y, p.z, q.x, q.y, q.z, q.w, v.x, v.y, v.z])

    def _on_cmd(self, msg: TwistStamped) -> None:
        self.commands.append([stamp_to_sec(msg.header.stamp), *twist_vector(msg)])

    def _on_cost(self, msg: JointState) -> None:
        self.costs.append((stamp_to_sec(msg.header.stamp), dict(zip(msg.name, msg.position, strict=False))))

    @property
    def sim_time(self) -> float:
        return self.truth[-1][0] if self.truth else 0.0

    def trajectory(self) -> dict[str, np.ndarray]:
        truth = np.array(sorted(self.truth)) if self.truth else np.zeros((0, 11))
        return {
            "t": truth[:, 0],
            "pos": truth[:, 1:4],
            "quat": truth[:, 4:8],
            "lin_vel": truth[:, 8:11],
            "commands": np.array(self.commands) if self.commands else np.zeros((0, 4)),
            "costs": list(self.costs),
        }
