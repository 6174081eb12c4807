"""`lecun-agent param` against a live cost_node, through the real parameter services.

The node is started by the package's own runner, as `lecun-agent up` would; the CLI runs as
a separate process, as a user would run it, so exit codes and printed lines are the real ones.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from lecun_agent.stack.description import StackOptions, stack_nodes
from lecun_agent.stack.runner import Stack


def param(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lecun_agent.cli.param", "param", *args, "--timeout", "10"],
                          capture_output=True, text=True, timeout=30)


@pytest.fixture(scope="module")
def cost_node(tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("param_cli")
    stack = Stack(stack_nodes(StackOptions(target="robot", nodes=("cost_node",))), log_dir)
    yield log_dir / "cost_node.log"
    codes = stack.shutdown()
    assert codes["cost_node"] == 0, Path(log_dir / "cost_node.log").read_text()


def test_set_valid_changes_the_weight(cost_node: Path) -> None:
    done = param("set", "/cost_node", "weights.energy", "0.02")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Set parameter successful"
    got = param("get", "/cost_node", "weights.energy")
    assert (got.returncode, got.stdout.strip()) == (0, "Double value is: 0.02")
    deadline = time.monotonic() + 5.0  # the node logs the change with its time
    while "weight energy: 0.01 -> 0.02" not in cost_node.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "weight energy: 0.01 -> 0.02" in cost_node.read_text()


def test_set_below_floor_is_rejected_with_reason(cost_node: Path) -> None:
    done = param("set", "/cost_node", "weights.pain", "0.0")
    assert done.returncode == 1
    assert done.stderr.startswith("Setting parameter failed: ")
    # rclpy checks the descriptor's range (the floor) before the node's own callback runs.
    assert "weights.pain out of range Min: 0.5, Max: 1000.0" in done.stderr, done.stderr
    assert param("get", "/cost_node", "weights.pain", "--hide-type").stdout.strip() == "1.0"


def test_wrong_type_and_read_only_are_rejected_an_integer_is_taken_for_a_double(cost_node: Path) -> None:
    typed = param("set", "/cost_node", "weights.energy", "lots")  # YAML string, not a number
    assert typed.returncode == 1 and "Setting parameter failed" in typed.stderr, typed
    assert "hint: weights.energy is a double parameter and the value parsed as string" in typed.stderr, typed.stderr
    integer = param("set", "/cost_node", "weights.pain", "2")  # YAML integer: taken as 2.0
    assert integer.returncode == 0, integer.stderr
    assert param("get", "/cost_node", "weights.pain").stdout.strip() == "Double value is: 2.0"
    assert param("set", "/cost_node", "weights.pain", "1.0").returncode == 0
    fixed = param("set", "/cost_node", "guardrail.max_vx", "3.0")
    assert fixed.returncode == 1 and "read-only" in fixed.stderr, fixed.stderr


def test_describe_list_and_dump(cost_node: Path) -> None:
    described = param("describe", "/cost_node", "weights.pain")
    assert described.returncode == 0, described.stderr
    assert described.stdout.splitlines()[:2] == ["Parameter name: weights.pain", "  Type: double"]
    assert "    Min value: 0.5" in described.stdout and "    Max value: 1000.0" in described.stdout
    listed = param("list", "/cost_node", "--filter", "weights.")
    assert listed.stdout.split() == sorted(f"weights.{t}" for t in
                                           ("pain", "fall", "force", "energy", "goal_distance", "progress",
                                            "upright"))
    dumped = yaml.safe_load(param("dump", "/cost_node").stdout)
    assert dumped["/cost_node"]["ros__parameters"]["floors"]["fall"] == 50.0


def test_missing_node_and_parameter_fail() -> None:
    gone = subprocess.run([sys.executable, "-m", "lecun_agent.cli.param", "param", "get", "/no_such_node",
                           "x", "--timeout", "1"], capture_output=True, text=True, timeout=30)
    assert gone.returncode == 1 and "Node not found" in gone.stderr


def test_a_parameter_name_where_the_node_goes_is_refused_saying_so() -> None:
    """`param set weights.energy 5` (the node left out): the name is no node name; no traceback."""
    swapped = param("set", "weights.energy", "5")
    assert swapped.returncode == 1 and "Invalid node name 'weights.energy'" in swapped.stderr, swapped.stderr
    assert "Traceback" not in swapped.stderr
