"""The veto: quantities no plan may predict and no measured state may show. One rule, one place.

A quantity (a raw cost term such as pain, force or fall, or a cost feature such as tilt) at or
above its limit, or not finite, vetoes the state. `IntrinsicCost.evaluate` applies it to every
scored state (the planner's fail flag per sample, cost_node's measured state), and the guardrail
applies it to the chosen plan's predicted quantities (agent/plan_costs), with the same limits:
cost_node's read-only `veto.<quantity>` parameters, which can only be made stricter.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from lecun_agent.settings import setting

INF = float("inf")
# Measured breaches that stop the robot until a person resets it: a body tilting over or down has
# to be looked at. Measured pain and force spikes are the guardrail's clamps' job, not a latch.
LATCHING = ("tilt", "fall")
# What a plan's costs (agent/plan_costs) may name besides the raw cost terms: the tilt feature and the
# world model ensemble's spread (actor/result.py).
PLAN_FEATURES = ("tilt", "spread")
PLAN_NAME = re.compile(r"([a-z_]+)\[(\d+)\]")  # "<quantity>[<step>]", e.g. "tilt[3]"


@dataclass(frozen=True)
class VetoLimits:
    tilt: float = setting(0.8, "veto a state (predicted or measured) tilted this much or more, rad",
                          low=0.0, high=0.8)
    pain: float = setting(5.0, "veto a state whose raw pain term is this or more", low=0.0, high=5.0)
    force: float = setting(3.0, "veto a state whose raw force term is this or more, body weights",
                           low=0.0, high=3.0)
    fall: float = setting(0.5, "veto a state whose fall term is this or more (0.5 = at the fall angle "
                          "or height)", low=0.0, high=0.5)

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def breaches(values: Mapping[str, Any], limits: VetoLimits) -> dict[str, Any]:
    """quantity -> bool mask (same shape as its values) of where it vetoes; numpy or torch alike.

    Quantities without a limit are ignored; a non-finite value always vetoes.
    """
    out = {}
    for name, limit in limits.as_dict().items():
        if name in values:
            v = values[name]
            out[name] = (v >= limit) | (v != v) | (abs(v) == INF)
    return out


def plan_names_problem(names: Iterable[str], quantities: Collection[str]) -> str | None:
    """Why a plan's cost names cannot be read: one not "<quantity>[<step>]", or of a quantity not in
    `quantities` (a veto quantity misspelt would otherwise never veto); None when all can."""
    for name in names:
        match = PLAN_NAME.fullmatch(name)
        if match is None:
            return f"a name {name!r} that is not <quantity>[<step>]"
        if match[1] not in quantities:
            return f"an unknown quantity {match[1]!r} (known: {', '.join(sorted(quantities))})"
    return None
