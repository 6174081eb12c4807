"""Exploration programs: smooth random body-velocity commands within the gait's limits.

An Ornstein-Uhlenbeck process per axis (in units of the axis limit) around a per-episode bias,
interrupted now and then by stand-still segments, so the data covers walking, turning, strafing,
starting and stopping. Seeded: the same seed gives the same program.
"""

from __future__ import annotations

import numpy as np


class OUProgram:
    """Call `next()` once per model step (dt s) -> command (3,) = (vx, vy, yaw_rate)."""

    def __init__(
        self,
        limits: np.ndarray,
        dt: float,
        seed: int,
        theta: float = 0.6,
        sigma: float = 0.7,
        stop_prob: float = 0.015,
        stop_s: tuple[float, float] = (0.5, 2.0),
    ):
        self.limits = np.asarray(limits, dtype=np.float64)  # (3,)
        self.dt, self.theta, self.sigma = dt, theta, sigma
        self.stop_prob, self.stop_s = stop_prob, stop_s
        self.rng = np.random.default_rng([seed, 7])
        # Per-episode bias: mostly forward walking, some episodes turning or strafing.
        self.mean = self.rng.uniform([-0.3, -0.3, -0.4], [0.8, 0.3, 0.4])
        self.x = self.rng.uniform(-0.5, 0.5, 3) * [1.0, 0.5, 0.5]
        self.stop_left = 0.0

    def next(self) -> np.ndarray:
        noise = self.rng.standard_normal(3)
        self.x += self.theta * (self.mean - self.x) * self.dt + self.sigma * np.sqrt(self.dt) * noise
        self.x = np.clip(self.x, -1.0, 1.0)
        if self.stop_left <= 0 and self.rng.random() < self.stop_prob:
            self.stop_left = self.rng.uniform(*self.stop_s)
        if self.stop_left > 0:
            self.stop_left -= self.dt
            return np.zeros(3)
        return self.x * self.limits
