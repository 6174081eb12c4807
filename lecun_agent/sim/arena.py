"""The arena layout: where the obstacles and the goal are, drawn from a seed (pure numpy).

Laying out is separate from building it in pybullet, so planners and tests can reason
about the layout (is the goal reachable, is the start clear) without a physics client.

Two layouts (ArenaConfig.layout):
- corridor: obstacles beside a clear corridor ahead of the start, the goal anywhere; the walking
  tests and seeds rely on it bit for bit, so its draws never change.
- goal: a goal 3-5 m from the start at a free spot, the robot facing it within 30 degrees, 3-6
  obstacles, and on about 45% of the seeds one across the straight line to the goal; a way round
  always exists (checked on a grid, the layout is redrawn otherwise).
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

    def to_local(self, xy: np.ndarray) -> np.ndarray:
        """(..., 2) world points -> (..., 2) in the box frame (x along its yaw, origin at its centre)."""
        c, s = np.cos(self.yaw), np.sin(self.yaw)
        d = np.asarray(xy, dtype=float) - self.center[:2]
        return np.stack([c * d[..., 0] + s * d[..., 1], -s * d[..., 0] + c * d[..., 1]], axis=-1)

    def crosses_segment(self, a: np.ndarray, b: np.ndarray, margin: float = 0.0) -> bool:
        """True if the segment a-b (world xy) passes through the footprint grown by margin (exact, slabs)."""
        pa, pb = self.to_local(a), self.to_local(b)
        half = self.half_extents[:2] + margin
        t0, t1 = 0.0, 1.0  # the part of the segment inside every slab so far
        for k in range(2):
            d = pb[k] - pa[k]
            if abs(d) < 1e-12:
                if abs(pa[k]) > half[k]:
                    return False
                continue
            lo, hi = sorted(((-half[k] - pa[k]) / d, (half[k] - pa[k]) / d))
            t0, t1 = max(t0, lo), min(t1, hi)
            if t0 > t1:
                return False
        return True


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

    @property
    def line_blocked(self) -> bool:
        """True if the straight start-goal segment passes through an obstacle grown by the robot's half
        width: walking straight at the goal would hit something."""
        margin = self.config.robot_half_width_m
        return any(o.crosses_segment(self.start_xy, self.goal_xy, margin) for o in self.obstacles)

    def free_grid(self, margin: float, cell: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
        """Where a disc of radius `margin` fits: (N, N) bool over cell centres [ix, iy], and the (N,) centres.

        Obstacles and the walls are grown by margin (obstacles as rectangles, so a little
        conservatively at their corners).
        """
        half = self.config.size_m / 2.0
        centres = np.arange(-half + cell / 2, half, cell)  # (N,)
        xy = np.stack(np.meshgrid(centres, centres, indexing="ij"), axis=-1)  # (N, N, 2)
        free = np.all(np.abs(xy) <= half - _WALL_HALF_THICKNESS_M - margin, axis=-1)
        for ob in self.obstacles:
            free &= ~np.all(np.abs(ob.to_local(xy)) <= ob.half_extents[:2] + margin, axis=-1)
        return free, centres

    def reachable(self, margin: float | None = None, cell: float = 0.1) -> bool:
        """True if a disc of radius margin (default passage_margin_m) can move from the start to the goal.

        A flood fill over the free grid (4-connected cells of `cell` m).
        """
        margin = self.config.passage_margin_m if margin is None else margin
        free, centres = self.free_grid(margin, cell)

        def index(xy: np.ndarray) -> tuple[int, int]:
            return tuple(int(np.argmin(np.abs(centres - v))) for v in xy)

        start, goal = index(self.start_xy), index(self.goal_xy)
        if not (free[start] and free[goal]):
            return False
        reached = np.zeros_like(free)
        reached[start] = True
        while True:
            grown = reached.copy()
            grown[1:] |= reached[:-1]
            grown[:-1] |= reached[1:]
            grown[:, 1:] |= reached[:, :-1]
            grown[:, :-1] |= reached[:, 1:]
            grown &= free
            if grown[goal]:
                return True
            if np.array_equal(grown, reached):
                return False
            reached = grown


_PALETTE = (
    (0.80, 0.20, 0.20, 1.0),  # red
    (0.20, 0.35, 0.85, 1.0),  # blue
    (0.85, 0.80, 0.20, 1.0),  # yellow
    (0.60, 0.30, 0.75, 1.0),  # purple
    (0.20, 0.70, 0.75, 1.0),  # teal
    (0.55, 0.40, 0.25, 1.0),  # brown
)


_WALL_HALF_THICKNESS_M = 0.05  # as sim/world.py builds the walls


def layout_arena(config: ArenaConfig, seed: int) -> Arena:
    """Draw obstacles and goal from the seed in the config's layout (see the module docstring)."""
    rng = np.random.default_rng(seed)
    if config.layout == "goal":
        return _layout_goal(config, rng)
    if config.layout != "corridor":
        raise ValueError(f"unknown arena layout {config.layout!r}; layouts are corridor, goal")
    return _layout_corridor(config, rng)


def _layout_corridor(config: ArenaConfig, rng: np.random.Generator) -> Arena:
    """Obstacles anywhere but near the start and in the corridor ahead of it; the goal anywhere free."""
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


def _layout_goal(config: ArenaConfig, rng: np.random.Generator) -> Arena:
    """A goal episode: goal 3-5 m away and free, robot facing it, 3-6 obstacles, often one on the line
    (the ranges are the config's goal_* settings).

    Draws are redrawn (from the same stream, so still one layout per seed) until a way round exists.
    """
    if config.goal_obstacles_min > config.goal_obstacles_max:
        raise ValueError(f"goal_obstacles_min {config.goal_obstacles_min} is above goal_obstacles_max "
                         f"{config.goal_obstacles_max}")
    if config.goal_distance_min_m > config.goal_distance_max_m:
        raise ValueError(f"goal_distance_min_m {config.goal_distance_min_m} is above goal_distance_max_m "
                         f"{config.goal_distance_max_m}")
    for _ in range(100):
        arena = _draw_goal_layout(config, rng)
        if arena.reachable():
            return arena
    raise ValueError(f"no reachable goal layout found in a {config.size_m} m arena; make it larger")


def _draw_goal_layout(config: ArenaConfig, rng: np.random.Generator) -> Arena:
    start = config.start()
    inner = config.size_m / 2.0 - config.goal_wall_clearance_m
    for _ in range(1000):
        bearing = float(rng.uniform(-np.pi, np.pi))
        distance = rng.uniform(config.goal_distance_min_m, config.goal_distance_max_m)
        goal = start + distance * np.array([np.cos(bearing), np.sin(bearing)])
        if np.all(np.abs(goal) <= inner):
            break
    else:
        raise ValueError(f"a {config.size_m} m arena has no room for a goal {config.goal_distance_min_m}-"
                         f"{config.goal_distance_max_m} m from the start {start.tolist()}")
    yaw = bearing + rng.uniform(-config.start_heading_error_max_rad, config.start_heading_error_max_rad)
    arena = Arena(config, goal_xy=goal, start_xy=start, start_yaw=float(np.angle(np.exp(1j * yaw))))
    count = int(rng.integers(config.goal_obstacles_min, config.goal_obstacles_max + 1))
    across = rng.random() < config.goal_blocked_fraction
    if across and count > 0:  # the blocker is one of the count
        blocker = _blocker(config, rng, start, goal)
        if _leaves_start_and_goal_clear(config, blocker, start, goal):
            arena.obstacles.append(blocker)
    half = config.size_m / 2.0 - 0.5  # keep things off the walls
    for _ in range(1000):
        if len(arena.obstacles) >= count:
            break
        he = rng.uniform(*config.obstacle_half_extent_range, size=2)
        h = rng.uniform(*config.obstacle_height_range)
        xy = rng.uniform(-half, half, size=2)
        ob = Obstacle(np.array([xy[0], xy[1], h / 2]), np.array([he[0], he[1], h / 2]),
                      float(rng.uniform(-np.pi, np.pi)), _PALETTE[int(rng.integers(len(_PALETTE)))])
        if not _leaves_start_and_goal_clear(config, ob, start, goal):
            continue
        if not across and ob.crosses_segment(start, goal, config.robot_half_width_m):
            continue  # a free seed keeps its straight line free
        arena.obstacles.append(ob)
    return arena


def _blocker(config: ArenaConfig, rng: np.random.Generator, start: np.ndarray, goal: np.ndarray) -> Obstacle:
    """A box lying across the start-goal line, between the start's and the goal's clear zones."""
    offset = goal - start
    distance = float(np.hypot(*offset))
    along_dir = offset / distance  # (2,)
    normal = np.array([-along_dir[1], along_dir[0]])
    half_across, half_depth = rng.uniform(0.35, 0.6), rng.uniform(0.15, 0.3)  # m
    h = rng.uniform(*config.obstacle_height_range)
    yaw = float(np.arctan2(along_dir[1], along_dir[0]) + rng.uniform(-0.35, 0.35))
    lateral = rng.uniform(-0.5, 0.5) * half_across  # the line still crosses the box itself
    r = float(np.hypot(half_across, half_depth))
    lo, hi = config.start_clearance_m + r, distance - config.goal_clearance_m - r
    along = rng.uniform(lo, hi) if lo < hi else (lo + hi) / 2
    xy = start + along * along_dir + lateral * normal
    rgba = _PALETTE[int(rng.integers(len(_PALETTE)))]
    return Obstacle(np.array([xy[0], xy[1], h / 2]), np.array([half_depth, half_across, h / 2]), yaw, rgba)


def _leaves_start_and_goal_clear(config: ArenaConfig, ob: Obstacle, start: np.ndarray,
                                 goal: np.ndarray) -> bool:
    near_start = ob.contains_xy(start, config.start_clearance_m)
    return not (near_start or ob.contains_xy(goal, config.goal_clearance_m))
