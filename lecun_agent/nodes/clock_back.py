"""Whether a node's clock went back: a looped replay's /clock, or a robot's clock set back. ROS time never runs back
otherwise, so whatever the node holds stamped is then of a time that is not coming, and it starts afresh.

QA (2026-12-08): cost_node kept its stamps across a replay loop and judged at the newest reading's time, so the last
proposal never aged and the last walk command went on past the proposer's death; a 1 s threshold still let a bag
looping every 0.9 s do it. Any step back beyond the float round-off of stamps counts.
"""

from __future__ import annotations

import math

CLOCK_BACK_S = 1e-3  # s


class ClockBack:
    def __init__(self) -> None:
        self.high = -math.inf  # the latest node clock seen

    def went_back(self, now: float) -> float | None:
        """The latest clock seen before `now` when `now` is more than CLOCK_BACK_S before it, else None."""
        before, back = self.high, now < self.high - CLOCK_BACK_S
        self.high = now if back else max(before, now)
        return before if back else None
