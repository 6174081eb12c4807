"""Scripted velocity programs: body-velocity commands as a function of sim time.

They give tests, benchmarks, demos and data collection the same repeatable motions.
Each program maps t (s since start) -> (3,) command (vx m/s, vy m/s, yaw_rate rad/s).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lecun_agent.gait.config import GaitConfig

_GAIT = GaitConfig()
SPEED = _GAIT.default_speed  # m/s
YAW_RATE = _GAIT.default_yaw_rate  # rad/s
TURN_S = 2 * np.pi / YAW_RATE  # s, one full turn in place
SIDE_M = 2.0  # m, side of the square program
_SIDE_S = SIDE_M / SPEED
_CORNER_S = (np.pi / 2) / YAW_RATE


def stand(t: float) -> np.ndarray:
    """Stand still."""
    return np.zeros(3)


def walk(t: float) -> np.ndarray:
    """Walk straight ahead at the default speed, forever."""
    return np.array([SPEED, 0.0, 0.0])


def turn(t: float) -> np.ndarray:
    """Turn 360 degrees in place at the default yaw rate, then stand."""
    return np.array([0.0, 0.0, YAW_RATE if t < TURN_S else 0.0])


def square(t: float) -> np.ndarray:
    """Walk a SIDE_M square counter-clockwise: walk a side, turn 90 degrees in place, four times."""
    leg_s = _SIDE_S + _CORNER_S
    if t >= 4 * leg_s:
        return np.zeros(3)
    if t % leg_s < _SIDE_S:
        return np.array([SPEED, 0.0, 0.0])
    return np.array([0.0, 0.0, YAW_RATE])


PROGRAMS: dict[str, Callable[[float], np.ndarray]] = {
    "stand": stand,
    "walk": walk,
    "turn": turn,
    "square": square,
}
# Natural length of each program in sim seconds (walk and stand run as long as asked).
PROGRAM_DURATIONS: dict[str, float] = {
    "stand": 10.0,
    "walk": 10.0,
    "turn": float(np.ceil(TURN_S + 1.0)),
    "square": float(np.ceil(4 * (_SIDE_S + _CORNER_S) + 1.0)),
}
