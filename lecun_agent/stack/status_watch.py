"""Each node's /diagnostics level, said by `lecun-agent up` when it changes and holds, not left to the node's log.

QA (2026-12-08): a goal sent in frame 'map' was refused by three nodes, each in its own log; the terminal said only
"stack is up" while the robot stood. Every node says what is wrong on /diagnostics (WARN or ERROR, with why); the
runner prints a node's status once its level has changed and held for HOLD_S of wall time (the guardrail's brief
clamps and stops while walking print nothing), and says when it is OK again. A new cause at the same level is a
change too (QA, 2026-12-08: a camera at the wrong rate, after a camera clock behind at WARN and a brief OK, was never
said): the cause is the message with its numbers masked, so a count or an age that changes is the same cause.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from diagnostic_msgs.msg import DiagnosticArray

HOLD_S = 2.0  # wall seconds a level must hold before it is said
LEVEL_NAMES = {0: "OK", 1: "WARN", 2: "ERROR", 3: "STALE"}


class StatusWatch:
    """Fed every /diagnostics report (`on_report`, by the runner's one subscription)."""

    def __init__(self, hold_s: float = HOLD_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.hold_s, self.clock = hold_s, clock
        self.seen: dict[str, tuple[tuple[int, str], str, float]] = {}  # node -> (state, newest message, since when)
        self.said: dict[str, tuple[int, str]] = {}  # node -> the state last said (OK before any)

    def on_report(self, msg: DiagnosticArray) -> None:
        now = self.clock()
        for status in msg.status:
            level = status.level[0] if isinstance(status.level, bytes) else int(status.level)
            state = (level, cause(status.message) if level else "")
            before = self.seen.get(status.name)
            since = before[2] if before is not None and before[0] == state else now
            self.seen[status.name] = (state, status.message, since)

    def lines(self) -> list[tuple[int, str]]:
        """(level, line) for each node whose state (level, cause) changed from the one last said and has held since."""
        out, now = [], self.clock()
        for name, (state, message, since) in sorted(self.seen.items()):
            if state != self.said.get(name, (0, "")) and now - since >= self.hold_s:
                self.said[name] = state
                level = state[0]
                out.append((level, f"{name}: {LEVEL_NAMES.get(level, level)}: {message}" if level
                            else f"{name}: OK again ({message})"))
        return out


def cause(message: str) -> str:
    """`message` with its numbers masked: '10 frames skipped' and '12 frames skipped' are one cause."""
    return re.sub(r"\d+(\.\d+)?", "#", message)
