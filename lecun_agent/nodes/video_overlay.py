"""VideoOverlay: what sim_node's chase video draws over the robot, from the agent's own topics.

- `agent/plan`: the plan being followed, blue;
- `agent/plan_samples`: the cheapest sampled plans, green (cheap) to red;
- `agent/mode_stamped`: the goal the agent walks to, a yellow cross (the configurator's goal, moved
  onto the goal marker once goal homing sees it; while it looks around for the marker, the goal sent).

The agent plans in `odom`; the video shows the true world, so every point is moved through the
current instant's odometry error. A path with a non-finite point is not drawn.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from nav_msgs.msg import Path
from rclpy.node import Node
from sensor_msgs.msg import JointState
from visualization_msgs.msg import MarkerArray

from lecun_agent.messages.mode import goal_of
from lecun_agent.sim.episode_log import EpisodeLog, odom_to_world

from .qos import COMMAND_QOS, SENSOR_QOS

GOAL_CROSS_M = 0.12  # half the arm of the cross at the goal the agent walks to
PLAN_COLOR, GOAL_COLOR = (40, 90, 255), (255, 220, 0)

Pose2 = tuple[float, float, float]  # x, y, yaw


class VideoOverlay:
    """Subscribes on `node` and keeps `log.overlays` (world points, RGB, thickness) up to date.

    `poses()` gives the current instant's (odometry pose, true pose), to move odom points into the world.
    """

    def __init__(self, node: Node, log: EpisodeLog, poses: Callable[[], tuple[Pose2, Pose2]]) -> None:
        self.log, self.poses = log, poses
        self.plan: list = []
        self.samples: list = []
        self.goal: list = []
        node.create_subscription(Path, "agent/plan", self._on_plan, COMMAND_QOS)
        node.create_subscription(MarkerArray, "agent/plan_samples", self._on_samples, 1)
        node.create_subscription(JointState, "agent/mode_stamped", self._on_mode, SENSOR_QOS)

    def _to_world(self, xy: np.ndarray, poses: tuple[Pose2, Pose2] | None = None) -> np.ndarray:
        """(M, 2) odom-frame points -> world, through `poses` (default: the current instant's)."""
        return odom_to_world(xy, *(poses or self.poses()))

    def _on_plan(self, msg: Path) -> None:
        xy = np.array([[ps.pose.position.x, ps.pose.position.y] for ps in msg.poses], float).reshape(-1, 2)
        self.plan = [(self._to_world(xy), PLAN_COLOR, 3)] if np.all(np.isfinite(xy)) else []
        self._draw()

    def _on_samples(self, msg: MarkerArray) -> None:
        lines, poses = [], self.poses()  # one instant for every sample
        for marker in msg.markers:
            xy = np.array([[p.x, p.y] for p in marker.points], float).reshape(-1, 2)
            color = tuple(int(255 * v) for v in (marker.color.r, marker.color.g, marker.color.b))
            if len(xy) > 1 and np.all(np.isfinite(xy)):
                lines.append((self._to_world(xy, poses), color, 1))
        self.samples = lines
        self._draw()

    def _on_mode(self, msg: JointState) -> None:
        goals = goal_of(msg)
        if goals is None:
            self.goal = []
        else:
            (x, y), arm = goals.target if goals.look_at is None else goals.sent, GOAL_CROSS_M
            poses = self.poses()
            self.goal = [(self._to_world(np.array(ends), poses), GOAL_COLOR, 2)
                         for ends in (((x - arm, y - arm), (x + arm, y + arm)),
                                      ((x - arm, y + arm), (x + arm, y - arm)))]
        self._draw()

    def _draw(self) -> None:
        self.log.overlays = self.samples + self.plan + self.goal
