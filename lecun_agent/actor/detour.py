"""Detour: when the robot has stopped getting nearer its goal, plan towards a point beside it for a while.

The planner sees 1.6 s ahead. Pressed into a notch between two blocks, or against a block's face
with the goal straight behind it, every plan that leaves costs goal progress within that horizon,
and the robot stays there until the episode's time limit (docs/actor.md, "Detours"). Like a
recovery behaviour in Nav2, but as a subgoal for the same planner rather than a scripted motion:

- **Stall.** The goal distance has not dropped `PROGRESS_M` below its best for `after_s` seconds.
- **Subgoal.** `distance_m` from the robot, square to the goal's bearing, on the side the robot
  already faces (it has been working round that way); on the next stall, the other side. A side
  whose straight way out passes a remembered touch is swapped for the other first.
- **Back to the goal** once within `REACH_M` of the subgoal or after `after_s` seconds, with the
  stall clock started again.
- **At the goal** (within `AT_GOAL_M`) nothing is a stall: a robot standing there, where its
  odometry says the goal is but short of the configurator's tolerance, is done, not trapped; a
  detour would walk it 1.5 m away (it did in-process, where no configurator rests the robot).

Time is the tick's stamp (sim time in lock-step), so a detour is a function of the inputs only.
Time the actor spent idle (rest mode, no odometry: no call for more than GAP_S) is not a stall.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from lecun_agent.body.readings import wrap_angle

PROGRESS_M = 0.25  # getting this much nearer the goal than ever before is progress
REACH_M = 0.4  # within this of the subgoal, it is reached
CLEAR_M = 0.25  # a remembered touch this close to the straight way out makes a side blocked
NEAR_M = 0.45  # touches this close to the robot are where it is stuck, on either side
GAP_S = 1.0  # ticks further apart than this (the actor idled: rest mode, no odometry) restart the stall clock
AT_GOAL_M = 0.5  # this near the goal the robot is arriving, not stalled (a block's face is >= 0.6 m off the goal)
ANGLE = math.pi / 2  # the subgoal's bearing from the robot, off the goal's: square to it


def _gap(points: torch.Tensor, start: torch.Tensor, end: torch.Tensor) -> float:
    """Smallest distance from the (P, 2) points farther than NEAR_M from start to the segment start-end."""
    far = points[torch.linalg.vector_norm(points - start, dim=-1) > NEAR_M]
    if not len(far):
        return math.inf
    seg = end - start
    t = ((far - start) @ seg / float(seg @ seg)).clamp(0.0, 1.0)
    return float(torch.linalg.vector_norm(far - (start + t[:, None] * seg), dim=-1).min())


class Detour:
    """The goal the planner should aim at this tick: the real one, or a subgoal beside a stall."""

    def __init__(self, after_s: float, distance_m: float) -> None:
        self.after_s, self.distance_m = after_s, distance_m
        self.count = 0  # detours started in this object's life (reset keeps it: a diagnostics count)
        self.reset()

    def reset(self) -> None:
        """A new episode or goal."""
        self.best: float | None = None
        self.since = 0.0  # stamp of the best distance
        self.subgoal: tuple[float, float] | None = None
        self.until = 0.0
        self.last_side = 0.0
        self.last_stamp: float | None = None

    def goal(self, stamp: float, pose: Sequence[float], goal: Sequence[float] | None,
             touches: torch.Tensor) -> tuple[float, float] | None:
        """stamp s, odom pose (x, y, yaw), odom goal (x, y) or None, remembered touches (P, 2)
        -> the goal to plan towards now."""
        if goal is None or self.after_s <= 0 or not all(math.isfinite(v) for v in (stamp, *pose, *goal)):
            return None if goal is None else (float(goal[0]), float(goal[1]))
        if self.last_stamp is not None and stamp < self.last_stamp:  # time went back: a new episode
            self.reset()
        if self.last_stamp is not None and stamp - self.last_stamp > GAP_S:  # idle time is no stall
            self.best, self.subgoal = None, None
        self.last_stamp = stamp
        x, y, yaw = (float(v) for v in pose)
        gx, gy = float(goal[0]), float(goal[1])
        distance = math.hypot(gx - x, gy - y)
        if distance <= AT_GOAL_M:
            self.best, self.since, self.subgoal = distance, stamp, None
            return gx, gy
        if self.subgoal is not None:
            if stamp < self.until and math.hypot(self.subgoal[0] - x, self.subgoal[1] - y) > REACH_M:
                return self.subgoal
            self.subgoal, self.best, self.since = None, distance, stamp  # back to the goal, a fresh clock
        if self.best is None or distance < self.best - PROGRESS_M:
            self.best, self.since = distance, stamp
        if stamp - self.since < self.after_s:
            return gx, gy
        self.subgoal, self.until = self._beside(x, y, yaw, math.atan2(gy - y, gx - x), touches), stamp + self.after_s
        self.count += 1
        return self.subgoal

    def _beside(self, x: float, y: float, yaw: float, bearing: float, touches: torch.Tensor) -> tuple[float, float]:
        side = -self.last_side if self.last_side else (1.0 if wrap_angle(yaw - bearing) >= 0 else -1.0)
        here = torch.tensor([x, y])

        def point(s: float) -> tuple[float, float]:
            a = bearing + s * ANGLE
            return x + self.distance_m * math.cos(a), y + self.distance_m * math.sin(a)

        if len(touches) and _gap(touches, here, torch.tensor(point(side))) < CLEAR_M <= _gap(
                touches, here, torch.tensor(point(-side))):
            side = -side
        self.last_side = side
        return point(side)
