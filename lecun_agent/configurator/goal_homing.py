"""Goal homing: the goal the robot walks to, moved onto the goal marker it sees (no ROS).

The goal comes in the odometry frame, and odometry drifts: after 8 m of walking the robot stood
at its odometry's goal 0.3-0.5 m from the real one (docs/actor_experiments.md, "Odometry drift"). Each
sighting of the goal marker (perception/goal_marker.py) says where the marker stands in the
odometry frame as it is now, drift included. `GoalHoming` keeps the goal sent (the anchor) and
the newest sightings near it, and gives the goal to walk to:
- the anchor, until `need` sightings were taken;
- then the mean of the last `keep` sightings, each weighted by 1 / range^4 (one pixel row at the
  marker's foot spans a distance that grows with the range squared).

A sighting is taken only when it is no farther than `range_m` from the robot (farther, one pixel
row at the foot spans more than 35 cm; walking, sightings at 2.5-3.5 m were 12 cm off, rms, at
2-2.5 m 10 cm, at 1-1.5 m 2.5 cm: benchmarks/goal_sighting.py) and no farther than `gate_m` from
the anchor (farther, it is not the goal's marker: odometry drifts a few per cent of the path, not
metres). Within about 0.6 m the marker's foot drops out of view and the goal stays where the
last sightings put it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from lecun_agent.settings import setting


@dataclass(frozen=True)
class HomingSettings:
    """The configurator's homing parameters (`goal_homing.<field>`, read-only)."""

    enabled: bool = setting(True, "move the goal onto the goal marker the camera sees (agent/goal_sighting); "
                            "false: the goal stays where it was sent, in odometry")
    range_m: float = setting(3.0, "sightings count up to this distance from the robot, m", low=0.3, high=20.0)
    gate_m: float = setting(1.0, "sightings count up to this distance from the goal sent, m (farther: not its "
                            "marker)", low=0.05, high=10.0)
    need: int = setting(3, "sightings taken before the goal moves", low=1, high=100)
    keep: int = setting(10, "the newest sightings the goal is the weighted mean of", low=1, high=1000)


class GoalHoming:
    def __init__(self, settings: HomingSettings | None = None) -> None:
        self.settings = settings or HomingSettings()
        self.anchor: np.ndarray | None = None
        self.sightings: deque[tuple[np.ndarray, float]] = deque(maxlen=self.settings.keep)
        self.taken = 0  # sightings taken since the anchor was set

    def reset(self, anchor: np.ndarray | None) -> None:
        """A new goal sent (None: no goal): forget the sightings of the old one."""
        self.anchor = None if anchor is None else np.asarray(anchor, dtype=float).reshape(2).copy()
        self.sightings.clear()
        self.taken = 0

    def add(self, marker_xy: np.ndarray, range_m: float) -> bool:
        """One sighting: the marker at (x, y) m in odometry, `range_m` from the robot. Returns whether it
        was taken."""
        marker = np.asarray(marker_xy, dtype=float).reshape(2)
        cfg = self.settings
        if self.anchor is None or not (np.all(np.isfinite(marker)) and np.isfinite(range_m)):
            return False
        if not (0.0 < range_m <= cfg.range_m and np.linalg.norm(marker - self.anchor) <= cfg.gate_m):
            return False
        self.sightings.append((marker, float(range_m)))
        self.taken += 1
        return True

    def see(self, marker_footprint: np.ndarray, pose: np.ndarray) -> bool:
        """A sighting as perception gives it: the marker at (x, y) m in base_footprint, for the base at
        `pose` (x, y, yaw) in odometry. Returns whether it was taken."""
        return self.add(footprint_to_odom(marker_footprint, pose), float(np.hypot(*marker_footprint)))

    @property
    def homed(self) -> bool:
        """Whether the goal has moved onto the marker: `need` sightings taken."""
        return self.taken >= self.settings.need

    @property
    def goal(self) -> np.ndarray | None:
        """The goal to walk to, (2,) m in odometry; None without a goal."""
        if self.anchor is None or not self.homed:
            return None if self.anchor is None else self.anchor.copy()
        points = np.array([p for p, _ in self.sightings])
        weights = np.array([r for _, r in self.sightings]) ** -4.0
        return weights @ points / weights.sum()


def footprint_to_odom(xy: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """A point (x, y) in base_footprint -> odom, for the base at pose (x, y, yaw) in odom."""
    c, s = np.cos(pose[2]), np.sin(pose[2])
    return np.array([pose[0] + c * xy[0] - s * xy[1], pose[1] + s * xy[0] + c * xy[1]])
