"""Exploration programs: smooth random body-velocity commands inside the gait's command box.

An Ornstein-Uhlenbeck process per axis (in units of the box, around a per-episode bias),
low-passed so the command does not jump every step, interrupted now and then by stand-still
segments (and turning in place while the collector reports the way blocked, `operator.py`),
and rate-limited to the gait's acceleration limits, so the recorded action is the
command the body executes (the ROS path's guardrail and gait limit acceleration too). The data
covers walking, turning, strafing, starting and stopping. Seeded: the same seed gives the same
program.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lecun_agent.gait.config import GaitConfig


class OUProgram:
    """Call `next()` once per model step (dt s) -> command (3,) = (vx, vy, yaw_rate)."""

    def __init__(
        self,
        dt: float,
        seed: int,
        gait: GaitConfig | None = None,
        theta: float = 0.6,
        sigma: float = 0.7,
        smooth_s: float = 0.5,
        stop_prob: float = 0.015,
        stop_s: tuple[float, float] = (0.5, 2.0),
    ):
        gait = gait or GaitConfig()
        self.low = np.array([gait.vx_min, -gait.vy_max, -gait.yaw_rate_max])  # (3,)
        self.high = np.array([gait.vx_max, gait.vy_max, gait.yaw_rate_max])  # (3,)
        self.max_step = np.array([gait.lin_accel_max, gait.lin_accel_max, gait.yaw_accel_max]) * dt  # (3,)
        self.dt, self.theta, self.sigma, self.smooth_s = dt, theta, sigma, smooth_s
        self.stop_prob, self.stop_s = stop_prob, stop_s
        self.rng = np.random.default_rng([seed, 7])
        # Per-episode bias: mostly forward walking, some episodes turning or strafing.
        self.mean = self.rng.uniform([-0.3, -0.3, -0.4], [0.8, 0.3, 0.4])
        self.x = self.rng.uniform(-0.5, 0.5, 3) * [1.0, 0.5, 0.5]  # (3,) OU state, box units
        self.smooth = self.x.copy()  # (3,) low-passed OU state, box units
        self.cmd = np.zeros(3)  # (3,) the command, m/s and rad/s
        self.stop_left = 0.0

    def _in_box(self, u: np.ndarray) -> np.ndarray:
        """Box units in [-1, 1] -> command: +1 is the upper limit, -1 the lower one."""
        return np.where(u >= 0, u * self.high, -u * self.low)

    def next(self, blocked: Callable[[np.ndarray], bool] | None = None) -> np.ndarray:
        """The next command. If `blocked(target)` says the way the program wants to go is not clear,
        the robot turns in place (or stands) instead of moving there."""
        noise = self.rng.standard_normal(3)
        self.x += self.theta * (self.mean - self.x) * self.dt + self.sigma * np.sqrt(self.dt) * noise
        self.x = np.clip(self.x, -1.0, 1.0)
        self.smooth += min(1.0, self.dt / self.smooth_s) * (self.x - self.smooth)
        if self.stop_left <= 0 and self.rng.random() < self.stop_prob:
            self.stop_left = self.rng.uniform(*self.stop_s)
        target = np.zeros(3) if self.stop_left > 0 else self._in_box(self.smooth)
        if blocked is not None and blocked(target):
            target[:2] = 0.0
        self.stop_left -= self.dt
        self.cmd = self.cmd + np.clip(target - self.cmd, -self.max_step, self.max_step)
        return self.cmd.copy()
