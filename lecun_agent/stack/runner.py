"""Starts the stack's nodes as separate processes where `ros2 launch` is absent.

Separate processes, not one composed process: each node keeps its own interpreter and
GIL (physics, rendering and torch inference would otherwise serialise on 2 cores), a
crash takes down one node rather than the stack, and the processes are exactly what
`ros2 launch` starts, so both paths behave alike. Every node runs with this interpreter
(the venv's), which the ROS wheels need to find their libraries.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lecun_agent.nodes.spin import READY

from .description import NODE_ENV, RESPAWN_DELAY_S, NodeLaunch
from .exit_codes import CLEAN_EXITS, stops_the_stack
from .fastdds_leftovers import remove_dead_fastdds_files

log = logging.getLogger(__name__)
_PR_SET_PDEATHSIG = 1


def node_command(node: NodeLaunch, namespace: str = "") -> list[str]:
    """The command line that runs `node` with its parameters and remappings, as ros2 run would."""
    cmd = [sys.executable, "-m", node.module, "--ros-args", "-r", f"__node:={node.name}"]
    if namespace:
        cmd += ["-r", f"__ns:=/{namespace.strip('/')}"]
    for path in node.param_files:
        cmd += ["--params-file", str(path)]
    for key, value in node.parameters.items():
        if value == "":
            continue  # the declared default is already "", and `-p k:=` would not parse as a string
        text = str(value).lower() if isinstance(value, bool) else str(value)
        cmd += ["-p", f"{key}:={text}"]
    for source, target in node.remappings:
        cmd += ["-r", f"{source}:={target}"]
    return cmd


def _log_tail(path: Path, lines: int) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _die_with_parent() -> None:
    # If the runner itself is killed, its nodes must not live on as orphans.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Process:
    node: NodeLaunch
    popen: subprocess.Popen
    log_path: Path
    died_at: float | None = None  # monotonic time its crash was seen (respawn pending)


class Stack:
    """The running nodes of one bring-up."""

    def __init__(self, nodes: list[NodeLaunch], log_dir: Path, namespace: str = "") -> None:
        self.log_dir, self.namespace = log_dir, namespace
        log_dir.mkdir(parents=True, exist_ok=True)
        self.processes: list[Process] = []
        self.reported: set[int] = set()  # ids of processes whose exit was handled
        self.respawns: dict[str, int] = {}  # node -> times it was respawned
        self.ready: set[int] = set()  # ids of processes whose log said READY (all_ready)
        leftovers = remove_dead_fastdds_files()  # a killed run's: they pile up (fastdds_leftovers.py)
        if leftovers:
            log.info("removed %d shared-memory files of dead Fast DDS participants", len(leftovers))
        for node in nodes:
            self.start(node)

    def start(self, node: NodeLaunch, mode: str = "w") -> None:
        log_path = self.log_dir / f"{node.name}.log"
        with open(log_path, mode) as out:
            popen = subprocess.Popen(node_command(node, self.namespace), stdout=out, stderr=subprocess.STDOUT,
                                     env={**os.environ, **NODE_ENV},
                                     # own session: a terminal's Ctrl-C reaches only the runner,
                                     # which stops the nodes in order (command sources first)
                                     start_new_session=True, preexec_fn=_die_with_parent)
        self.processes.append(Process(node, popen, log_path))
        log.info("started %s (pid %d), log %s", node.name, popen.pid, log_path)

    def all_ready(self) -> bool:
        """Whether every node started has said it is up (spin_node's READY line in its log): the graph alone cannot
        tell, since another stack's nodes of the same names satisfy it (bringup.py). A log is read until it says
        so, not on every poll after."""
        for proc in self.processes:
            if id(proc) not in self.ready and READY in proc.log_path.read_text(errors="replace"):
                self.ready.add(id(proc))
        return all(id(proc) in self.ready for proc in self.processes)

    def crashed(self) -> list[str]:
        """Newly exited nodes, each reported once with its exit code and the tail of its log."""
        messages = []
        for proc in self.processes:
            code = proc.popen.poll()
            if code is not None and id(proc) not in self.reported:
                self.reported.add(id(proc))
                messages.append(f"{proc.node.name} exited with code {code}; last log lines:\n"
                                f"{_log_tail(proc.log_path, 15)}")
        return messages

    def supervise(self) -> list[str]:
        """Apply the crash policy (description.STOP_STACK_ON_CRASH): respawn a crashed agent node after
        RESPAWN_DELAY_S (one that exited cleanly, CLEAN_EXITS, has finished); return the crashes that must
        stop the stack: a safety node's, and any node's that refused its parameters (exit_codes.py)."""
        fatal = []
        for proc in list(self.processes):
            code = proc.popen.poll()
            if code is None or id(proc) in self.reported:
                continue
            if stops_the_stack(proc.node.on_crash, code):
                fatal += self.crashed()
                continue
            if code in CLEAN_EXITS:
                self.reported.add(id(proc))
                log.info("%s exited cleanly (code %d): finished, not respawned", proc.node.name, code)
                continue
            if proc.died_at is None:
                proc.died_at = time.monotonic()
                log.error("%s exited with code %d; respawning it in %.0f s", proc.node.name, code, RESPAWN_DELAY_S)
            elif time.monotonic() - proc.died_at >= RESPAWN_DELAY_S:
                self.reported.add(id(proc))
                self.respawns[proc.node.name] = self.respawns.get(proc.node.name, 0) + 1
                self.start(proc.node, mode="a")
        return fatal

    def shutdown(self, timeout_s: float = 10.0, spin: Callable[[], None] | None = None) -> dict[str, int]:
        """SIGINT the command sources first (they send a final zero), then the rest; escalate if needed.

        `spin` runs while waiting, so the caller keeps receiving what the nodes send last (their
        final diagnostics).
        """
        first = [p for p in self.processes if p.node.commands_motion]
        rest = [p for p in self.processes if not p.node.commands_motion]
        for group in (first, rest):
            for proc in group:
                if proc.popen.poll() is None:
                    proc.popen.send_signal(signal.SIGINT)
            self._wait(group, timeout_s, spin)
        return {p.node.name: p.popen.returncode for p in self.processes}

    @staticmethod
    def _wait(group: list[Process], timeout_s: float, spin: Callable[[], None] | None) -> None:
        deadline = time.monotonic() + timeout_s
        while any(p.popen.poll() is None for p in group) and time.monotonic() < deadline:
            spin() if spin is not None else time.sleep(0.05)
        for proc in group:
            if proc.popen.poll() is None:
                # the tail holds the stacks spin_node prints when its shutdown hangs
                log.warning("%s did not stop on SIGINT within %.0f s; killing it; last log lines:\n%s",
                            proc.node.name, timeout_s, _log_tail(proc.log_path, 60))
                proc.popen.kill()
                proc.popen.wait()
