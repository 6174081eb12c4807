"""The intrinsic cost's definition as flat named numbers: what cost_node publishes and planners follow.

    {"weights.pain": 1.0, ..., "terms.tilt_threshold": 0.35, ..., "veto.fall": 0.5, ...}

The names are cost_node's own parameter names, so what a planner reads is exactly what
`ros2 param get /cost_node ...` shows. cost_node owns every one of them; anything that scores
predicted states (the actor) rebuilds its IntrinsicCost from the latest definition.
"""

from __future__ import annotations

from dataclasses import asdict, fields

from lecun_agent.cost.total import TermSettings
from lecun_agent.cost.veto import VetoLimits
from lecun_agent.cost.weights import CostWeights
from lecun_agent.settings import specs

PARTS = (("weights.", CostWeights), ("terms.", TermSettings), ("veto.", VetoLimits))


def cost_definition(weights: CostWeights, settings: TermSettings, veto: VetoLimits) -> dict[str, float]:
    """The flat definition of these parts."""
    out: dict[str, float] = {}
    for (prefix, _), part in zip(PARTS, (weights, settings, veto), strict=True):
        out.update({prefix + name: float(value) for name, value in asdict(part).items()})
    return out


def parts_of(definition: dict[str, float]) -> tuple[CostWeights, TermSettings, VetoLimits]:
    """(weights, term settings, veto limits) of a flat definition; ValueError names what is missing, and a value
    cost_node's parameter of that name could never take: below a safety floor as shipped, or outside its range
    (QA, 2026-12-07: a spoofed definition with weights.pain 0 made the actor plan with pain priced at nothing)."""
    parts = []
    for prefix, cls in PARTS:
        names = [f.name for f in fields(cls)]
        missing = [prefix + n for n in names if prefix + n not in definition]
        if missing:
            raise ValueError(f"cost definition lacks {missing}")
        values = {n: float(definition[prefix + n]) for n in names}
        outside = [prefix + problem for spec in specs(cls) if (problem := spec.problem(values[spec.name]))]
        if outside:
            raise ValueError(f"cost definition holds values cost_node's parameters cannot take: {'; '.join(outside)}")
        parts.append(cls(**values))
    return tuple(parts)
