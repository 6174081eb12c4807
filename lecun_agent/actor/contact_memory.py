"""Contact memory: where the body touched something, so plans do not walk back into it.

The world model predicts a clear path where a sidestep then touches an obstacle (docs/actor.md),
so after a touch the planner tends to try the same way again. Like a bumper layer in a costmap,
the actor remembers each touch as a point in the odom frame: the body centre when the body
sensed a contact, pushed `reach_m` towards the side that touched. Which links touched says the
side (Actor.touch_direction: their positions in the body, weighted by force); without that (a
touch on the base, or a robot that senses only a total force) the spot is ahead of the motion
(its last command turned into the odom frame; the heading when it stood).

A planned pose near a remembered point gets a contact probability: 1 within `reach_m` of it
(where the body centre was when it touched, and anything closer), falling linearly to 0 at
`reach_m + fade_m`. The plan cost counts it like the world model's own contact probability
(`body_contact_force` = P x `contact_force_n`, the pain term), so the live pain weight prices it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch

REACH_M = 0.3  # body centre to the touched spot: about half the body length plus the leg swing
FADE_M = 0.15  # beyond the touch pose the remembered contact fades out over this distance
SAME_SPOT_M = 0.1  # a touch this close to a remembered one is the same spot
MOVING = 0.05  # m/s: slower than this, the touch is taken to be ahead of the heading


SIDE_M = 0.05  # the touching links' force-weighted centre must be this far from the body centre to say a side


def touch_direction(forces: Mapping[str, float], link_xy: Mapping[str, tuple[float, float]]
                    ) -> tuple[float, float] | None:
    """Body-frame unit (x, y) towards the links that touched ({link: N}), weighted by force; None
    when they do not say a side (the base alone, both sides alike, links the body does not have)."""
    known = {name: f for name, f in forces.items() if name in link_xy and math.isfinite(f) and f > 0}
    total = sum(known.values())
    if total <= 0:
        return None
    x = sum(f * link_xy[name][0] for name, f in known.items()) / total
    y = sum(f * link_xy[name][1] for name, f in known.items()) / total
    norm = math.hypot(x, y)
    return (x / norm, y / norm) if norm >= SIDE_M else None


class ContactMemory:
    def __init__(self, capacity: int, force_n: float, reach_m: float = REACH_M, fade_m: float = FADE_M) -> None:
        self.capacity, self.force_n, self.reach_m, self.fade_m = capacity, force_n, reach_m, fade_m
        self.points = torch.zeros(0, 2)  # (P, 2) odom x, y; oldest first

    def clear(self) -> None:
        self.points = torch.zeros(0, 2)

    def touch(self, pose: torch.Tensor, command: torch.Tensor | None,
              toward: tuple[float, float] | None = None) -> bool:
        """Remember a touch at odom pose (x, y, yaw): towards body-frame direction `toward` (x, y)
        when given, else along the executed body command (vx, vy, ...). False when off, when an
        input is not finite, or the spot is already remembered."""
        if self.capacity <= 0 or not torch.isfinite(pose).all():
            return False
        yaw = float(pose[2])
        vx, vy = (float(command[0]), float(command[1])) if command is not None else (0.0, 0.0)
        if toward is not None:
            vx, vy = toward
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
