"""The configurator's modes and the events that switch between them (no ROS).

    explore --goal received--> reach --goal reached--> after_goal (rest or explore)
    any     --fall (tilt > fall_tilt)--> rest          rest/explore --goal received--> reach
    any     --operator sets the mode--> that mode

Each event returns the transition it caused (or None), so the node can log and publish it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class Mode(StrEnum):
    EXPLORE = "explore"  # no goal: wander cheaply, learn the world
    REACH = "reach"  # walk to the current goal
    REST = "rest"  # stand still; after reaching a goal or after a fall


@dataclass(frozen=True)
class Transition:
    old: Mode
    new: Mode
    reason: str  # e.g. "goal received at (1.00, 2.00)"


@dataclass
class ModeMachine:
    """Current mode and goal; feed it events, read back the transitions they cause."""

    mode: Mode = Mode.EXPLORE
    goal_tolerance: float = 0.1  # m, odometry distance that counts as "goal reached"
    fall_tilt: float = 1.0  # rad, tilt that counts as a fall
    after_goal: Mode = Mode.REST
    goal: np.ndarray | None = None  # (2,) m, odom frame
    history: list[Transition] = field(default_factory=list)

    def _switch(self, new: Mode, reason: str) -> Transition | None:
        if new == self.mode:
            return None
        transition = Transition(self.mode, new, reason)
        self.mode = new
        self.history.append(transition)
        return transition

    def set_mode(self, mode: Mode | str, reason: str = "set by operator") -> Transition | None:
        return self._switch(Mode(mode), reason)

    # A non-finite reading is no event: the guardrail stops the robot on it, and nothing here may read a
    # goal reached or a fall into a NaN (either would latch a mode the robot does not leave when it clears).
    def on_goal(self, goal_xy) -> Transition | None:
        """A new goal (x, y) in the odom frame: go and reach it (a non-finite goal is ignored)."""
        goal = np.asarray(goal_xy, dtype=float).reshape(2)
        if not np.all(np.isfinite(goal)):
            return None
        self.goal = goal
        return self._switch(Mode.REACH, f"goal received at ({self.goal[0]:.2f}, {self.goal[1]:.2f})")

    def on_position(self, xy) -> Transition | None:
        """The robot's odom position (x, y): reaching the goal ends the reach mode."""
        if self.mode != Mode.REACH or self.goal is None:
            return None
        distance = float(np.linalg.norm(np.asarray(xy, dtype=float)[:2] - self.goal))
        if not distance <= self.goal_tolerance:  # farther, or not finite
            return None
        self.goal = None
        return self._switch(self.after_goal, f"goal reached ({distance:.2f} m <= {self.goal_tolerance} m)")

    def on_tilt(self, tilt: float) -> Transition | None:
        """The body's tilt in rad: past fall_tilt counts as a fall and sends the robot to rest."""
        if not np.isfinite(tilt) or tilt <= self.fall_tilt:
            return None
        return self._switch(Mode.REST, f"fall detected (tilt {tilt:.2f} rad > {self.fall_tilt} rad)")
