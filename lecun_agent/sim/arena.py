"""The arena layout: where the obstacles and the goal are, drawn from a seed (pure numpy).

Laying out is separate from building it in pybullet, so planners and tests can reason
about the layout (is the goal reachable, is the start clear) without a physics client.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lecun_agent.sim.config import ArenaConfig


@dataclass
class Obstacle:
    """A box standing on the floor."""

    center: np.ndarray  # (3,) m, world frame (z = half height)
    half_extents: np.ndarray  # (3,) m
    yaw: float  # rad
    rgba: tuple[float, float, float, float]

    def contains_xy(self, xy: np.ndarray, margin: float = 0.0) -> bool:
        """True if the point is inside the box footprint grown by margin (metres)."""
        c, s = np.cos(-self.yaw), np.sin(-self.yaw)
        d = np.asarray(xy, dtype=float) - self.center[:2]
        local = np.array([c * d[0] - s * d[1], s * d[0] + c * d[1]])
        return bool(np.all(np.abs(local) <= self.half_extents[:2] + margin))


@dataclass
class Arena:
    """Obstacles, goal and start of one episode."""

    config: ArenaConfig
    obstacles: list[Obstacle] = field(default_factory=list)
    goal_xy: np.ndarray = field(default_factory=lambda: np.zeros(2))  # (2,) m
    start_xy: np.ndarray = field(default_factory=lambda: np.zeros(2))  # (2,) m
    start_yaw: float = 0.0

    def in_corridor(self, xy: np.ndarray, margin: float) -> bool:
        """True if xy (grown by margin) is in the clear corridor ahead of the start."""
        cfg = self.config
        c, s = np.cos(self.start_yaw), np.sin(self.start_yaw)
        d = np.asarray(xy, dtype=float) - self.start_xy
        along, across = c * d[0] + s * d[1], -s * d[0] + c * d[1]
        return bool(
            -margin <= along <= cfg.corridor_length() + margin
            and abs(across) <= cfg.corridor_half_width_m + margin
        )

    def blocked(self, xy: np.ndarray, margin: float = 0.0) -> bool:
        """True if xy is inside an obstacle (grown by margin)."""
        return any(o.contains_xy(xy, margin) for o in self.obstacles)


_PALETTE = (
    (0.80, 0.20, 0.20, 1.0),  # red
    (0.20, 0.35, 0.85, 1.0),  # blue
    (0.85, 0.80, 0.20, 1.0),  # yellow
    (0.60, 0.30, 0.75, 1.0),  # purple
    (0.20, 0.70, 0.75, 1.0),  # teal
    (0.55, 0.40, 0.25, 1.0),  # brown
)


def layout_arena(config: ArenaConfig, seed: int) -> Arena:
    """Draw obstacles and goal from the seed; the start and the corridor ahead stay clear."""
    rng = np.random.default_rng(seed)
    arena = Arena(config, start_xy=config.start(), start_yaw=config.start_yaw)
    half = config.size_m / 2.0 - 0.5  # keep things off the walls
    tries = 0
    while len(arena.obstacles) < config.obstacle_count and tries < 1000:
        tries += 1
        he = rng.uniform(*config.obstacle_half_extent_range, size=2)
        h = rng.uniform(*config.obstacle_height_range)
        xy = rng.uniform(-half, half, size=2)
        yaw = float(rng.uniform(-np.pi, np.pi))
        rgba = _PALETTE[int(rng.integers(len(_PALETTE)))]
        r = float(np.hypot(*he))
        if np.linalg.norm(xy - arena.start_xy) < config.start_clearance_m + r or arena.in_corridor(xy, r):
            continue
        arena.obstacles.append(
            Obstacle(np.array([xy[0], xy[1], h / 2]), np.array([he[0], he[1], h / 2]), yaw, rgba)
        )
    for _ in range(1000):
        goal = rng.uniform(-half, half, size=2)
        if np.linalg.norm(goal - arena.start_xy) >= config.goal_min_distance_m and not arena.blocked(
            goal, 0.4
        ):
            arena.goal_xy = goal
            break
    else:  # a crowded or small arena: the end of the clear corridor is always reachable
        heading = np.array([np.cos(arena.start_yaw), np.sin(arena.start_yaw)])
        arena.goal_xy = arena.start_xy + config.corridor_length() * heading
    return arena
