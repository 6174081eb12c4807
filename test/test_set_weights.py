"""`--weights TERM=VALUE` of `lecun-agent sim` and `eval`: parsed with clear errors, set on a live
cost_node through its parameter service (as `ros2 param set` would), refusals reported."""

from __future__ import annotations

import argparse

import pytest
import rclpy

from lecun_agent.stack.description import StackOptions, stack_nodes
from lecun_agent.stack.runner import Stack
from lecun_agent.stack.set_weights import planning_with, set_weights, weight_item
from lecun_agent.tools.param_client import ParamClient, plain_value


def test_weights_parse_to_parameter_names():
    assert dict(map(weight_item, ["energy=0.02", "progress=1"])) == {"weights.energy": 0.02, "weights.progress": 1.0}


@pytest.mark.parametrize("item, words", [
    ("energy", "expected TERM=VALUE"), ("speed=1", "TERM one of pain, fall"), ("energy=lots", "not a number"),
    ("energy=nan", "must be in [0.0, 1000.0]"), ("pain=0.1", "weights.pain must be in [0.5, 1000.0]"),
])  # fmt: skip
def test_a_bad_weight_is_refused_saying_why(item, words):
    with pytest.raises(argparse.ArgumentTypeError) as err:
        weight_item(item)
    assert words in str(err.value)


def test_planning_with_reads_the_weight_keys_of_diagnostics():
    assert planning_with({"weight.energy": "0.02"}, {"weights.energy": 0.02})
    assert not planning_with({"weight.energy": "0.01"}, {"weights.energy": 0.02})
    assert not planning_with({}, {"weights.energy": 0.02})  # an actor that has no definition yet


@pytest.fixture(scope="module")
def cost_node(tmp_path_factory):
    stack = Stack(stack_nodes(StackOptions(target="robot", nodes=("cost_node",))), tmp_path_factory.mktemp("w"))
    rclpy.init()
    # up first, as the episode runner has its nodes before it sets weights: a cost_node process
    # importing torch on a loaded machine took longer than set_weights' 10 s once
    node = rclpy.create_node("cost_node_waiter")
    client = ParamClient(node)
    assert client.wait_for_node("cost_node", timeout_s=120.0), "cost_node did not come up within 120 s"
    client.close()
    node.destroy_node()
    yield
    rclpy.try_shutdown()
    assert stack.shutdown()["cost_node"] == 0


def test_weights_are_set_on_the_live_cost_node_and_a_refusal_is_reported(cost_node):
    assert set_weights({"weights.energy": 0.03}) == []
    node = rclpy.create_node("weights_reader")
    client = ParamClient(node)
    assert plain_value(client.get("cost_node", ["weights.energy"])["weights.energy"]) == 0.03
    client.close()
    node.destroy_node()
    # Below a floor that a launch may have raised: cost_node (rclpy's range check) is the authority.
    refused = set_weights({"weights.fall": 10.0})
    assert len(refused) == 1 and "/cost_node refused weights.fall = 10.0" in refused[0], refused
