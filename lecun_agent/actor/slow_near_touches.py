"""Slow near touches: a plan may pass a spot the body touched, but not at full speed.

The falls seen on fresh seeds were knocks at the gait's top speed: a hip catches a block's edge at
0.8 m/s and the body rolls or rears over it faster than a step can catch (docs/actor_experiments.md,
"Slow near blocks"). A speed cap for the whole tick whenever a spot was near made every plan round a
block promise less progress, and the robot dithered at the block's face. This caps the predicted
path instead, like the slowdown zone of Nav2's collision monitor applied to every sample: each plan
step whose predicted footprint comes within `distance_m` of a remembered touch (contact_memory.py)
costs `weight` per m/s of predicted planar speed above `speed_m_s`. Steps away from those spots cost
nothing, so a plan may hurry on once it is past. The model's seen contacts (seen_contacts.py) do
not count: they lie along every block the camera sees, and with them the robot slowed at every
block and touched more.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class SlowNearTouches:
    weight: float  # cost per m/s above speed_m_s, per step near a touched spot (0: off)
    distance_m: float  # a step is near a spot when its footprint is this close to it, m
    speed_m_s: float  # planar speed a plan may keep near a spot, m/s

    def cost(self, gap: torch.Tensor | None, twist: torch.Tensor) -> torch.Tensor | None:
        """(N, H) cost per step, or None when off or nothing was touched: `gap` (N, H), each predicted
        footprint's signed distance to the nearest touch (ContactMemory.gap, None: no touch), and the
        body-frame twists (N, H, 3)."""
        if self.weight <= 0 or gap is None:
            return None
        speed = torch.hypot(twist[..., 0], twist[..., 1])
        return self.weight * (gap < self.distance_m) * torch.relu(speed - self.speed_m_s)
