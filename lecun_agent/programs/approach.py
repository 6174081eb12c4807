"""Approach-and-touch exploration: walk up to an obstacle or wall in view and touch it, slowly.

The wandering program (`exploration.OUProgram`) with the careful operator never comes near an
obstacle, so its data holds almost no body contacts and a world model trained on it cannot tell
a command into a wall from a command into open floor. `ApproachProgram` runs one approach cycle
at a time:

    turn   face a surface picked from range readings all around (it is then in the camera's view)
    walk   walk straight at it at a slow random speed
    press  (touch cycles) on the first measured non-foot contact, keep pushing a random while
    stand  stop (touch cycles after the press; stop-short cycles at a random distance)
    back   back off a little (only if the way behind is clear), then hand control back

Touch and stop-short cycles issue the same kind of commands (slow walk, stop, stand, back off);
only the distance to the surface, which the camera sees, tells them apart, so a model cannot
predict a touch from the command pattern alone. The touch is detected from the measured contact
force (what a real robot with contact sensing reads), never from the simulator's geometry; the
range readings only steer the program, as a person with a joystick would.

`MixedProgram` alternates wandering segments and approach cycles in one episode.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from lecun_agent.gait.config import GaitConfig
from lecun_agent.programs.exploration import OUProgram


class Senses(Protocol):
    """What the programs read each step (the collector fills it from the sim and the readings)."""

    def heading(self) -> float:
        """rad, odometry yaw."""

    def contact_force(self) -> float:
        """N, measured summed normal force on non-foot links (the pain signal's input)."""

    def clearance(self, angles: np.ndarray) -> np.ndarray:
        """Body-frame headings (n,) rad -> free distance (n,) m from the base centre (a range sensor)."""

    def blocked(self, command: np.ndarray) -> bool:
        """True if moving along command's (vx, vy) would hit something soon (the careful operator)."""


def _wrap(a: float) -> float:
    return float((a + np.pi) % (2 * np.pi) - np.pi)


class ApproachProgram:
    """One approach cycle at a time: `start(senses)`, then `next(senses)` until it returns None."""

    def __init__(
        self,
        dt: float,
        seed: int,
        touch_prob: float = 0.7,  # share of cycles that touch; the rest stop short
        speed: tuple[float, float] = (0.15, 0.45),  # m/s, walking speed towards the surface
        range_m: tuple[float, float] = (0.4, 2.0),  # m, surfaces considered as targets
        stop_short_m: tuple[float, float] = (0.32, 0.8),  # m from the base centre (front at 0.21)
        press_s: tuple[float, float] = (0.2, 1.5),
        stand_s: tuple[float, float] = (0.3, 1.0),
        back_s: tuple[float, float] = (0.5, 1.5),
        back_speed: float = 0.25,  # m/s
        contact_n: float = 1.0,  # N of measured non-foot force that counts as a touch
    ):
        self.dt = dt
        self.rng = np.random.default_rng([seed, 11])
        self.touch_prob, self.speed, self.range_m = touch_prob, speed, range_m
        self.stop_short_m, self.press_s, self.stand_s, self.back_s = stop_short_m, press_s, stand_s, back_s
        self.back_speed, self.contact_n = back_speed, contact_n
        self.phase: str | None = None
        self.touched = False
        self.cycles = self.touches = 0

    def start(self, senses: Senses) -> bool:
        """Pick a target surface all around; False (and no cycle) if nothing is in range."""
        angles = np.linspace(-np.pi, np.pi, 24, endpoint=False)  # (24,) body frame
        dist = senses.clearance(angles)  # (24,)
        ok = np.flatnonzero((dist >= self.range_m[0]) & (dist <= self.range_m[1]))
        if len(ok) == 0:
            return False
        prefer_ahead = np.exp(-np.abs(angles[ok]))  # (n,) less turning, more approaching
        pick = int(self.rng.choice(ok, p=prefer_ahead / prefer_ahead.sum()))
        self.target = senses.heading() + angles[pick] + self.rng.uniform(-0.1, 0.1)
        self.v = self.rng.uniform(*self.speed)
        self.touch = bool(self.rng.random() < self.touch_prob)
        self.stop_at = self.rng.uniform(*self.stop_short_m)
        self.walk_left = dist[pick] / self.v + 3.0  # s; gives up on a target it cannot reach
        self.phase, self.left, self.touched = "turn", 5.0, False
        self.cycles += 1
        return True

    def next(self, senses: Senses) -> np.ndarray | None:
        """The next target command (not rate-limited), or None when the cycle is over."""
        self.left -= self.dt
        err = _wrap(self.target - senses.heading())
        contact = senses.contact_force() > self.contact_n
        if self.phase == "turn":
            if abs(err) < 0.1 or self.left <= 0:
                self.phase, self.left = "walk", self.walk_left
            else:
                return np.array([0.0, 0.0, np.clip(3.0 * err, -1.0, 1.0)])
        if self.phase == "walk":
            if contact:
                self.touched, self.touches = True, self.touches + 1
                self.phase, self.left = (
                    ("press", self.rng.uniform(*self.press_s))
                    if self.touch
                    else ("stand", self.rng.uniform(*self.stand_s))
                )
            elif self.left <= 0 or (not self.touch and senses.clearance(np.zeros(1))[0] < self.stop_at):
                self.phase, self.left = "stand", self.rng.uniform(*self.stand_s)
            else:
                return np.array([self.v, 0.0, np.clip(1.5 * err, -0.4, 0.4)])
        if self.phase == "press":
            if self.left > 0:
                return np.array([self.v, 0.0, 0.0])
            self.phase, self.left = "stand", self.rng.uniform(*self.stand_s)
        if self.phase == "stand":
            if self.left > 0:
                return np.zeros(3)
            self.phase, self.left = "back", self.rng.uniform(*self.back_s)
        if self.phase == "back":
            back = np.array([-self.back_speed, 0.0, 0.0])
            if self.left > 0 and not senses.blocked(back):
                return back
        self.phase = None
        return None


class MixedProgram:
    """Wandering (OU + careful operator) segments alternating with approach cycles, rate-limited.

    After each wandering segment of `wander_s` seconds an approach cycle starts if a surface is in
    range ahead; otherwise wandering goes on. `approach_steps / steps` reports the share.
    """

    def __init__(
        self, dt: float, seed: int, gait: GaitConfig | None = None, wander_s: tuple[float, float] = (3.0, 8.0)
    ):
        gait = gait or GaitConfig()
        self.dt, self.wander_s = dt, wander_s
        self.ou = OUProgram(dt, seed, gait)
        self.approach = ApproachProgram(dt, seed)
        self.rng = np.random.default_rng([seed, 13])
        self.max_step = np.array([gait.lin_accel_max, gait.lin_accel_max, gait.yaw_accel_max]) * dt  # (3,)
        self.cmd = np.zeros(3)  # (3,) the rate-limited command
        self.wander_left = self.rng.uniform(*wander_s)
        self.approaching = False
        self.steps = self.approach_steps = 0

    def next(self, senses: Senses) -> np.ndarray:
        self.steps += 1
        if not self.approaching:
            self.wander_left -= self.dt
            if self.wander_left <= 0:
                self.approaching = self.approach.start(senses)
                self.wander_left = self.rng.uniform(*self.wander_s) if self.approaching else 1.0
        if self.approaching:
            target = self.approach.next(senses)
            if target is not None:
                self.approach_steps += 1
                self.cmd = self.cmd + np.clip(target - self.cmd, -self.max_step, self.max_step)
                self.ou.cmd = self.cmd.copy()  # wandering resumes from the current command
                return self.cmd.copy()
            self.approaching = False
        self.cmd = self.ou.next(blocked=senses.blocked)
        return self.cmd.copy()
