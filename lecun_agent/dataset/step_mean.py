"""StepMean and StepMax: a vector's mean, or a value's maximum, over one model step.

A dataset step spans several control ticks. Its `base_velocity` target is the mean body twist over
the ticks since the previous frame, which is the twist whose integral over the step is the step's
displacement and turn (what a planner integrates). An instantaneous sample at the frame would
alias the trot's 2.8 Hz sway and bounce into the target instead.
"""

from __future__ import annotations

import numpy as np


class StepMean:
    """add() once per tick; take() at each frame returns the mean since the last take()."""

    def __init__(self) -> None:
        self._sum: np.ndarray | None = None
        self._count = 0

    def add(self, value: np.ndarray) -> None:
        value = np.asarray(value, dtype=np.float64)
        self._sum = value.copy() if self._sum is None else self._sum + value
        self._count += 1

    def take(self, fallback: np.ndarray) -> np.ndarray:
        """The mean since the last take(), or `fallback` (the frame's own value) if nothing came."""
        out = np.asarray(fallback, dtype=np.float64) if self._count == 0 else self._sum / self._count
        self._sum, self._count = None, 0
        return out


class StepMax:
    """add() once per tick; take() at each frame returns the largest value since the last take().

    The contact label: a body touch that starts and ends between two frames is still a contact.
    """

    def __init__(self) -> None:
        self._max: float | None = None

    def add(self, value: float) -> None:
        self._max = float(value) if self._max is None else max(self._max, float(value))

    def take(self, fallback: float) -> float:
        """The maximum since the last take() (the frame's own value included), or `fallback`."""
        out = float(fallback) if self._max is None else max(self._max, float(fallback))
        self._max = None
        return out
