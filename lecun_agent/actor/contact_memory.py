"""Contact memory: where the body touched something, so plans do not walk back into it.

The world model predicts a clear path where a sidestep then touches an obstacle (docs/actor.md),
so after a touch the planner tends to try the same way again. Like a bumper layer in a costmap,
the actor remembers each touch as a point in the odom frame: the body centre when the measured
body contact force says it touched (Actor.act), pushed `reach_m` along the direction the body
was moving (its last command turned into the odom frame; the heading when it stood). The robot
senses that it touched, not where, so the point is the likely spot.

A planned pose near a remembered point gets a contact probability: 1 within `reach_m` of it
(where the body centre was when it touched, and anything closer), falling linearly to 0 at
`reach_m + fade_m`. The plan cost counts it like the world model's own contact probability
(`body_contact_force` = P x `contact_force_n`, the pain term), so the live pain weight prices it.
"""

from __future__ import annotations

import math

import torch

REACH_M = 0.3  # body centre to the touched spot: about half the body length plus the leg swing
FADE_M = 0.15  # beyond the touch pose the remembered contact fades out over this distance
SAME_SPOT_M = 0.1  # a touch this close to a remembered one is the same spot
MOVING = 0.05  # m/s: slower than this, the touch is taken to be ahead of the heading


class ContactMemory:
    def __init__(self, capacity: int, force_n: float, reach_m: float = REACH_M, fade_m: float = FADE_M) -> None:
        self.capacity, self.force_n, self.reach_m, self.fade_m = capacity, force_n, reach_m, fade_m
        self.clear()

    def clear(self) -> None:
        self.points = torch.zeros(0, 2)  # (P, 2) odom x, y; oldest first

    def touch(self, pose: torch.Tensor, command: torch.Tensor | None) -> bool:
        """Remember a touch at odom pose (x, y, yaw) while executing body command (vx, vy, ...);
        False when off, when the pose or command is not finite, or the spot is already remembered."""
        if self.capacity <= 0 or not torch.isfinite(pose).all():
            return False
        yaw = float(pose[2])
        vx, vy = (float(command[0]), float(command[1])) if command is not None else (0.0, 0.0)
        if not (math.isfinite(vx) and math.isfinite(vy)):
            return False
        if math.hypot(vx, vy) < MOVING:
            vx, vy = 1.0, 0.0
        c, s = math.cos(yaw), math.sin(yaw)
        wx, wy = c * vx - s * vy, s * vx + c * vy
        norm = math.hypot(wx, wy)
        spot = pose[:2] + self.reach_m * torch.tensor([wx / norm, wy / norm])
        if len(self.points) and torch.linalg.vector_norm(self.points - spot, dim=-1).min() < SAME_SPOT_M:
            return False
        self.points = torch.cat([self.points, spot[None]])[-self.capacity :]
        return True

    def force(self, position: torch.Tensor) -> torch.Tensor | None:
        """(..., 2) odom positions -> (...,) expected body contact force, N: the contact probability
        from the remembered spots times force_n; None when nothing is remembered."""
        if not len(self.points):
            return None
        d = torch.cdist(position.reshape(-1, 2), self.points).min(-1).values  # (M,)
        p = ((self.reach_m + self.fade_m - d) / self.fade_m).clamp(0.0, 1.0)
        return p.reshape(position.shape[:-1]) * self.force_n
