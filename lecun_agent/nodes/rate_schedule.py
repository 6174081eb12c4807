"""Which joint readings gait_node answers so that it answers `rate_hz` of them a second, by their stamps.

Each answer has a due time, one period after the previous answer's due time, and the reading nearest to it is
answered: the first one at most half a reading interval (the one from the reading before it) before it. A reading
more than a period past its due time (readings stopped, or came late) moves the schedule up to one period before it:
a late reading costs no answer, and a silence is not made up for (one answer more at most).

QA (2026-12-08): the rule it replaces answered a reading only a full period after the previous answer's stamp. A real
robot's stamps jitter (50 Hz readings 7-41 ms apart), so a reading 19.99 ms after the last answer waited for the next
one: 32 answers a second at 50 Hz readings, 39 at 100 Hz, with `rate_hz` 50. With a simulator's exact stamps both
rules answer the same readings whenever the reading rate is `rate_hz` times a whole number (the due time falls on a
reading, and the one before it is a whole interval early, more than the half allowed), and every reading at a
`rate_hz` above the reading rate; at a rate_hz between such rates the old rule answered fewer (40 on 50 Hz readings:
25 a second), this one `rate_hz` on average.
"""

from __future__ import annotations

from .tick_gate import EPS


class RateSchedule:
    def __init__(self) -> None:
        self.due: float | None = None  # the due time the last reading kept was answered for
        self.kept: float | None = None  # the stamp of the last reading kept
        self.previous: float | None = None  # the stamp of the reading before this one

    def keep(self, stamp: float, period: float) -> bool:
        """Whether to answer the reading stamped `stamp` (readings come in stamp order), `period` = 1 / rate_hz."""
        if stamp == self.kept:
            return True  # the same reading offered again before it was answered
        if self.due is None:  # the first reading
            self.due = self.kept = self.previous = stamp
            return True
        interval, self.previous = stamp - self.previous, stamp
        due = self.due + period
        if stamp < due - interval / 2 - EPS:
            return False
        self.due, self.kept = max(due, stamp - period), stamp
        return True
