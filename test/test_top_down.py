"""The top-down episode picture: obstacle footprints where the arena has them, and a PNG on disk."""

from __future__ import annotations

import numpy as np

from lecun_agent.episodes.top_down import obstacle_corners, plot_top_down
from lecun_agent.sim.arena import layout_arena
from lecun_agent.sim.config import ArenaConfig


def test_corners_are_the_rotated_footprints_corners():
    arena = layout_arena(ArenaConfig(layout="goal"), 1)
    for ob in arena.obstacles:
        corners = obstacle_corners(ob.center[:2], ob.half_extents[:2], ob.yaw)  # (4, 2)
        assert all(ob.contains_xy(c, 1e-9) for c in corners)
        assert not any(ob.contains_xy(ob.center[:2] + 1.001 * (c - ob.center[:2])) for c in corners)


def test_plot_writes_a_png(tmp_path):
    arena = layout_arena(ArenaConfig(layout="goal"), 3)
    path = np.linspace([*arena.start_xy, 0.35], [*arena.goal_xy, 0.35], 50)  # (50, 3)
    out = plot_top_down(arena, path, tmp_path / "top.png", title="seed 3")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plot_top_down(arena, np.zeros((0, 2)), tmp_path / "empty.png").exists()  # no path yet
