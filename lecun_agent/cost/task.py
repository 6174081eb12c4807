"""Task drives: reach the goal, make progress towards it, stay upright.

goal_distance = has_goal * |goal - position|                                   m
progress      = has_goal * relu(v_want - v_toward),  v_want = v_ref * min(1, d / slow_radius)   m/s
                (v_toward: base velocity rotated into odom by yaw, projected on the goal direction)
upright       = 1 - cos(tilt)                                                   1
"""

from __future__ import annotations

import torch

from lecun_agent.cost.features import Features
from lecun_agent.cost.term import CostTerm, relu


def _goal_offset(f: Features) -> tuple[torch.Tensor, torch.Tensor]:
    """Goal minus position (*lead, 2) and its length (*lead,)."""
    offset = f["goal"] - f["position"]
    return offset, torch.linalg.vector_norm(offset, dim=-1)


class GoalDistanceTerm(CostTerm):
    """Straight-line distance to the goal in the odom plane, m; 0 without a goal."""

    name = "goal_distance"
    unit = "m"

    def compute(self, features: Features) -> torch.Tensor:
        _, distance = _goal_offset(features)
        return features["has_goal"] * distance


class ProgressTerm(CostTerm):
    """Shortfall of the speed towards the goal below the wanted speed, m/s; 0 without a goal."""

    name = "progress"
    unit = "m/s"

    def __init__(
        self, weight: float = 1.0, power: float = 1.0, v_ref: float = 0.5, slow_radius: float = 0.5
    ) -> None:
        super().__init__(weight, power)
        self.v_ref, self.slow_radius = v_ref, slow_radius

    def compute(self, features: Features) -> torch.Tensor:
        offset, distance = _goal_offset(features)
        direction = offset / distance.clamp(min=1e-6).unsqueeze(-1)  # (*lead, 2)
        yaw = features["yaw"]
        vx, vy = features["base_velocity"][..., 0], features["base_velocity"][..., 1]
        v_world = torch.stack(
            [torch.cos(yaw) * vx - torch.sin(yaw) * vy, torch.sin(yaw) * vx + torch.cos(yaw) * vy], -1
        )
        v_toward = (v_world * direction).sum(-1)
        v_want = self.v_ref * torch.clamp(distance / self.slow_radius, max=1.0)
        return features["has_goal"] * relu(v_want - v_toward)


class UprightTerm(CostTerm):
    """1 - cos(tilt): 0 level, 1 on its side, 2 upside down."""

    name = "upright"
    unit = "1"

    def compute(self, features: Features) -> torch.Tensor:
        return 1.0 - torch.cos(features["tilt"])
