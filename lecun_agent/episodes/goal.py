"""Goal episodes: when one ends and how it is scored. The one definition the ROS runner, the in-process
loop and the Gymnasium env share, so a success means the same thing on every path.

An episode ends at the first control step where, in this order:
  fall        the simulator's fall rule holds (`metrics.fallen_flags`: tilted past fall_tilt_rad or
              base below fall_height_m);
  success     the base (ground truth) is within success_radius_m of the goal, horizontally;
  time_limit  time_limit_s of sim time have passed since the episode started.

Collisions are distinct non-foot contact events: an event starts where the summed force on
non-foot links rises above `contact_threshold_n`; a rise less than `collision_merge_s` after the
force last was above the threshold continues the same event (a body scraping along a box, or
bouncing on it, counts once).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lecun_agent.body.readings import tilt_of
from lecun_agent.episodes.metrics import fallen_flags
from lecun_agent.settings import setting
from lecun_agent.sim.config import SimConfig

_EPS_S = 1e-9  # sim time is a sum of control periods: 40 s may read 39.999999999


@dataclass(frozen=True)
class GoalRules:
    """What ends a goal episode and what counts as a collision."""

    success_radius_m: float = setting(0.3, "success when the base is this close to the goal, m", low=0.05,
                                      high=2.0)
    time_limit_s: float = setting(40.0, "an episode ends after this much sim time, s", low=1.0, high=3600.0)
    contact_threshold_n: float = 1.0  # N on non-foot links that counts as touching something
    collision_merge_s: float = 0.25  # a contact this soon after the last one is the same collision
    fall_tilt_rad: float = SimConfig.fall_tilt_rad  # the simulator's fall rule (SimConfig)
    fall_height_m: float = SimConfig.fall_height_m


def episode_end(t: float, pos_xyz: np.ndarray, quat: np.ndarray, goal_xy: np.ndarray,
                rules: GoalRules) -> str | None:
    """"fall", "success" or "time_limit" if the episode ends at this step, else None.

    t: s since the episode started; pos_xyz (3,) m and quat (4,) x, y, z, w: the base's ground truth;
    goal_xy (2,) m in the same frame.
    """
    pos = np.asarray(pos_xyz, dtype=float).reshape(3)
    if fallen_flags(pos[None], np.asarray(quat, dtype=float).reshape(1, 4), rules)[0]:
        return "fall"
    if np.hypot(*(pos[:2] - np.asarray(goal_xy, dtype=float))) <= rules.success_radius_m:
        return "success"
    if t >= rules.time_limit_s - _EPS_S:
        return "time_limit"
    return None


def end_step(log: dict[str, np.ndarray], goal_xy: np.ndarray, rules: GoalRules) -> tuple[int, str | None]:
    """(index of the step the episode ends at, why); (last index, None) if the log stops before an end."""
    t, pos, quat = (np.asarray(log[k], dtype=float) for k in ("t", "pos", "quat"))
    for i in range(len(t)):
        why = episode_end(float(t[i]), pos[i], quat[i], goal_xy, rules)
        if why is not None:
            return i, why
    return len(t) - 1, None


def collision_starts(t: np.ndarray, force: np.ndarray, rules: GoalRules) -> list[int]:
    """Indices where the distinct non-foot contact events of a (T,) force series at times (T,) start
    (see the module docstring)."""
    touching = np.asarray(force, dtype=float) > rules.contact_threshold_n  # (T,)
    starts, last_touch, was_on = [], -np.inf, False
    for i, (ti, on) in enumerate(zip(np.asarray(t, dtype=float), touching, strict=True)):
        if on and not was_on and ti - last_touch >= rules.collision_merge_s:
            starts.append(i)  # a rising edge that is not a bounce of the last contact
        if on:
            last_touch = ti
        was_on = bool(on)
    return starts


def count_collisions(t: np.ndarray, force: np.ndarray, rules: GoalRules) -> int:
    """Distinct non-foot contact events in a (T,) force series at times (T,) (see the module docstring)."""
    return len(collision_starts(t, force, rules))


def energy_metrics(t: np.ndarray, energy_w: np.ndarray, path_m: float) -> dict[str, float | None]:
    """The energy term (T,) W at times (T,) s, integrated with each step's power held over the period
    before it: energy_per_meter, J per m of path_m (None under 1 cm), and mean_power_w, J per s
    of the episode (None for a single step): what `weights.energy` prices per plan step."""
    energy_j = float(np.sum(energy_w[1:] * np.diff(t)))
    duration = float(t[-1] - t[0])
    return {"energy_per_meter": energy_j / path_m if path_m >= 0.01 else None,
            "mean_power_w": energy_j / duration if duration > 0 else None}


def goal_metrics(log: dict[str, np.ndarray], goal_xy: np.ndarray, rules: GoalRules | None = None
                 ) -> dict[str, Any]:
    """Score one goal episode from per-control-step arrays, up to the step it ended at.

    log: t (T,) s since the episode started, pos (T, 3) m and quat (T, 4) x, y, z, w (the base's
    ground truth), body_contact_force (T,) N, energy_w (T,) W (the energy term's raw value,
    sum |tau * qdot|). Steps after the end (a runner that stopped late) are ignored, so every
    path scores the same episode the same way. energy_per_meter and mean_power_w are
    energy_metrics over the horizontal path. ended_by is None when the log stops before any ending.
    """
    rules = rules or GoalRules()
    goal = np.asarray(goal_xy, dtype=float).reshape(2)
    end, why = end_step(log, goal, rules)
    n = end + 1
    t = np.asarray(log["t"], dtype=float)[:n]  # (n,)
    pos = np.asarray(log["pos"], dtype=float)[:n]  # (n, 3)
    quat = np.asarray(log["quat"], dtype=float)[:n]  # (n, 4)
    energy_w = np.asarray(log["energy_w"], dtype=float)[:n]  # (n,)
    fallen = fallen_flags(pos, quat, rules)  # (n,)
    path = float(np.linalg.norm(np.diff(pos[:, :2], axis=0), axis=1).sum())
    return {
        "success": why == "success",
        "ended_by": why,
        "falls": int(fallen[0]) + int(np.sum(~fallen[:-1] & fallen[1:])),
        "collisions": count_collisions(t, np.asarray(log["body_contact_force"], dtype=float)[:n], rules),
        "time_to_goal_s": float(t[-1]) if why == "success" else None,
        **energy_metrics(t, energy_w, path),
        "path_length_m": path,
        "final_distance_m": float(np.hypot(*(pos[-1, :2] - goal))),
        "sim_seconds": float(t[-1]),
        "max_tilt_deg": float(np.degrees(max(tilt_of(q) for q in quat))),
    }
