"""Contact memory: where the body touched something, so plans do not walk back into it.

The world model predicts a clear path where a sidestep then touches an obstacle beside the body,
out of the camera's view (docs/actor.md), so after a touch the planner tends to try the same way
again. Like a bumper layer in a costmap, the actor remembers each touch as points in the odom
frame, on the edge of the body's footprint (a rectangle round the base, `Footprint`):
  - a link the URDF knows (`body_contacts` names it, e.g. FL_thigh): its collision geometry's
    position at zero joint angles, pushed out to the footprint's nearest edge (the hip or thigh
    of the left front leg marks the left edge beside the front hip);
  - the base, or a name the URDF does not have: where the line of motion (the last command
    turned into the odom frame; the heading when the body stood) leaves the footprint.

A planned pose is charged contact by the signed distance from its footprint to the nearest
remembered point: 1 on the footprint's edge, falling linearly to 0 at `fade_m` outside it, and
rising by the same slope with the depth inside it (a point in the middle of the body, 0.16 m deep,
charges about 2). Up to 1 the charge is a contact probability: the plan cost counts it like the
world model's own (`body_contact_force` = charge x `contact_force_n`, the pain term) and it is
part of the plan's predicted quantities the guardrail checks. The depth beyond the edge is priced
by the pain term too, and the planner's veto rule applies to it (plan_cost.py: with pain vetoed at
5, a plan pressing about 0.1 m past the edge is unacceptable), but it is not a prediction of
force, so the plan the guardrail checks never holds it: pressed against a block with every way out
vetoed, the robot takes the least bad plan instead of being stopped there. The slope inside is
what steers: a body pressed against a block predicts the same free path whichever way it goes, so
with a flat charge (tried first) every sample paid alike and the planner kept sidestepping into
the block; with depth, stepping away is cheaper at once (docs/actor.md).

A point deeper than FORGET_DEPTH_M inside the footprint of the pose the actor is at is forgotten:
the body stands there, so nothing else does. A front leg's touch marks the side edge beside the
hip, so a body that slid sideways along a block's face carried its own old touches inside the
footprint, and every plan, standing still included, paid for them (docs/actor.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import torch

from lecun_agent.body.robot_model import RobotModel

FADE_M = 0.15  # outside the footprint the remembered contact fades out over this distance
SAME_SPOT_M = 0.1  # a touch this close to a remembered one is the same spot
MOVING = 0.05  # m/s: slower than this, the touch is taken to be ahead of the heading
LEG_SWING_M = 0.11  # the legs reach this far fore and aft of the hips in a stride
SIDE_PAD_M = 0.02  # the legs' own width outside their link frames
FORGET_DEPTH_M = 0.08  # a point this deep inside the body's footprint now is forgotten


@dataclass(frozen=True)
class Footprint:
    """The body seen from above, in the base frame: a rectangle of half sizes (m) round the base
    origin, and the (x, y) of every limb link that can touch something (its collision geometry's
    origin at zero joint angles; the base itself is not among them: where on the base a touch
    was, its name does not say)."""

    half_length: float = 0.3
    half_width: float = 0.16
    links: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    @classmethod
    def of(cls, robot: RobotModel) -> Footprint:
        """From the URDF: collision origins at zero joint angles, the legs' swing and width added."""
        at = robot.link_positions()
        limbs = {name: (float(at[name][0] + link.collision_xyz[0]), float(at[name][1] + link.collision_xyz[1]))
                 for name, link in robot.links.items() if link.has_collision and name in at and name != robot.root}
        half_length = max(abs(x) for x, _ in limbs.values()) + LEG_SWING_M
        half_width = max(abs(y) for _, y in limbs.values()) + SIDE_PAD_M
        return cls(half_length, half_width, limbs)

    def edge_point(self, x: float, y: float) -> tuple[float, float]:
        """The point (x, y) inside the rectangle pushed out to its nearest edge."""
        if self.half_length - abs(x) < self.half_width - abs(y):
            return math.copysign(self.half_length, x), y
        return x, math.copysign(self.half_width, y)

    def along(self, dx, dy):
        """Where the direction (dx, dy) (any length > 0; floats, or tensors of one shape) leaves the rectangle."""
        across, sideways = abs(dx) / self.half_length, abs(dy) / self.half_width
        scale = 1.0 / (torch.maximum(across, sideways) if isinstance(across, torch.Tensor) else max(across, sideways))
        return dx * scale, dy * scale


def strongest_touches(readings: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """{link: N} readings of body contacts (one per sensor message since the last planning tick) ->
    the strongest force per link, over the readings that are finite throughout (an untrusted one is
    left out). A touch that begins and ends between two ticks (10 Hz against contacts at 50 Hz) is
    remembered too."""
    strongest: dict[str, float] = {}
    for reading in readings:
        if all(math.isfinite(force) for force in reading.values()):
            for link, force in reading.items():
                strongest[link] = max(force, strongest.get(link, force))
    return strongest


def signed_distance(points: torch.Tensor, position: torch.Tensor, yaw: torch.Tensor, footprint: Footprint
                    ) -> torch.Tensor:
    """(P, 2) odom points, (M, 2) positions, (M,) yaws -> (M, P) signed distance from the footprint at
    each pose to each point (< 0 inside)."""
    rel = points[None] - position.reshape(-1, 1, 2)  # (M, P, 2) odom offsets pose -> point
    c, s = torch.cos(yaw).reshape(-1, 1), torch.sin(yaw).reshape(-1, 1)
    fx = (c * rel[..., 0] + s * rel[..., 1]).abs() - footprint.half_length  # (M, P) outside the edge
    fy = (-s * rel[..., 0] + c * rel[..., 1]).abs() - footprint.half_width
    inside = torch.maximum(fx, fy).clamp(max=0.0)  # (M, P) <= 0: minus the depth of a point inside
    return torch.hypot(fx.clamp(min=0.0), fy.clamp(min=0.0)) + inside


class ContactMemory:
    def __init__(self, capacity: int, force_n: float, footprint: Footprint | None = None,
                 fade_m: float = FADE_M) -> None:
        self.capacity, self.force_n, self.fade_m = capacity, force_n, fade_m
        self.footprint = footprint or Footprint()
        self.clear()

    def clear(self) -> None:
        self.points = torch.zeros(0, 2)  # (P, 2) odom x, y; oldest first

    def touch(self, pose: torch.Tensor, command: torch.Tensor | None, links: Mapping[str, float] | None = None
              ) -> int:
        """Remember a touch at odom pose (x, y, yaw) while executing body command (vx, vy, ...);
        `links`: which links touched ({name: N}, a finite force > 0 counts), or None when the robot does
        not say. Returns how many new points it remembered: 0 when off, when the pose or command is
        not finite, or every spot is already remembered."""
        if self.capacity <= 0 or not torch.isfinite(pose).all():
            return 0
        touched = [name for name, force in (links or {}).items() if math.isfinite(force) and force > 0]
        placed = [self.footprint.links[name] for name in touched if name in self.footprint.links]
        spots = [self.footprint.edge_point(x, y) for x, y in placed]
        if len(placed) < len(touched) or not touched:  # the base, a link the URDF lacks, or no names
            vx, vy = (float(command[0]), float(command[1])) if command is not None else (0.0, 0.0)
            if not (math.isfinite(vx) and math.isfinite(vy)):
                return 0
            spots.append(self.footprint.along(vx, vy) if math.hypot(vx, vy) >= MOVING else self.footprint.along(1, 0))
        c, s = math.cos(float(pose[2])), math.sin(float(pose[2]))
        added = 0
        for bx, by in spots:
            spot = pose[:2] + torch.tensor([c * bx - s * by, s * bx + c * by])
            if len(self.points) and torch.linalg.vector_norm(self.points - spot, dim=-1).min() < SAME_SPOT_M:
                continue
            self.points = torch.cat([self.points, spot[None]])[-self.capacity :]
            added += 1
        return added

    def forget_under(self, pose: torch.Tensor) -> int:
        """Forget the points deeper than FORGET_DEPTH_M inside the footprint at odom pose (x, y, yaw):
        the body stands there, so nothing else does. Returns how many it forgot."""
        if not len(self.points) or not torch.isfinite(pose).all():
            return 0
        depth = -signed_distance(self.points, pose[:2].reshape(1, 2), pose[2].reshape(1), self.footprint)[0]  # (P,)
        keep = depth <= FORGET_DEPTH_M
        forgotten = int((~keep).sum())
        self.points = self.points[keep]
        return forgotten

    def gap(self, position: torch.Tensor, yaw: torch.Tensor) -> torch.Tensor | None:
        """Planned poses: odom positions (..., 2) and yaws (...) -> (...,) signed distance from each pose's
        footprint to the nearest remembered point, m (< 0 inside); None when nothing is remembered."""
        if not len(self.points):
            return None
        signed = signed_distance(self.points, position.reshape(-1, 2), yaw.reshape(-1), self.footprint)  # (M, P)
        return signed.min(-1).values.reshape(position.shape[:-1])

    def charge(self, gap: torch.Tensor) -> torch.Tensor:
        """`gap` (...,) from `gap` -> (...,) body contact force to charge, N: the charge (module docstring,
        1 at the edge, more inside) times force_n."""
        return (1.0 - gap / self.fade_m).clamp(min=0.0) * self.force_n

    def force(self, position: torch.Tensor, yaw: torch.Tensor) -> torch.Tensor | None:
        """Planned poses: odom positions (..., 2) and yaws (...) -> (...,) body contact force to charge, N;
        None when nothing is remembered."""
        gap = self.gap(position, yaw)
        return None if gap is None else self.charge(gap)
