"""Energy: how much mechanical power the joints spend, in W.

energy = sum_j |tau_j * qdot_j| + heat_coeff * sum_j tau_j^2

The first sum is the absolute mechanical power (braking costs as much as driving: the
motors spend energy either way). The optional tau^2 term models copper (Joule) heat,
I^2 R = (tau / k_t)^2 R, so heat_coeff = R / k_t^2 in W/(N*m)^2; 0 leaves it out.
"""

from __future__ import annotations

import torch

from lecun_agent.cost.features import Features
from lecun_agent.cost.term import CostTerm


class EnergyTerm(CostTerm):
    """Absolute joint mechanical power plus optional Joule heat, W."""

    name = "energy"
    unit = "W"

    def __init__(self, weight: float = 0.01, power: float = 1.0, heat_coeff: float = 0.0) -> None:
        super().__init__(weight, power)
        if heat_coeff < 0:
            raise ValueError(f"EnergyTerm: heat_coeff must be >= 0, got {heat_coeff}")
        self.heat_coeff = heat_coeff

    def compute(self, features: Features) -> torch.Tensor:
        tau, qdot = features["joint_effort"], features["joint_vel"]  # (*lead, 12)
        mechanical = (tau * qdot).abs().sum(-1)
        if self.heat_coeff == 0.0:
            return mechanical
        return mechanical + self.heat_coeff * (tau * tau).sum(-1)
