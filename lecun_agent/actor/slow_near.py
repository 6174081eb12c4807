"""Slow near what the body touched or the model saw: a speed cap while such a point is close.

Like the slowdown zone of Nav2's collision monitor: while a remembered touch (contact_memory.py) or a
seen contact (seen_contacts.py) lies within `within_m` of the footprint's edge, the tick plans with the
forward and backward speed capped at `max_vx`. A block caught by a hip at full speed can throw the body
over faster than the guardrail's tilt rules can catch it (docs/actor_experiments.md, "Slow near blocks");
at a walk it does not.
"""

from __future__ import annotations

import torch

from lecun_agent.actor.contact_memory import Footprint, signed_distance


def near(points: torch.Tensor, pose: torch.Tensor, footprint: Footprint, within_m: float) -> bool:
    """Whether any of the (P, 2) odom points lies within within_m of the footprint at odom pose (x, y, yaw);
    False when within_m <= 0 or there are none; True when the distance is not known (a non-finite pose)."""
    if within_m <= 0 or not len(points):
        return False
    return not bool(signed_distance(points, pose[:2], pose[2:3], footprint).min() >= within_m)
