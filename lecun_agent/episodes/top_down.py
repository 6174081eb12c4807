"""The top-down picture of an episode: walls, obstacles, start, goal with its success circle, and the path.

One drawing for every path (the in-process loop, the ROS episode runner, `lecun-agent sim`), so
the pictures of two runs of one seed can be laid side by side.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lecun_agent.sim.arena import Arena


def obstacle_corners(center_xy: np.ndarray, half_xy: np.ndarray, yaw: float) -> np.ndarray:
    """(4, 2) world corners of a box footprint, counter-clockwise."""
    signs = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], dtype=float)  # (4, 2)
    local = signs * np.asarray(half_xy, dtype=float)
    c, s = np.cos(yaw), np.sin(yaw)
    return local @ np.array([[c, s], [-s, c]]) + np.asarray(center_xy, dtype=float)


def plot_top_down(arena: Arena, pos: np.ndarray, out_png: str | Path, success_radius_m: float = 0.3,
                  title: str | None = None) -> Path:
    """Draw the arena and the base path `pos` (T, 2 or 3) m, world frame, into out_png; returns its path.

    Obstacles are drawn as their rotated footprints in their own colour, with the footprint grown
    by the robot's half width dashed (what `Arena.line_blocked` tests the straight line against).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, Polygon, Rectangle

    cfg = arena.config
    half = cfg.size_m / 2.0
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.add_patch(Rectangle((-half, -half), cfg.size_m, cfg.size_m, fill=False, lw=3, ec="0.45"))
    for ob in arena.obstacles:
        ax.add_patch(Polygon(obstacle_corners(ob.center[:2], ob.half_extents[:2], ob.yaw), closed=True,
                             fc=ob.rgba[:3], ec="k", lw=0.8, alpha=0.9))
        grown = obstacle_corners(ob.center[:2], ob.half_extents[:2] + cfg.robot_half_width_m, ob.yaw)
        ax.add_patch(Polygon(grown, closed=True, fill=False, ec="0.5", lw=0.6, ls="--"))
    start, goal = arena.start_xy, arena.goal_xy
    ax.plot(*np.stack([start, goal]).T, color="0.6", lw=0.8, ls=":", label="straight line")
    ax.add_patch(Circle(tuple(goal), success_radius_m, fc=(0.1, 0.8, 0.2, 0.25), ec="g", lw=1.2))
    ax.plot(*goal, marker="*", ms=14, color="g", ls="none", label="goal")
    ax.plot(*start, marker="o", ms=8, color="k", ls="none", label="start")
    ax.arrow(*start, 0.5 * np.cos(arena.start_yaw), 0.5 * np.sin(arena.start_yaw), width=0.03, color="k")
    path = np.asarray(pos, dtype=float).reshape(-1, np.shape(pos)[-1])[:, :2]  # (T, 2)
    if len(path):
        ax.plot(path[:, 0], path[:, 1], color="tab:blue", lw=1.5, label="path")
        ax.plot(*path[-1], marker="x", ms=9, mew=2, color="tab:red", ls="none", label="end")
    ax.set_xlim(-half - 0.2, half + 0.2)
    ax.set_ylim(-half - 0.2, half + 0.2)
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.legend(loc="upper right", fontsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    out = Path(out_png)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
