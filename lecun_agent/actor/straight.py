"""The straight-line baseline: turn towards the goal and walk at it, seeing nothing on the way.

A heading controller on odometry alone (no camera, no world model): the comparison every
planning agent must beat. Obstacles on the line stop it only through the guardrail's pain
clamps and the robot's own body.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lecun_agent.settings import setting


@dataclass(frozen=True)
class StraightLineSettings:
    speed: float = setting(0.5, "forward speed towards the goal, m/s", low=0.0, high=0.8, runtime=True)
    turn_gain: float = setting(1.5, "yaw rate per rad of heading error, 1/s", low=0.0, high=5.0, runtime=True)
    max_yaw_rate: float = setting(0.8, "fastest turn, rad/s", low=0.0, high=1.0, runtime=True)
    turn_in_place_rad: float = setting(0.6, "heading error above which it turns in place before walking, rad",
                                       low=0.0, high=3.2, runtime=True)
    slow_radius_m: float = setting(0.6, "inside this distance of the goal the speed falls off linearly, m",
                                   low=0.0, high=5.0, runtime=True)
    stop_radius_m: float = setting(0.15, "within this distance of the goal it stands, m", low=0.0, high=1.0,
                                   runtime=True)


def straight_line_command(xy: np.ndarray, yaw: float, goal_xy: np.ndarray | None,
                          cfg: StraightLineSettings) -> np.ndarray:
    """(3,) body-velocity command (vx, vy, yaw rate) from the base pose (odom frame) and the goal."""
    if goal_xy is None:
        return np.zeros(3)
    offset = np.asarray(goal_xy, dtype=float) - np.asarray(xy, dtype=float)[:2]  # (2,) m
    distance = float(np.hypot(*offset))
    if distance <= cfg.stop_radius_m:
        return np.zeros(3)
    error = float(np.angle(np.exp(1j * (np.arctan2(offset[1], offset[0]) - yaw))))  # wrapped to (-pi, pi]
    yaw_rate = float(np.clip(cfg.turn_gain * error, -cfg.max_yaw_rate, cfg.max_yaw_rate))
    if abs(error) > cfg.turn_in_place_rad:
        return np.array([0.0, 0.0, yaw_rate])
    near = min(1.0, distance / cfg.slow_radius_m) if cfg.slow_radius_m > 0 else 1.0
    return np.array([cfg.speed * near * np.cos(error), 0.0, yaw_rate])
