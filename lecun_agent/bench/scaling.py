"""Scaling: how the full agent's planning time and success change with obstacle count and goal distance.

In-process goal episodes (episodes/in_process.py: the same arena, gait, cost, guardrail and metrics as
the ROS eval, and the same Actor.act as actor_node), in a 12 m arena so an 8 m goal fits. Obstacle
count sweeps at a 4 m goal; goal distance sweeps at 3 obstacles. One process per core, one torch
thread each.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

OBSTACLES = (0, 3, 6, 10)
DISTANCES_M = (2.0, 4.0, 8.0)
ARENA_M = 12.0
_actor = None  # one per worker process


def goal_arena(obstacles: int, distance_m: float, size_m: float = ARENA_M):
    """The goal layout with exactly `obstacles` boxes (one may lie across the line) and the goal `distance_m` away."""
    from lecun_agent.sim.config import ArenaConfig

    return ArenaConfig(layout="goal", size_m=size_m, goal_obstacles_min=obstacles, goal_obstacles_max=obstacles,
                       goal_distance_min_m=distance_m, goal_distance_max_m=distance_m)


def _cell_episode(job: tuple[int, float, int]) -> dict:
    """(obstacles, distance, seed) -> the episode's success, falls and plan times."""
    import torch

    from lecun_agent.episodes.actor_agent import actor_agent
    from lecun_agent.episodes.in_process import GoalEpisode, run_goal_episode
    from lecun_agent.sim.config import SimConfig
    from lecun_agent.stack.eval_actor import eval_actor

    global _actor
    torch.set_num_threads(1)
    if _actor is None:
        _actor = eval_actor()
    obstacles, distance, seed = job
    arena = goal_arena(obstacles, distance)
    plan_ms: list[float] = []
    agent = actor_agent(_actor, lambda obs, latent, r: plan_ms.append(r.timings_ms.get("total", np.nan)))
    episode = GoalEpisode(SimConfig(arena=arena))
    try:
        m = run_goal_episode(agent, seed, episode).metrics
    finally:
        episode.close()
    return {"obstacles": obstacles, "distance_m": distance, "seed": seed, "success": bool(m["success"]),
            "falls": int(m["falls"]), "collisions": int(m["collisions"]), "plan_ms": plan_ms}


def _cells(seeds: list[int]) -> list[tuple[int, float, int]]:
    cells = [(n, 4.0) for n in OBSTACLES] + [(3, d) for d in DISTANCES_M if d != 4.0]
    return [(n, d, s) for n, d in cells for s in seeds]


def run(quick: bool, out: Path) -> dict:
    seeds = [0] if quick else list(range(5))
    workers = max(1, min(2, os.cpu_count() or 1))
    with ProcessPoolExecutor(workers) as pool:
        episodes = list(pool.map(_cell_episode, _cells(seeds)))
    rows = []
    for n, d in sorted({(e["obstacles"], e["distance_m"]) for e in episodes}):
        cell = [e for e in episodes if e["obstacles"] == n and e["distance_m"] == d]
        ms = np.concatenate([e["plan_ms"] for e in cell])
        rows.append({"obstacles": n, "distance_m": d, "episodes": len(cell),
                     "success_rate": float(np.mean([e["success"] for e in cell])),
                     "falls": sum(e["falls"] for e in cell), "collisions": sum(e["collisions"] for e in cell),
                     "plan_ms_p50": round(float(np.percentile(ms, 50)), 1),
                     "plan_ms_p99": round(float(np.percentile(ms, 99)), 1)})
    _plot(rows, out / "scaling.png")
    return {"arena_m": ARENA_M, "seeds": seeds, "agent": "full", "mode": "in-process", "cells": rows}


def _plot(rows: list[dict], path: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    for ax, key, fixed, label in ((axes[0], "obstacles", ("distance_m", 4.0), "obstacles (goal 4 m)"),
                                  (axes[1], "distance_m", ("obstacles", 3), "goal distance m (3 obstacles)")):
        sweep = [r for r in rows if r[fixed[0]] == fixed[1]]
        x = [r[key] for r in sweep]
        ax.plot(x, [r["plan_ms_p50"] for r in sweep], "o-", label="plan ms p50")
        ax.plot(x, [r["plan_ms_p99"] for r in sweep], "s--", label="plan ms p99")
        ax.set_xlabel(label)
        ax.set_ylabel("ms per tick")
        twin = ax.twinx()
        twin.plot(x, [r["success_rate"] for r in sweep], "g^:", label="success")
        twin.set_ylim(-0.05, 1.05)
        twin.set_ylabel("success rate", color="g")
        ax.legend(loc="upper left", fontsize=8)
    fig.suptitle("full agent, in-process goal episodes")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
