"""The runner's crash policy (`lecun-agent up` and every episode): a node that crashed is started again after
RESPAWN_DELAY_S; one that exited cleanly (recorder_node after duration_s, a node stopped with SIGINT) has
finished and stays down, as in the launch files (test_launch_files.py); one that refused its parameters
(exit code REFUSED_START) would refuse again, so the stack stops and shows its last lines."""

from __future__ import annotations

import time

from lecun_agent.stack import runner
from lecun_agent.stack.description import NodeLaunch
from lecun_agent.stack.exit_codes import REFUSED_START
from lecun_agent.stack.runner import Stack

# Stand-ins: `this` prints and exits 0, a missing module exits 1, `json.tool` rejects --ros-args (exit 2).
FINISHES = NodeLaunch(name="recorder_node", param_files=(), module_name="this")
CRASHES = NodeLaunch(name="configurator_node", param_files=(), module_name="lecun_agent.no_such_node")
REFUSES = NodeLaunch(name="configurator_node", param_files=(), module_name="json.tool")


def supervised(node: NodeLaunch, tmp_path, monkeypatch, seconds: float = 3.0) -> Stack:
    monkeypatch.setattr(runner, "RESPAWN_DELAY_S", 0.2)
    stack = Stack([node], tmp_path)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert stack.supervise() == []  # neither is a node that stops the stack
        time.sleep(0.05)
    return stack


def test_a_node_that_finished_is_not_respawned(tmp_path, monkeypatch):
    stack = supervised(FINISHES, tmp_path, monkeypatch)
    assert stack.respawns == {} and len(stack.processes) == 1 and stack.processes[0].popen.returncode == 0


def test_a_crashed_node_is_respawned(tmp_path, monkeypatch):
    stack = supervised(CRASHES, tmp_path, monkeypatch)
    assert stack.respawns.get("configurator_node", 0) >= 2 and stack.processes[0].popen.returncode == 1


def test_a_node_that_refused_its_parameters_stops_the_stack_instead(tmp_path):
    stack = Stack([REFUSES], tmp_path)
    stack.processes[0].popen.wait(timeout=60)
    fatal = stack.supervise()
    assert stack.processes[0].popen.returncode == REFUSED_START and stack.respawns == {}
    assert len(fatal) == 1 and fatal[0].startswith("configurator_node exited with code 2"), fatal
