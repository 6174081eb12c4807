"""Goal-episode arenas: goal distance and freedom, obstacle counts, blocked lines, a way round, and the
corridor layout left exactly as the walking tests know it."""

from __future__ import annotations

import hashlib
from collections import deque

import numpy as np
import pytest

from lecun_agent.sim.arena import Obstacle, layout_arena
from lecun_agent.sim.config import ArenaConfig

SEEDS = range(300)
GOAL = ArenaConfig(layout="goal")


@pytest.fixture(scope="module")
def arenas():
    return [layout_arena(GOAL, seed) for seed in SEEDS]


def test_goal_is_3_to_5_m_away_free_and_inside_the_walls(arenas):
    half = GOAL.size_m / 2
    for a in arenas:
        assert 3.0 <= np.linalg.norm(a.goal_xy - a.start_xy) <= 5.0
        assert np.all(np.abs(a.goal_xy) <= half - GOAL.goal_wall_clearance_m)
        assert not a.blocked(a.goal_xy, margin=GOAL.goal_clearance_m)  # room to stand at the goal
        assert not a.blocked(a.start_xy, margin=GOAL.start_clearance_m)


def test_three_to_six_obstacles_drawn_per_seed(arenas):
    counts = np.array([len(a.obstacles) for a in arenas])
    assert counts.min() == 3 and counts.max() == 6
    assert len(set(counts.tolist())) == 4


def test_robot_starts_facing_the_goal_within_30_degrees(arenas):
    for a in arenas:
        d = a.goal_xy - a.start_xy
        error = np.angle(np.exp(1j * (np.arctan2(d[1], d[0]) - a.start_yaw)))
        assert abs(error) <= np.radians(30) + 1e-9


def test_straight_line_is_blocked_on_40_to_50_percent_of_seeds(arenas):
    fraction = np.mean([a.line_blocked for a in arenas])
    assert 1 / 3 <= fraction <= 0.55, fraction


def _reachable_bfs(arena, margin: float, cell: float = 0.1) -> bool:
    """An independent check: 8-connected BFS over cell centres clear of every obstacle grown by margin."""
    half = arena.config.size_m / 2
    xs = np.arange(-half + cell / 2, half, cell)
    gx, gy = np.meshgrid(xs, xs, indexing="ij")
    free = (np.abs(gx) < half - 0.05 - margin) & (np.abs(gy) < half - 0.05 - margin)
    for ob in arena.obstacles:
        c, s = np.cos(ob.yaw), np.sin(ob.yaw)
        dx, dy = gx - ob.center[0], gy - ob.center[1]
        lx, ly = c * dx + s * dy, -s * dx + c * dy
        free &= ~((np.abs(lx) <= ob.half_extents[0] + margin) & (np.abs(ly) <= ob.half_extents[1] + margin))
    start = tuple(int(np.argmin(np.abs(xs - v))) for v in arena.start_xy)
    goal = tuple(int(np.argmin(np.abs(xs - v))) for v in arena.goal_xy)
    seen, todo = {start}, deque([start])
    while todo:
        i, j = todo.popleft()
        if (i, j) == goal:
            return True
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                n = (i + di, j + dj)
                if n not in seen and 0 <= n[0] < len(xs) and 0 <= n[1] < len(xs) and free[n]:
                    seen.add(n)
                    todo.append(n)
    return False


def test_a_way_round_always_exists(arenas):
    for a in arenas[::3]:  # a third of them: the BFS is pure Python
        assert _reachable_bfs(a, margin=GOAL.robot_half_width_m), a.goal_xy
    assert all(a.reachable() for a in arenas)


def test_layout_is_a_function_of_the_seed(arenas):
    again = layout_arena(GOAL, 7)
    assert np.array_equal(again.goal_xy, arenas[7].goal_xy) and again.start_yaw == arenas[7].start_yaw
    assert [o.center.tolist() for o in again.obstacles] == [o.center.tolist() for o in arenas[7].obstacles]


def test_segment_crossing_matches_dense_sampling():
    rng = np.random.default_rng(0)
    for _ in range(300):
        ob = Obstacle(np.array([*rng.uniform(-1, 1, 2), 0.2]), np.array([*rng.uniform(0.1, 0.6, 2), 0.2]),
                      float(rng.uniform(-np.pi, np.pi)), (1, 0, 0, 1))
        a, b = rng.uniform(-2, 2, 2), rng.uniform(-2, 2, 2)
        local = np.abs(ob.to_local(a + np.linspace(0, 1, 4001)[:, None] * (b - a)))  # (4001, 2) samples
        inside, inside_larger = (bool(np.any(np.all(local <= ob.half_extents[:2] + m, axis=1)))
                                 for m in (0.2, 0.21))
        crosses = ob.crosses_segment(a, b, 0.2)
        if inside:
            assert crosses
        if crosses:  # sampling may miss a grazing cut of a corner, never a slightly larger box
            assert inside_larger


def test_a_segment_ending_inside_or_passing_beside_a_box():
    ob = Obstacle(np.array([1.0, 0.0, 0.2]), np.array([0.2, 0.5, 0.2]), 0.0, (1, 0, 0, 1))
    assert ob.crosses_segment(np.array([0.0, 0.0]), np.array([2.0, 0.0]))
    assert ob.crosses_segment(np.array([0.0, 0.0]), np.array([1.0, 0.1]))  # ends inside
    assert not ob.crosses_segment(np.array([0.0, 0.8]), np.array([2.0, 0.8]))
    assert ob.crosses_segment(np.array([0.0, 0.8]), np.array([2.0, 0.8]), margin=0.35)
    assert not ob.crosses_segment(np.array([0.0, 0.0]), np.array([0.7, 0.0]))  # stops short


def _layout_digest(configs: list[ArenaConfig]) -> str:
    """sha256 of seeds 0-49's layouts in each config: start, goal and every obstacle, bit for bit."""
    h = hashlib.sha256()
    for config in configs:
        for seed in range(50):
            a = layout_arena(config, seed)
            h.update(a.goal_xy.tobytes() + a.start_xy.tobytes() + np.float64(a.start_yaw).tobytes())
            for o in a.obstacles:
                h.update(o.center.tobytes() + o.half_extents.tobytes() + np.float64(o.yaw).tobytes()
                         + np.array(o.rgba).tobytes())
    return h.hexdigest()


def test_corridor_layout_is_bit_for_bit_what_it_was():
    # Digest of the corridor layouts drawn by the code before the goal layout existed (commit 1b6d873):
    # walking tests and seeds rely on them.
    assert ArenaConfig().layout == "corridor"
    corridors = [ArenaConfig(size_m=size, obstacle_count=count) for size, count in ((10.0, 6), (6.0, 12), (20.0, 40),
                                                                                 (4.0, 0))]
    assert _layout_digest(corridors) == "559bf3d8281f8e90a5b729eb53e3205188c63b7e33db1c1a430a171447beba59"


def test_an_unknown_layout_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown arena layout"):
        layout_arena(ArenaConfig(layout="maze"), 0)


def test_goal_layout_is_bit_for_bit_what_it_was_before_its_ranges_were_parameters():
    # Digest of the default goal layout, the bench's 14-block arena and an empty one, drawn by the code
    # before the ranges were settings (commit 6594966): every committed eval result relies on them.
    configs = [GOAL, ArenaConfig(layout="goal", size_m=12.0, goal_obstacles_min=14, goal_obstacles_max=14,
                                 goal_distance_min_m=5.0, goal_distance_max_m=5.0),
               ArenaConfig(layout="goal", goal_obstacles_min=0, goal_obstacles_max=0, goal_distance_min_m=4.0,
                           goal_distance_max_m=4.0)]
    assert _layout_digest(configs) == "896f9c3d858a3e7b5b9e8d4d140ee2e8b19c77c8fcbdc82317274c5ea014ef1f"


@pytest.mark.parametrize(("size", "fewest", "most", "near", "far"), [(14.0, 8, 12, 5.0, 7.0), (10.0, 0, 0, 3.0, 4.0)])
def test_goal_layout_draws_from_its_settings(size, fewest, most, near, far):
    config = ArenaConfig(layout="goal", size_m=size, goal_obstacles_min=fewest, goal_obstacles_max=most,
                         goal_distance_min_m=near, goal_distance_max_m=far)
    arenas = [layout_arena(config, seed) for seed in range(40)]
    counts = [len(a.obstacles) for a in arenas]
    assert min(counts) >= fewest and max(counts) <= most and len(set(counts)) == most - fewest + 1, counts
    assert all(near <= np.linalg.norm(a.goal_xy - a.start_xy) <= far for a in arenas)
    assert all(a.reachable() for a in arenas)


@pytest.mark.parametrize(("changes", "said"), [
    (dict(goal_obstacles_min=7, goal_obstacles_max=6), "goal_obstacles_min 7 is above goal_obstacles_max 6"),
    (dict(goal_distance_min_m=5.0, goal_distance_max_m=4.0), "goal_distance_min_m 5.0 is above"),
    (dict(size_m=4.0), "no room for a goal 3.0-5.0 m"),
])
def test_goal_settings_that_do_not_go_together_are_a_clear_error(changes, said):
    with pytest.raises(ValueError, match=said):
        layout_arena(ArenaConfig(layout="goal", **changes), 0)
