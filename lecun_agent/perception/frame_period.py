"""FramePeriod: the camera's frame period, from the stamps of the frames that come, against the model's step.

One world-model step is one camera frame of the dataset it was trained on (`DatasetSpec.step_dt`, 0.1 s for
the shipped checkpoint). A camera at another rate makes every planned step last another time on the robot,
and nothing else would say so (QA, 2026-12-08: 5 Hz and 20 Hz cameras were taken as OK).
"""

from __future__ import annotations

from collections import deque

import numpy as np

KEEP = 20  # frame periods the median is taken over
ENOUGH = 10  # periods needed before a mismatch is said
LONGEST_PERIOD_S = 1.0  # a longer gap between frames is an outage, not the camera's rate
TOLERANCE = 0.25  # a median period this far (as a fraction) from the model's step is a mismatch


class FramePeriod:
    def __init__(self) -> None:
        self.last: float | None = None
        self.periods: deque[float] = deque(maxlen=KEEP)

    def add(self, stamp: float) -> None:
        """A frame stamped `stamp`; a frame offered again (the same stamp) or out of order adds no period."""
        if self.last is not None and 0.0 < stamp - self.last <= LONGEST_PERIOD_S:
            self.periods.append(stamp - self.last)
        if self.last is None or stamp > self.last:
            self.last = stamp

    def period(self) -> float | None:
        """The median period of the last frames, s; None before there are enough."""
        return round(float(np.median(self.periods)), 4) if len(self.periods) >= ENOUGH else None

    def mismatch(self, step_dt: float) -> str | None:
        """Why the frames do not come at the model's step, or None."""
        period = self.period()
        if period is None or abs(period / step_dt - 1.0) <= TOLERANCE:
            return None
        return (f"camera frames every {period:.3f} s ({1 / period:.1f} Hz), the world model steps {step_dt} s "
                f"({1 / step_dt:.1f} Hz): every planned step lasts another time on the robot (set the camera's rate)")
