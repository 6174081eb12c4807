"""Approach-and-touch exploration: walk up to an obstacle or wall in view and touch it, slowly.

The wandering program (`exploration.OUProgram`) with the careful operator never comes near an
obstacle, so its data holds almost no body contacts and a world model trained on it cannot tell
a command into a wall from a command into open floor. `ApproachProgram` runs one approach cycle
at a time:

    turn   face the target, picked from range readings all around (it is then in the camera's view)
    walk   walk straight at it, slowly (0.15-0.45 m/s), for a time fixed when the walk starts
    pass   or, in a share of the cycles at a surface (`pass_share`, 0 by default), walk past it: aimed
           0.15-0.45 rad to one side, at 0.3-0.8 m/s with a sidestep of up to 0.3 m/s, on beyond
           the target's distance; in a share of the open-floor cycles (`sidestep_share`, 0 by
           default) the same fast sidestepping walk crosses open floor
    stand  stop a moment
    back   back off a little (only if the way behind is clear), then hand control back

The walk's length is drawn when the cycle starts: the distance to the target minus a random end gap
between -0.6 m (overshoot: the robot touches and keeps pushing, blocked, while the command says go)
and +0.4 m (it stops short). A pass walks on 0-0.8 m beyond the target's distance, so it clears the
surface's edge, grazes it or slides along it: the close passes, at the planner's speeds and with
its sidesteps, that a world model must tell from touches. The open-floor passes show what such a
walk costs with nothing in the way; without them fast sidestepping is rare in the data (2.4 % of
the steps: the wandering draws speed and sidestep apart). About a third of the targets are open
floor ("phantom" approaches), walked the same way. The commands never react to a touch, so they are
the same whether a touch happens or not: only what the camera sees ahead tells (a baseline without
the camera cannot read a touch off the commands). Contacts are measured by the robot's own non-foot
contact force sensing (the dataset's label), never taken from the simulator's geometry; the range
readings only steer the program, as a person with a joystick would. A reflex stops the walk on a
hard push (above `stop_n`).

`MixedProgram` alternates wandering segments and approach cycles in one episode.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from lecun_agent.body.readings import wrap_angle
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


# What issued each command; the collector stores the index per step (optional `program_phase`).
PHASES: tuple[str, ...] = ("wander", "turn", "walk", "stand", "back", "pass")
BODY_FRONT_M = 0.23  # from the base centre to the front of the body and the camera


class ApproachProgram:
    """One approach cycle at a time: `start(senses)`, then `next(senses)` until it returns None."""

    def __init__(
        self,
        dt: float,
        seed: int,
        phantom_prob: float = 0.4,  # share of cycles that approach open floor
        speed: tuple[float, float] = (0.15, 0.45),  # m/s, walking speed towards the target
        range_m: tuple[float, float] = (0.4, 2.0),  # m, surfaces considered as targets
        end_gap_m: tuple[float, float] = (-0.6, 0.4),  # m, planned gap at the end (< 0: touch)
        stand_s: tuple[float, float] = (0.2, 0.8),
        back_s: tuple[float, float] = (0.5, 1.5),
        back_speed: float = 0.25,  # m/s
        pass_share: float = 0.0,  # share of the cycles at a surface that walk past it (collect --pass-share)
        sidestep_share: float = 0.0,  # share of the open-floor cycles walked as a pass (collect --sidestep-share)
        pass_speed: tuple[float, float] = (0.3, 0.8),  # m/s
        pass_aim_rad: tuple[float, float] = (0.15, 0.45),  # aim to one side of the target
        pass_sidestep: float = 0.3,  # m/s, largest |vy| of a pass
        pass_beyond_m: tuple[float, float] = (0.0, 0.8),  # walked beyond the target's distance
        contact_n: float = 1.0,  # N of measured non-foot force that counts as a touch (counted only)
        stop_n: float = 150.0,  # N of measured non-foot force that ends a walk (a reflex)
    ):
        self.dt = dt
        self.rng = np.random.default_rng([seed, 11])
        self.phantom_prob, self.speed, self.range_m, self.end_gap_m = phantom_prob, speed, range_m, end_gap_m
        self.stand_s, self.back_s, self.back_speed = stand_s, back_s, back_speed
        self.pass_share, self.pass_speed, self.pass_aim_rad = pass_share, pass_speed, pass_aim_rad
        self.sidestep_share = sidestep_share
        self.pass_sidestep, self.pass_beyond_m = pass_sidestep, pass_beyond_m
        self.contact_n, self.stop_n = contact_n, stop_n
        self.phase: str | None = None
        self.touched = False
        self.cycles = self.touches = 0

    def start(self, senses: Senses) -> bool:
        """Pick a target all around; False (and no cycle) if there is none of the kind drawn."""
        angles = np.linspace(-np.pi, np.pi, 24, endpoint=False)  # (24,) body frame
        dist = senses.clearance(angles)  # (24,)
        self.phantom = bool(self.rng.random() < self.phantom_prob)
        if self.phantom:  # open floor well beyond the walk
            ok = np.flatnonzero(dist >= self.range_m[1] + 1.2)
        else:
            ok = np.flatnonzero((dist >= self.range_m[0]) & (dist <= self.range_m[1]))
        if len(ok) == 0:
            return False
        prefer_ahead = np.exp(-2.0 * np.abs(angles[ok]))  # (n,) less turning, more approaching
        pick = int(self.rng.choice(ok, p=prefer_ahead / prefer_ahead.sum()))
        self.target = senses.heading() + angles[pick] + self.rng.uniform(-0.1, 0.1)
        # no draw for the pass when there are none: the pass-free program's draws stay as they were
        share = self.sidestep_share if self.phantom else self.pass_share
        self.passing = share > 0 and bool(self.rng.random() < share)
        self.vy = 0.0
        if self.passing:
            self.target += self.rng.choice([-1.0, 1.0]) * self.rng.uniform(*self.pass_aim_rad)
            self.v = self.rng.uniform(*self.pass_speed)
            self.vy = self.rng.uniform(-self.pass_sidestep, self.pass_sidestep)
            self.walk_s = (self._ahead(dist[pick]) + self.rng.uniform(*self.pass_beyond_m)) / self.v
        else:
            self.v = self.rng.uniform(*self.speed)
            ahead = self._ahead(dist[pick])
            self.walk_s = max(0.3, ahead - BODY_FRONT_M - self.rng.uniform(*self.end_gap_m)) / self.v
        self.phase, self.left, self.touched = "turn", 5.0, False
        self.cycles += 1
        return True

    def _ahead(self, surface_m: float) -> float:
        """m to the target: the surface's distance, or for open floor a distance drawn in range_m."""
        return self.rng.uniform(*self.range_m) if self.phantom else surface_m

    def next(self, senses: Senses) -> np.ndarray | None:
        """The next target command (not rate-limited), or None when the cycle is over."""
        self.left -= self.dt
        err = wrap_angle(self.target - senses.heading())
        force = senses.contact_force()
        if force > self.contact_n and not self.touched:
            self.touched, self.touches = True, self.touches + 1
        if self.phase == "turn":
            if abs(err) < 0.1 or self.left <= 0:
                self.phase, self.left = ("pass" if self.passing else "walk"), self.walk_s
            else:
                return np.array([0.0, 0.0, np.clip(3.0 * err, -1.0, 1.0)])
        if self.phase in ("walk", "pass"):
            if self.left > 0 and force < self.stop_n:
                return np.array([self.v, self.vy, np.clip(1.5 * err, -0.4, 0.4)])
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
        self,
        dt: float,
        seed: int,
        gait: GaitConfig | None = None,
        wander_s: tuple[float, float] = (1.0, 3.0),
        pass_share: float = 0.0,  # the approach cycles' share of close passes (ApproachProgram)
        sidestep_share: float = 0.0,  # the open-floor cycles' share of passes (ApproachProgram)
    ):
        gait = gait or GaitConfig()
        self.dt, self.wander_s = dt, wander_s
        self.ou = OUProgram(dt, seed, gait)
        self.approach = ApproachProgram(dt, seed, pass_share=pass_share, sidestep_share=sidestep_share)
        self.rng = np.random.default_rng([seed, 13])
        self.max_step = np.array([gait.lin_accel_max, gait.lin_accel_max, gait.yaw_accel_max]) * dt  # (3,)
        self.cmd = np.zeros(3)  # (3,) the rate-limited command
        self.wander_left = self.rng.uniform(*wander_s)
        self.approaching = False
        self.phase = "wander"  # PHASES entry of the last command
        self.steps = self.approach_steps = 0

    def next(self, senses: Senses) -> np.ndarray:
        self.steps += 1
        if not self.approaching:
            self.wander_left -= self.dt
            if self.wander_left <= 0:
                self.approaching = self.approach.start(senses)
                self.wander_left = self.rng.uniform(*self.wander_s) if self.approaching else 1.0
        if self.approaching:
            self.phase = self.approach.phase
            target = self.approach.next(senses)
            if target is not None:
                self.approach_steps += 1
                self.cmd = self.cmd + np.clip(target - self.cmd, -self.max_step, self.max_step)
                self.ou.cmd = self.cmd.copy()  # wandering resumes from the current command
                return self.cmd.copy()
            self.approaching = False
        self.phase = "wander"
        self.cmd = self.ou.next(blocked=senses.blocked)
        return self.cmd.copy()
