"""FrameLateness: how long after their stamp the camera's frames arrive, and whether that is too late to say so.

A frame that arrives late gives a latent, and so a proposal, as old: the guardrail stops the robot on the
proposal's age, naming the proposal. QA (2026-12-08): a camera clock 0.5 s behind the robot's stopped the robot
with only "proposal is 0.575 s old" said; perception_node encoded every frame and said OK. This names the camera.
"""

from __future__ import annotations

from collections import deque

import numpy as np

KEEP = 20  # frames the median is taken over
ENOUGH = 10  # frames needed before lateness is said
LATE_S = 0.25  # a median lateness above this is said (the guardrail's proposal timeout is 0.3-0.5 s)


class FrameLateness:
    def __init__(self) -> None:
        self.ages: deque[float] = deque(maxlen=KEEP)

    def add(self, age_s: float) -> None:
        """A frame that arrived `age_s` after its stamp, by the node clock."""
        self.ages.append(age_s)

    def median(self) -> float | None:
        """The median lateness of the last frames, s; None before there are enough."""
        return round(float(np.median(self.ages)), 4) if len(self.ages) >= ENOUGH else None

    def problem(self) -> str | None:
        """Why the frames come too late, or None."""
        late = self.median()
        if late is None or late <= LATE_S:
            return None
        return (f"camera frames arrive {late:.3f} s after their stamp (> {LATE_S} s): the camera's clock behind the "
                "robot's, or a slow camera pipeline? The guardrail stops on proposals that old")
