"""A standing robot set down tipped, then left to stand: does it come back level or tip on over?

What a climb at a block leaves: the body pitched back onto its hind feet, or pitched forward, or
rolled. `tipped_and_stood` sets the robot of seed 0's start down at a given roll and pitch (the
lowered end's feet on the floor) and runs the gait at a zero command for a while, so a gait setting
(GaitConfig.level_gain, docs/body.md "Levelled feet") can be judged on the same tip. Used by
test/test_gait_levelling.py and benchmarks/levelled_feet.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pybullet

from lecun_agent.body.readings import tilt_of
from lecun_agent.gait.config import GaitConfig
from lecun_agent.sim.config import SimConfig
from lecun_agent.sim.env import LocomotionEnv
from lecun_agent.sim.sim import QuadrupedSim


@dataclass
class Stood:
    fell: bool
    tilt_rad: float  # at the end (or at the fall)
    seconds: float  # how long it stood before the end or the fall


def tipped_and_stood(roll: float, pitch: float, gait: GaitConfig, seconds: float = 3.0,
                     on_step: Callable[[QuadrupedSim, int], None] | None = None) -> Stood:
    """Set seed 0's standing robot down at this roll and pitch (rad) and stand it (zero command) for
    `seconds`; `on_step(sim, step)` after every control step (step 0: before the first)."""
    env = LocomotionEnv(SimConfig(camera_enabled=False), gait)
    try:
        env.reset(0)
        sim = env.sim
        pos = sim.ground_truth().pos
        feet = np.abs(env.gait.nominal).max(0)  # (2,) m, how far the standing feet lie from the base centre
        lift = feet[0] * abs(np.sin(pitch)) + feet[1] * abs(np.sin(roll))  # the lowered end's feet stay down
        pybullet.resetBasePositionAndOrientation(sim.robot.body, [pos[0], pos[1], pos[2] + lift],
                                                 pybullet.getQuaternionFromEuler([roll, pitch, 0.0]),
                                                 physicsClientId=sim.client)
        steps = int(round(seconds / sim.config.control_dt))
        fell, step = False, 0
        if on_step is not None:
            on_step(sim, 0)
        while step < steps and not fell:
            _, _, fell, _, _ = env.step(np.zeros(3))
            step += 1
            if on_step is not None:
                on_step(sim, step)
        return Stood(fell, tilt_of(sim.ground_truth().quat), step * sim.config.control_dt)
    finally:
        env.close()
