"""The actor of one of the eval's model agents, outside ROS: what the in-process benchmarks plan with."""

from __future__ import annotations

from lecun_agent.actor.actor import Actor, load_actor
from lecun_agent.cost.definition import cost_definition
from lecun_agent.cost.total import TermSettings
from lecun_agent.cost.veto import VetoLimits
from lecun_agent.cost.weights import CostWeights
from lecun_agent.stack.description import AGENTS


def eval_actor(agent: str = "full", checkpoint: str = "", overrides: dict | None = None,
               weights: dict[str, float] | None = None) -> Actor:
    """The actor of one of the eval's model agents (description.py AGENTS), as actor_node builds it with
    those parameters (plus `overrides`), planning with cost_node's default definition and these weights
    (`weights.<term>` values by term name)."""
    actor = load_actor(checkpoint, {**AGENTS[agent][1], **(overrides or {})})
    actor.follow(cost_definition(CostWeights(**(weights or {})), TermSettings(), VetoLimits()))
    return actor
