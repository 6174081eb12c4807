"""Integrate a planar body twist into a path: where the robot will be, in the frame it starts in.

The world model predicts each step's mean twist (vx, vy, yaw rate in the body frame, the
`base_velocity` feature); the planner, the evaluation and the training loss all turn a sequence of
them into poses with this one function, so "displacement" means the same thing everywhere. The
midpoint heading of each step is used, which is exact for a constant twist along a straight line
and within a few millimetres per metre for the turns the gait can make at 10 Hz.
"""

from __future__ import annotations

import torch


def integrate_twist(twist: torch.Tensor, dt: float) -> torch.Tensor:
    """twist (..., H, 3) per-step mean (vx, vy, yaw rate) -> poses (..., H, 3) = (x, y, yaw) after
    each step, relative to the start pose (x forward, y left at the start). Differentiable."""
    vx, vy, wz = twist.unbind(-1)  # (..., H) each
    yaw = torch.cumsum(wz * dt, dim=-1)  # (..., H) heading after each step
    mid = yaw - 0.5 * wz * dt  # heading half-way through each step
    dx = (vx * torch.cos(mid) - vy * torch.sin(mid)) * dt
    dy = (vx * torch.sin(mid) + vy * torch.cos(mid)) * dt
    return torch.stack([torch.cumsum(dx, -1), torch.cumsum(dy, -1), yaw], dim=-1)
