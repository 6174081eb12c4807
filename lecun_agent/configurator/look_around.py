"""Look around: a robot near its goal that has not seen the goal marker steps back and looks for it (no ROS).

Goal homing (goal_homing.py) moves the goal onto the marker the camera sees. A robot that walked
the last metres with the goal to its side or behind it never sees the marker, and within about
0.6 m its foot is below the image. It then stands at its odometry's goal, which drifts a few per
cent of the path: 0.3-0.4 m from the real goal (docs/actor.md, "Looking around for the goal").

So when the robot comes within `start_m` of the goal sent before homing on its marker (fewer than
`goal_homing.need` sightings taken), and the marker was glimpsed (at least one sighting) or every
goal is known to be marked (`unseen_too`: the sim's goal episodes), the goal to walk to becomes a
viewpoint: the newest point of the robot's own
path (so a place it could stand) at least `view_m` from the goal sent. The actor is asked to keep a
point in view (actor/look_for_goal.py): the goal sent, swept `sweep_deg` either way round the
viewpoint every `sweep_s` seconds, because the odometry that put the robot 0.3 m off the goal also
points it tens of degrees off the marker from 1 m away (seed 156 stood at its viewpoint facing the
goal sent, the marker 40 degrees to its left, outside the view). (A viewpoint `view_m` straight
back from the goal was tried first; beside a wall it lay behind the wall.)
From there the camera sees the marker, homing takes its sightings and the goal moves onto it. No
sighting for `give_up_s` seconds (of odometry stamps: sim time in lock-step) gives up: the goal is
the goal sent again, reached by odometry. One look per goal; a new goal, or time going back (a new
episode), starts afresh. Without `unseen_too` a goal whose marker was never seen is not looked for:
most goals a user sends, and every goal on a robot without a marker, have none, and looking cost
each of them the walk back and `give_up_s` (the stack benchmark's patrol goals did, 2026-12-05).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from lecun_agent.configurator.goal_homing import GoalHoming
from lecun_agent.settings import setting


@dataclass(frozen=True)
class LookAroundSettings:
    """The configurator's look-around parameters (`look_around.<field>`, read-only)."""

    enabled: bool = setting(True, "near a goal whose marker was glimpsed but not homed on, step back and look "
                            "for it (needs goal_homing); false: the goal sent is reached by odometry")
    unseen_too: bool = setting(False, "look for the marker of a goal never glimpsed too: true where every goal "
                               "is marked (the stack sets it for the sim's goal arena, whose episode goal is; "
                               "goals sent by hand there are not)")
    start_m: float = setting(0.3, "look around when this near the goal sent without having homed on it, m "
                             "(above the configurator's goal_tolerance, which would judge it reached)",
                             low=0.0, high=10.0)
    view_m: float = setting(1.2, "look from this far from the goal sent, m", low=0.1, high=10.0)
    give_up_s: float = setting(10.0, "walk to the goal sent after this long without seeing the marker, s",
                               low=0.0, high=600.0)
    sweep_deg: float = setting(40.0, "look this far either side of the goal sent, deg", low=0.0, high=180.0)
    sweep_s: float = setting(6.0, "the sweep's period (there and back), s", low=0.5, high=600.0)


PATH_STEP_M = 0.05  # the path is kept as points this far apart
PATH_POINTS = 400  # ... the newest this many (20 m of path)


class LookAround:
    def __init__(self, settings: LookAroundSettings | None = None) -> None:
        self.settings = settings or LookAroundSettings()
        self.count = 0  # looks started in this object's life (a diagnostics count)
        self.reset()

    def reset(self) -> None:
        """A new goal: look again if need be."""
        self.started_at: float | None = None
        self.viewpoint: np.ndarray | None = None  # where the robot walks to look, while it looks; else None
        self.sent: np.ndarray | None = None  # the goal sent whose marker it looks for
        self._chosen: np.ndarray | None = None  # the viewpoint chosen when the look started
        self.done = False
        self.last_stamp: float | None = None
        self.path: deque[np.ndarray] = deque(maxlen=PATH_POINTS)

    def update(self, stamp: float, position: np.ndarray, homing: GoalHoming | None) -> np.ndarray | None:
        """The viewpoint to walk to now while looking around for the marker (also `self.viewpoint`), or None: walk
        to the goal as homing has it. stamp s, the robot's odom position (2,), the homing of the goal being
        reached (None: no goal being reached)."""
        self.viewpoint = self._viewpoint(stamp, position, homing)
        return self.viewpoint

    def _viewpoint(self, stamp: float, position: np.ndarray, homing: GoalHoming | None) -> np.ndarray | None:
        cfg = self.settings
        if self.last_stamp is not None and stamp < self.last_stamp:  # time went back: a new episode
            self.reset()
        self.last_stamp = stamp
        here = np.asarray(position, dtype=float).reshape(-1)[:2]
        if np.all(np.isfinite(here)) and (not self.path or np.linalg.norm(here - self.path[-1]) >= PATH_STEP_M):
            self.path.append(here.copy())
        if homing is None or homing.anchor is None or self.done:
            return None
        if not cfg.enabled or homing.homed or not (homing.taken > 0 or cfg.unseen_too):
            return None
        if self.started_at is None:
            if not float(np.linalg.norm(here - homing.anchor)) < cfg.start_m:
                return None
            self.started_at, self.sent = stamp, homing.anchor.copy()
            self._chosen = self._on_path(self.sent)
            self.count += 1
        if stamp - self.started_at > cfg.give_up_s:
            self.done = True
            return None
        return self._chosen.copy()

    def look_at(self, stamp: float) -> np.ndarray | None:
        """The point to keep in view at `stamp` while looking around (None when not): the goal sent, turned round
        the viewpoint by the sweep's angle of the instant."""
        if self.viewpoint is None:
            return None
        cfg = self.settings
        angle = math.radians(cfg.sweep_deg) * math.sin(2.0 * math.pi * stamp / cfg.sweep_s)
        c, s = math.cos(angle), math.sin(angle)
        dx, dy = self.sent - self.viewpoint
        return self.viewpoint + np.array([c * dx - s * dy, s * dx + c * dy])

    def _on_path(self, sent: np.ndarray) -> np.ndarray:
        """The newest path point at least view_m from the goal sent. A path that never was that far (an episode
        that started near its goal, or time that went back) gives the point view_m from the goal sent towards
        the path's farthest point: back the way the robot came."""
        view_m = self.settings.view_m
        points = np.array(self.path)
        distance = np.linalg.norm(points - sent, axis=1)
        far = np.flatnonzero(distance >= view_m)
        if len(far):
            return points[far[-1]].copy()
        farthest = int(np.argmax(distance))
        if distance[farthest] < 1e-6:  # it never moved off the goal: there is no way back to take
            return sent + np.array([-view_m, 0.0])
        return sent + (points[farthest] - sent) * (view_m / distance[farthest])
