"""The shape every cost term shares, after Nav2 MPPI's CriticFunction, and the data it scores.

A term is configured once (weight, power) and then only `score`s: it reads named cost
features, writes its raw and weighted value per sample and adds `(weight * raw) ** power` to
the shared `costs`. `IntrinsicCost.evaluate` then raises the `fail_flag` where a raw term or a
feature crosses its veto limit (cost/veto.py), as Nav2 critics raise theirs.
The leading shape of the features is the sample shape: () for one measured state,
(B, H) for B predicted plans over H steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from lecun_agent.cost.features import Features, lead_shape


@dataclass
class CostData:
    """What the terms read and write while scoring one set of (measured or predicted) states."""

    features: Features  # name -> (*lead, *trailing)
    costs: torch.Tensor  # (*lead,) running total of weighted terms
    fail_flag: torch.Tensor  # (*lead,) bool, True where the state is vetoed (cost/veto.py)
    raw: dict[str, torch.Tensor] = field(default_factory=dict)  # name -> (*lead,) unweighted
    weighted: dict[str, torch.Tensor] = field(default_factory=dict)  # name -> (*lead,)
    breaches: dict[str, torch.Tensor] = field(default_factory=dict)  # veto quantity -> (*lead,) bool

    @classmethod
    def for_features(cls, features: Features) -> CostData:
        lead = lead_shape(features)
        device = features["tilt"].device
        return cls(
            features=features,
            costs=torch.zeros(lead, dtype=features["tilt"].dtype, device=device),
            fail_flag=torch.zeros(lead, dtype=torch.bool, device=device),
        )


class CostTerm:
    """One named intrinsic-cost term: a hard-wired function of cost features plus a weight.

    Subclasses set `name`, `unit`, `safety` and implement `compute`; nothing else. The
    definition is code; only `weight` (and, for non-safety terms, `enabled`) is tunable.
    """

    name: str = "term"
    unit: str = "1"
    safety: bool = False  # safety terms have weight floors and cannot be disabled

    def __init__(self, weight: float = 1.0, power: float = 1.0, enabled: bool = True) -> None:
        if self.safety and not enabled:
            raise ValueError(f"{self.name} is a safety term and cannot be disabled")
        self.weight = float(weight)
        self.power = float(power)
        self.enabled = enabled

    def compute(self, features: Features) -> torch.Tensor:
        """Raw (unweighted) cost per sample: (*lead,), non-negative, in `unit`."""
        raise NotImplementedError

    def score(self, data: CostData) -> None:
        """Add this term's weighted cost to `data.costs` (vetoes are cost/veto.py's, applied after)."""
        if not self.enabled:
            return
        raw = self.compute(data.features)
        weighted = (self.weight * raw) ** self.power
        data.raw[self.name] = raw
        data.weighted[self.name] = weighted
        data.costs = data.costs + weighted

    def __repr__(self) -> str:
        return f"{type(self).__name__}(weight={self.weight}, power={self.power})"


def relu(x: torch.Tensor) -> torch.Tensor:
    return torch.clamp(x, min=0.0)


def smoothstep(x: torch.Tensor) -> torch.Tensor:
    """0 below 0, 1 above 1, a smooth monotone ramp between (3x^2 - 2x^3)."""
    x = torch.clamp(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)
