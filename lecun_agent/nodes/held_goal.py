"""HeldGoal: the task's goal as every node that uses it holds it, so that none loses it on a respawn.

`goal_pose` is volatile, as RViz sends it: a node that starts after the goal went out (a respawn
after a crash, or a node started late) never hears it. So each holder (configurator_node,
cost_node, actor_node, straight_node) republishes the goal it took on the latched `agent/goal`,
and a node that has heard no goal since it started takes the first copy that reaches it there.
Any one survivor is enough to give a respawned node its goal back, the configurator included.

A node that has heard a goal, good or refused, ignores the copies: a new `goal_pose` and a copy
of the old one never race each other, and a goal the user replaced by one the node refused (NaN,
another frame) does not come back through another node's copy. A refused goal is never
republished.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from geometry_msgs.msg import PoseStamped
from rclpy.node import Node

from lecun_agent.messages.conversions import goal_xy

from .qos import COMMAND_QOS, LATCHED_QOS

HELD_GOAL_TOPIC = "agent/goal"


class HeldGoal:
    """`on_goal(goal, problem)` for each goal the node takes: (x, y in odom, None), or (None, why it was
    refused). `heard` says whether one has come since the node started."""

    def __init__(self, node: Node, on_goal: Callable[[np.ndarray | None, str | None], None]) -> None:
        self.on_goal, self.heard = on_goal, False
        self.pub = node.create_publisher(PoseStamped, HELD_GOAL_TOPIC, LATCHED_QOS)
        node.create_subscription(PoseStamped, "goal_pose", self._take, COMMAND_QOS)
        node.create_subscription(PoseStamped, HELD_GOAL_TOPIC, self._on_copy, LATCHED_QOS)

    def _on_copy(self, msg: PoseStamped) -> None:
        if not self.heard:  # started after the goal went out: take it back from the others
            self._take(msg)

    def _take(self, msg: PoseStamped) -> None:
        self.heard = True
        goal, problem = goal_xy(msg)
        if problem is None:
            self.pub.publish(msg)
        self.on_goal(goal, problem)
