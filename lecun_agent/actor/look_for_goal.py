"""Look for the goal: while the robot looks around for the goal marker, keep the goal in the camera's view.

The planner walks sideways, diagonally and backwards as readily as forwards, and some episodes
came the last metres with the goal outside the camera's 35 degree half-width, never saw the
marker the goal is homed on (configurator/goal_homing.py), and stood at their odometry's goal
0.3-0.4 m from the real one. Then the configurator looks around (configurator/look_around.py):
it sends the robot to a viewpoint back from the goal and asks it to face the goal sent. This term
is that ask: each plan step costs `weight` per radian that the point looked at, seen from the
step's predicted pose, lies beyond `half_view`. Otherwise the plan cost is what it was.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch


@dataclass(frozen=True)
class LookForGoal:
    weight: float  # cost per radian beyond half_view, per step (0: off)
    half_view: float  # rad either side of the heading where the point counts as in view
    point: torch.Tensor | None = None  # (2,) odom, the point to keep in view this tick

    def towards(self, point: torch.Tensor) -> LookForGoal:
        """This term, keeping `point` (2,) odom in view."""
        return replace(self, point=point)

    def cost(self, position: torch.Tensor, yaw: torch.Tensor) -> torch.Tensor:
        """(N, H) cost per step: positions (N, H, 2) and yaws (N, H) predicted in odom."""
        to_point = self.point - position
        bearing = torch.atan2(to_point[..., 1], to_point[..., 0]) - yaw
        off = torch.atan2(torch.sin(bearing), torch.cos(bearing)).abs()
        return self.weight * torch.relu(off - self.half_view)


def look_for_goal(weight: float, view_deg: float) -> LookForGoal:
    return LookForGoal(weight, math.radians(view_deg) / 2.0)
