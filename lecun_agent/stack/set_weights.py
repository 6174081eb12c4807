"""Cost weights set on a running stack through cost_node's parameter service, as `ros2 param set` does.

`lecun-agent sim --weights energy=0.02` and `lecun-agent eval --weights ...` call this once the
nodes are up and before the body starts: cost_node takes the values (or refuses them, as it would
refuse `ros2 param set`: a safety weight below its floor, a value out of range), republishes its
cost definition, and the episode starts once the actor reports planning with them.
"""

from __future__ import annotations

import argparse
import math

from rcl_interfaces.msg import ParameterType, ParameterValue
from rclpy.node import Node

from lecun_agent.cost.weights import CostWeights
from lecun_agent.settings import specs
from lecun_agent.tools.param_client import ParamClient

COST_NODE = "cost_node"


def weight_item(item: str) -> tuple[str, float]:
    """One TERM=VALUE (the argparse type of --weights) -> ('weights.TERM', value); argparse.ArgumentTypeError
    saying what is wrong."""
    ranges = {spec.name: (spec.low, spec.high) for spec in specs(CostWeights)}
    term, sep, text = item.partition("=")
    if not sep or term not in ranges:
        raise argparse.ArgumentTypeError(f"{item!r}: expected TERM=VALUE with TERM one of {', '.join(ranges)}")
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{item!r}: {text!r} is not a number") from None
    low, high = ranges[term]
    if not low <= value <= high:  # also NaN; the shipped range (a floor raised at launch is cost_node's to check)
        raise argparse.ArgumentTypeError(f"{item!r}: weights.{term} must be in [{low}, {high}]")
    return f"weights.{term}", value


def set_weights(weights: dict[str, float], timeout_s: float = 10.0) -> list[str]:
    """Set `weights` (name -> value) on cost_node from a node of our own (rclpy initialised);
    -> one message per value cost_node did not take (empty: all set)."""
    node = Node("lecun_agent_weights")
    client = ParamClient(node, timeout_s)
    try:
        values = {k: ParameterValue(type=ParameterType.PARAMETER_DOUBLE, double_value=v) for k, v in weights.items()}
        results = client.set(COST_NODE, values)
    except (RuntimeError, TimeoutError) as err:  # NodeNotFound is a RuntimeError
        return [f"setting {', '.join(weights)} on /{COST_NODE} failed: {err}"]
    finally:
        client.close()
        node.destroy_node()
    return [f"/{COST_NODE} refused {name} = {weights[name]}: {result.reason}"
            for name, result in zip(weights, results, strict=True) if not result.successful]


def planning_with(report: dict[str, str], weights: dict[str, float]) -> bool:
    """Whether an actor's /diagnostics values (`weight.<term>`: the weights it plans with, as
    cost_node reports the ones it measures with) show `weights` (`weights.<term>` -> value)."""
    try:
        return all(math.isclose(float(report[name.replace("weights.", "weight.", 1)]), value, rel_tol=1e-9)
                   for name, value in weights.items())
    except (KeyError, ValueError):
        return False
