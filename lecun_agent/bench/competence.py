"""Competence: `lecun-agent eval` (lock-step, through the ROS nodes) for every agent on the same seeds."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lecun_agent.stack.description import AGENTS  # noqa: E402
from lecun_agent.stack.evaluate import run_eval  # noqa: E402

KEYS = ("episodes", "success_rate", "success_rate_blocked", "success_rate_free", "blocked_episodes", "falls",
        "collisions", "mean_time_to_goal_s", "energy_per_meter", "plan_ms_p50", "plan_ms_p99", "sync_timeouts",
        "guardrail_interventions")


QUICK_EPISODES, FULL_EPISODES = 2, 20  # seeds from 0; 20 (issue 12's acceptance seeds) is about 30 min for the
# five agents on 2 cores


def run(quick: bool, out: Path) -> dict:
    episodes = QUICK_EPISODES if quick else FULL_EPISODES
    folder = out / "competence"
    folder.mkdir(parents=True, exist_ok=True)
    section = {}
    for agent in AGENTS:
        summary = run_eval(agent, episodes, 0, max(1, min(2, os.cpu_count() or 1)), 0, folder / f"{agent}.json")
        section[agent] = {k: summary[k] for k in KEYS}
    _plot(section, out / "competence.png")
    return {"seeds": [0, episodes - 1], "mode": "lock-step", **section}


def _plot(section: dict, path: Path) -> None:
    agents = list(section)
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.2))
    for ax, key, label in zip(axes, ("success_rate", "falls", "collisions", "energy_per_meter"),
                              ("success rate", "falls", "collisions", "energy per metre (J/m)"), strict=True):
        values = [section[a][key] or 0.0 for a in agents]
        ax.bar(agents, values, color="tab:green")
        ax.set_ylim(0.0, max(1.0, 1.1 * max(values)))  # 0 falls is a floor, not the middle of the plot
        ax.set_title(label)
        ax.tick_params(axis="x", rotation=30)
    fig.suptitle(f"goal episodes, lock-step, {section[agents[0]]['episodes']} seeds per agent")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
