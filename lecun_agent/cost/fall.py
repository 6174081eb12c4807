"""Fall: a large, saturating cost for the body being down.

fall = max(smoothstep((tilt - fall_tilt + w_t) / (2 w_t)), smoothstep((fall_height + w_h - height) / (2 w_h)))

It is 0 while upright and high, 1 once tilted past fall_tilt + w_t or lower than
fall_height - w_h, and never more, so a fall outweighs everything without exploding the
planner's cost scale. 0.5 is the fall angle or height itself (the default veto limit, cost/veto.py).
"""

from __future__ import annotations

import torch

from lecun_agent.cost.features import Features
from lecun_agent.cost.term import CostTerm, smoothstep


class FallTerm(CostTerm):
    """1.0 when fallen (tilted over or base on the ground), 0.0 when upright."""

    name = "fall"
    unit = "1"
    safety = True

    def __init__(
        self,
        weight: float = 100.0,
        power: float = 1.0,
        fall_tilt: float = 1.0,  # rad
        tilt_width: float = 0.1,  # rad, half-width of the ramp around fall_tilt
        fall_height: float = 0.15,  # m, base height counted as lying down (as the sim's fallen())
        height_width: float = 0.03,  # m
    ) -> None:
        super().__init__(weight, power)
        self.fall_tilt, self.tilt_width = fall_tilt, tilt_width
        self.fall_height, self.height_width = fall_height, height_width

    def compute(self, features: Features) -> torch.Tensor:
        tw, hw = self.tilt_width, self.height_width
        tilted = smoothstep((features["tilt"] - self.fall_tilt + tw) / (2 * tw))
        low = smoothstep((self.fall_height + hw - features["height"]) / (2 * hw))
        return torch.maximum(tilted, low)
