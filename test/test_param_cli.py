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
    assert typed.returncode == 1, typed
    assert "Setting parameter failed: Wrong parameter type, expected 'double' got 'string'" in typed.stderr, typed
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


def test_get_and_describe_of_an_unknown_name_name_it_and_the_closest(cost_node: Path) -> None:
    """They used to print an empty "Parameter name:" and "Parameter not set: some", or "Parameter not set."."""
    got = param("get", "/cost_node", "weights.bogus")
    assert got.returncode == 1 and got.stdout == "", got
    assert got.stderr.startswith("/cost_node has no parameter 'weights.bogus'; did you mean weights."), got.stderr
    described = param("describe", "/cost_node", "weights.pain", "weights.bogus")
    assert described.returncode == 1, described
    assert described.stdout.splitlines()[0] == "Parameter name: weights.pain"  # the known one is still described
    assert "Parameter name: \n" not in described.stdout and "not set" not in described.stdout + described.stderr
    assert "/cost_node has no parameter 'weights.bogus'; did you mean" in described.stderr, described.stderr


def test_a_set_of_several_parameters_is_all_or_nothing(cost_node: Path) -> None:
    """It used to apply weights.energy, then fail on weights.fall."""
    before = param("get", "/cost_node", "weights.energy").stdout
    typed = param("set", "/cost_node", "weights.energy", "0.5", "weights.fall", "abc")  # checked before sending
    assert typed.returncode == 1, typed
    assert "weights.fall: Setting parameter failed: Wrong parameter type, expected 'double' got 'string'\n" \
           "hint: weights.fall is a double parameter" in typed.stderr, typed.stderr
    assert "none of the 2 parameters was set" in typed.stderr
    ranged = param("set", "/cost_node", "weights.energy", "0.5", "weights.pain", "0.0")  # refused by the node
    assert ranged.returncode == 1, ranged
    assert ranged.stderr.startswith("Setting parameters failed, none was set: ") and "out of range" in ranged.stderr
    assert param("get", "/cost_node", "weights.energy").stdout == before
    both = param("set", "/cost_node", "weights.energy", "0.03", "weights.upright", "2")  # 2: taken as 2.0
    assert both.returncode == 0, both.stderr
    assert both.stdout.splitlines() == ["weights.energy: Set parameter successful",
                                        "weights.upright: Set parameter successful"]
    assert param("get", "/cost_node", "weights.upright").stdout.strip() == "Double value is: 2.0"


def test_a_value_no_parameter_type_holds_is_taken_as_its_text() -> None:
    """rclpy's parser raises on an undefined YAML alias and puts a mapping or a date in `string_value`."""
    from rcl_interfaces.msg import ParameterType

    from lecun_agent.tools.param_client import parse_value, readable_reason

    for text in ("*a", "{a: b}", "2001-12-14", "!!python/object:os.system x"):
        value = parse_value(text)
        assert (value.type, value.string_value) == (ParameterType.PARAMETER_STRING, text)
    assert parse_value("0.5").double_value == 0.5 and list(parse_value("[1, 2]").integer_array_value) == [1, 2]
    assert readable_reason("Wrong parameter type, expected '3' got '2'") == \
        "Wrong parameter type, expected 'double' got 'integer'"
