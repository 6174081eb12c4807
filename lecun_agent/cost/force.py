"""Force: foot impacts and contact loads above what a leg should carry, in body weights.

force = sum_legs relu(F_leg - multiple * m g) / (m g)

A trotting leg carries about half the body weight and lands at one to two body weights;
forces above `multiple` body weights on one foot are the hard stomps that wear the joints.
"""

from __future__ import annotations

import torch

from lecun_agent.cost.features import Features
from lecun_agent.cost.limits import BodyLimits
from lecun_agent.cost.term import CostTerm, relu


class ForceTerm(CostTerm):
    """Per-leg foot force above a multiple of body weight, summed, in body weights."""

    name = "force"
    unit = "m*g"
    safety = True

    def __init__(
        self, limits: BodyLimits, weight: float = 1.0, power: float = 1.0, multiple: float = 1.5
    ) -> None:
        super().__init__(weight, power)
        if multiple <= 0:
            raise ValueError(f"ForceTerm: multiple must be > 0 body weights, got {multiple}")
        self.weight_n = limits.weight
        self.multiple = multiple

    def compute(self, features: Features) -> torch.Tensor:
        over = relu(features["foot_force"] - self.multiple * self.weight_n)  # (*lead, 4) N
        return over.sum(-1) / self.weight_n
