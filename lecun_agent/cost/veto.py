"""The veto: quantities no plan may predict and no measured state may show. One rule, one place.

A quantity (a raw cost term such as pain, force or fall, or a cost feature such as tilt) at or
above its limit, or not finite, vetoes the state. `IntrinsicCost.evaluate` applies it to every
scored state (the planner's fail flag per sample, cost_node's measured state), and the guardrail
applies it to the chosen plan's predicted quantities (agent/plan_costs), with the same limits:
cost_node's read-only `veto.<quantity>` parameters, which can only be made stricter.
"""

from __future__ import annotations

from collections.abc import Mapping
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

