"""Which node's lock-step wait ran out, and why, said by `lecun-agent up` rather than only in that node's log.

QA (2026-12-07): bad inputs (a joint_states flood, readings stamped in the past, NaN joint commands) froze a lock-step
`up` for 5-15 s at a time; the body froze with it, so nothing was unsafe, but the terminal said nothing and the reason
was only in a node's log. Each node reports its `sync_timeouts` count on /diagnostics; when one rises, the runner
says so with the node's last line about the wait.
"""

from __future__ import annotations

from pathlib import Path

from diagnostic_msgs.msg import DiagnosticArray

WAIT_LINES = ("]: waited ", "]: no joint command for ")  # TickGate's "waited 5.0 s for ...", sim_node's


class WaitWatch:
    """Fed every /diagnostics report (`on_report`, by the runner's one subscription)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}  # node -> sync timeouts it reported
        self.risen: set[str] = set()  # nodes whose count rose since the last `lines`

    def on_report(self, msg: DiagnosticArray) -> None:
        for status in msg.status:
            value = next((kv.value for kv in status.values if kv.key == "sync_timeouts"), None)
            if value is None or not value.isdigit():
                continue
            if int(value) > self.counts.get(status.name, 0):
                self.risen.add(status.name)
            self.counts[status.name] = int(value)

    def lines(self, logs: dict[str, Path]) -> list[str]:
        """One line per node whose count rose since the last call, with its log's last line about a wait."""
        out = []
        for name in sorted(self.risen):
            why = _last_wait_line(logs.get(name))
            out.append(f"{name} waited for an input of the instant it acts on and went on without it "
                       f"({self.counts[name]} so far)" + (f": {why}" if why else ""))
        self.risen.clear()
        return out


def _last_wait_line(log: Path | None) -> str:
    if log is None or not log.exists():
        return ""
    lines = [line for line in log.read_text(errors="replace").splitlines() if any(w in line for w in WAIT_LINES)]
    return lines[-1].split("]: ", 1)[-1].strip() if lines else ""
