"""Seen contacts: where the world model predicted the body's first contact, remembered after it leaves the view.

The world model sees only what the camera sees. A block the robot turns away from, or walks past,
leaves the view, and from then on the model predicts a clear path into it: most of the actor's
touches are first touches of blocks beside the body, out of view (docs/actor_experiments.md). So each tick,
where a sample's predicted contact probability first reaches `threshold`, the point where that
pose's footprint meets its line of motion is remembered in the odom frame (as the contact memory
places a base touch). Plans are charged for coming near those points as for the contact memory's
touches, without the depth: 1 on the footprint's edge, fading to 0 at `fade_m` outside it, never
more. Like an obstacle layer's persistence in a costmap:

- **In view, the model is the judge.** Each tick, the points within the camera's horizontal
  field of view (`half_view` either side of the heading) are dropped before this tick's are added,
  so what stays is what the model predicts now plus what it predicted of places it no longer sees.
  Kept without this, one-off predictions piled up in view (around the goal marker, among others)
  and held the robot back (docs/actor.md, "Seen contacts").
- **Out of view, for `keep_s`** seconds of tick stamps since it was last predicted.
- **Never at the goal:** the robot is sent there, so it is clear (the model does predict contacts
  round the goal marker).
- **Never under the body:** a point the body stands on was predicted wrongly.

The charge is priced as pain but is not a prediction of force (it is the model's own earlier
prediction, from another view), so the plan's predicted quantities, which the guardrail checks, do
not hold it. Older points give way to newer ones beyond `capacity`.
"""

from __future__ import annotations

import math

import torch

from lecun_agent.actor.contact_memory import FADE_M, SAME_SPOT_M, Footprint, signed_distance


class SeenContacts:
    def __init__(self, keep_s: float, force_n: float, footprint: Footprint | None = None, threshold: float = 0.8,
                 half_view: float = math.radians(35.0), capacity: int = 64, fade_m: float = FADE_M) -> None:
        self.keep_s, self.force_n, self.threshold, self.half_view, self.capacity, self.fade_m = (
            keep_s, force_n, threshold, half_view, capacity, fade_m)
        self.footprint = footprint or Footprint()
        self.clear()

    def clear(self) -> None:
        self.points = torch.zeros(0, 2)  # (P, 2) odom x, y
        self.stamps = torch.zeros(0, dtype=torch.float64)  # (P,) when each was last predicted, s

    def add(self, stamp: float, pose: torch.Tensor, position: torch.Tensor, yaw: torch.Tensor,
            contact_n: torch.Tensor, goal: torch.Tensor | None = None) -> int:
        """Remember this tick's predicted first contacts: stamp s, odom pose now (3,), the samples'
        predicted odom positions (N, H, 2), yaws (N, H) and body contact force (N, H), N (the model's
        own); the goal (2,) or None. Points in view, older than keep_s or under the body are dropped
        first. Returns how many new points it remembered; 0 when off or given anything not finite."""
        if self.keep_s <= 0 or self.capacity <= 0 or not (math.isfinite(stamp) and torch.isfinite(pose).all()):
            return 0
        if len(self.stamps) and (stamp < self.stamps).any():  # time went back: a new episode
            self.clear()
        rel = self.points - pose[:2]
        bearing = torch.atan2(rel[:, 1], rel[:, 0]) - pose[2]
        in_view = torch.cos(bearing) > math.cos(self.half_view)  # the model sees it now: it predicts afresh
        keep = (stamp - self.stamps <= self.keep_s) & ~in_view & (
            signed_distance(self.points, pose[:2].reshape(1, 2), pose[2].reshape(1), self.footprint)[0] > 0)
        self.points, self.stamps = self.points[keep], self.stamps[keep]
        hit = (contact_n >= self.threshold * self.force_n) & torch.isfinite(position).all(-1) & torch.isfinite(yaw)
        rows = hit.any(-1).nonzero().flatten()
        if not len(rows):
            return 0
        step = hit[rows].float().argmax(-1)  # first contact step per sample
        at = position[rows, step]  # (M, 2)
        before = torch.where((step > 0)[:, None], position[rows, (step - 1).clamp(min=0)], pose[:2])
        heading = yaw[rows, step]
        motion = at - before  # odom direction of motion into the contact
        c, s = torch.cos(heading), torch.sin(heading)
        bx, by = c * motion[:, 0] + s * motion[:, 1], -s * motion[:, 0] + c * motion[:, 1]  # body frame
        still = torch.hypot(bx, by) < 1e-4
        bx, by = torch.where(still, 1.0, bx), torch.where(still, 0.0, by)  # standing: ahead
        ex, ey = self.footprint.along(bx, by)  # where the motion leaves the footprint, body frame
        spots = at + torch.stack([c * ex - s * ey, s * ex + c * ey], -1)
        if goal is not None and torch.isfinite(goal).all():  # the robot is sent there: it is clear
            spots = spots[torch.linalg.vector_norm(spots - goal, dim=-1) > self.footprint.half_length + self.fade_m]
        return self._remember(stamp, spots) if len(spots) else 0

    def _remember(self, stamp: float, spots: torch.Tensor) -> int:
        """Refresh remembered points within SAME_SPOT_M of a spot; add the others, one per SAME_SPOT_M cell."""
        cells = torch.unique(torch.round(spots / SAME_SPOT_M), dim=0) * SAME_SPOT_M
        if len(self.points):
            near = torch.cdist(cells, self.points) < SAME_SPOT_M  # (C, P)
            self.stamps[near.any(0)] = stamp
            cells = cells[~near.any(1)]
        self.points = torch.cat([self.points, cells])[-self.capacity:]
        self.stamps = torch.cat([self.stamps, torch.full((len(cells),), stamp, dtype=torch.float64)])[-self.capacity:]
        return min(len(cells), self.capacity)

    def force(self, position: torch.Tensor, yaw: torch.Tensor) -> torch.Tensor | None:
        """Planned poses: odom positions (..., 2) and yaws (...) -> (...,) contact force to charge, N
        (at most force_n, on the footprint's edge); None when nothing is remembered."""
        if not len(self.points):
            return None
        signed = signed_distance(self.points, position.reshape(-1, 2), yaw.reshape(-1), self.footprint)
        p = (1.0 - signed.min(-1).values / self.fade_m).clamp(0.0, 1.0)
        return p.reshape(position.shape[:-1]) * self.force_n
