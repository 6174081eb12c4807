"""Which of the stack's nodes are alive as processes but silent on /diagnostics: hung, not crashed.

Every agent and safety node reports on /diagnostics each second of wall time, from its own executor.
A QA run (2026-12-07) saw actor_node deadlock inside Fast DDS right after a parameter client left: the
process lived on, dropped out of the graph, the guardrail stopped the robot, and `lecun-agent up` said
nothing until Ctrl-C. The runner cannot tell such a node from a slow one, so it does not kill it; it
says which node went silent, with its pid, so a person can. A node is watched only once it has been
heard (program_node reports nothing), and a respawned process starts unheard.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from diagnostic_msgs.msg import DiagnosticArray

SILENT_AFTER_S = 30.0  # wall seconds: far above a checkpoint reload's or a loaded machine's pause


class SilenceWatch:
    """Fed every /diagnostics report (`on_report`, by the runner's one subscription)."""

    def __init__(self, silent_after_s: float = SILENT_AFTER_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.silent_after_s, self.clock = silent_after_s, clock
        self.heard: dict[str, float] = {}  # node name -> when it last reported
        self.pids: dict[str, int] = {}  # node name -> the process the report times belong to
        self.silent: set[str] = set()

    def on_report(self, msg: DiagnosticArray) -> None:
        now = self.clock()
        for status in msg.status:
            self.heard[status.name] = now

    def check(self, running: dict[str, int]) -> list[tuple[bool, str]]:
        """`running`: node name -> pid of its live process. -> (a problem?, line) for each node newly silent for
        longer than silent_after_s (True), and for each silent one heard again (False)."""
        now, lines = self.clock(), []
        for name, pid in running.items():
            if self.pids.get(name) != pid:  # a new (respawned) process: not heard yet
                self.pids[name] = pid
                self.heard.pop(name, None)
                self.silent.discard(name)
                continue
            if name not in self.heard:
                continue
            quiet = now - self.heard[name]
            if quiet > self.silent_after_s and name not in self.silent:
                self.silent.add(name)
                lines.append((True, f"{name} (pid {pid}) is running but has sent no diagnostics for {quiet:.0f} s: "
                              "busy in one long callback (a planner sized beyond this machine), or hung (a Fast "
                              "DDS deadlock was seen, docs/reliability.md)? The guardrail holds the robot if it was "
                              f"feeding it; if it is hung, `kill -9 {pid}` lets the crash policy restart it"))
            elif quiet <= self.silent_after_s and name in self.silent:
                self.silent.discard(name)
                lines.append((False, f"{name} reports again"))
        return lines
