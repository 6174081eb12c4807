"""Goal-episode rules and metrics on synthetic logs: when an episode ends and what it scores."""

from __future__ import annotations

import numpy as np
import pytest

from lecun_agent.episodes.goal import GoalRules, count_collisions, episode_end, goal_metrics

DT = 0.02
LEVEL = np.array([0.0, 0.0, 0.0, 1.0])
GOAL = np.array([3.0, 0.0])


def tilted(rad: float) -> np.ndarray:
    """A quaternion rolled by rad about x."""
    return np.array([np.sin(rad / 2), 0.0, 0.0, np.cos(rad / 2)])


def walk_log(seconds: float, speed: float = 0.5, power_w: float = 40.0) -> dict[str, np.ndarray]:
    """Walking along +x from the origin at `speed`, level, at constant joint power."""
    t = np.arange(int(round(seconds / DT)) + 1) * DT  # (T,)
    pos = np.stack([speed * t, np.zeros_like(t), np.full_like(t, 0.35)], axis=1)
    return {"t": t, "pos": pos, "quat": np.tile(LEVEL, (len(t), 1)), "body_contact_force": np.zeros_like(t),
            "energy_w": np.full_like(t, power_w)}


def test_success_ends_the_episode_and_later_steps_are_ignored():
    log = walk_log(10.0)  # reaches 2.7 m (0.3 from the goal) at 5.4 s, walks on past the goal
    m = goal_metrics(log, GOAL)
    assert m["success"] and m["ended_by"] == "success"
    assert m["time_to_goal_s"] == pytest.approx(5.4) and m["sim_seconds"] == m["time_to_goal_s"]
    assert m["path_length_m"] == pytest.approx(2.7)
    assert m["final_distance_m"] == pytest.approx(0.3, abs=1e-9)
    assert m["energy_per_meter"] == pytest.approx(40.0 / 0.5)  # W / (m/s) = J/m
    assert m["mean_power_w"] == pytest.approx(40.0)
    assert m["falls"] == 0 and m["collisions"] == 0 and m["max_tilt_deg"] == 0.0
    cut = {k: v[: int(round(5.4 / DT)) + 1] for k, v in log.items()}
    assert goal_metrics(cut, GOAL) == m  # exact: the same steps give the same numbers


def test_time_limit_when_the_goal_is_not_reached():
    log = walk_log(45.0, speed=0.05)  # 2 m in 40 s
    m = goal_metrics(log, GOAL)
    assert m["ended_by"] == "time_limit" and not m["success"] and m["time_to_goal_s"] is None
    assert m["sim_seconds"] == pytest.approx(40.0)
    assert m["final_distance_m"] == pytest.approx(1.0)
    short = goal_metrics(log, GOAL, GoalRules(time_limit_s=10.0))
    assert short["sim_seconds"] == pytest.approx(10.0) and short["ended_by"] == "time_limit"


def test_time_limit_tolerates_summed_control_periods():
    t = sum([DT] * 2000)  # 40 s as the sim adds it up: not exactly 40.0
    assert episode_end(t, np.array([0.0, 0.0, 0.35]), LEVEL, GOAL, GoalRules()) == "time_limit"
    assert episode_end(t - DT, np.array([0.0, 0.0, 0.35]), LEVEL, GOAL, GoalRules()) is None


def test_a_fall_ends_the_episode_and_outranks_success():
    log = walk_log(10.0)
    k = 100  # at 2 s the body rolls past the fall angle
    log["quat"][k:] = tilted(1.1)
    m = goal_metrics(log, GOAL)
    assert m["ended_by"] == "fall" and m["falls"] == 1 and not m["success"]
    assert m["sim_seconds"] == pytest.approx(k * DT)
    assert m["max_tilt_deg"] == pytest.approx(np.degrees(1.1))
    at_goal = np.array([GOAL[0], GOAL[1], 0.35])
    assert episode_end(1.0, at_goal, tilted(1.1), GOAL, GoalRules()) == "fall"
    assert episode_end(1.0, at_goal * [1, 1, 0.1], LEVEL, GOAL, GoalRules()) == "fall"  # base on the floor
    assert episode_end(1.0, at_goal, tilted(0.5), GOAL, GoalRules()) == "success"


def test_collisions_are_rising_edges_with_close_ones_merged():
    t = np.arange(200) * DT
    force = np.zeros(200)
    force[10:15] = 30.0  # one contact
    force[20:22] = 5.0  # 0.1 s after it ended: the same event (bounce)
    force[23] = 0.5  # below the 1 N threshold: not a contact
    force[60:62] = 80.0  # 0.76 s later: a second event
    force[100:150:2] = 20.0  # scraping on and off every other step: one event
    rules = GoalRules()
    assert count_collisions(t, force, rules) == 3
    assert count_collisions(t, force, GoalRules(collision_merge_s=0.0)) == 3 + 1 + 24
    log = walk_log(3.98)
    log["body_contact_force"] = force
    assert goal_metrics(log, GOAL)["collisions"] == 3


def test_energy_per_meter_is_none_when_standing_but_the_power_is_still_measured():
    log = walk_log(5.0, speed=0.0, power_w=25.0)
    m = goal_metrics(log, GOAL)
    assert m["energy_per_meter"] is None and m["path_length_m"] == 0.0 and m["ended_by"] is None
    assert m["mean_power_w"] == pytest.approx(25.0)


def test_a_log_that_stops_before_any_ending_is_scored_up_to_its_last_step():
    m = goal_metrics(walk_log(2.0), GOAL)
    assert m["ended_by"] is None and not m["success"] and m["sim_seconds"] == pytest.approx(2.0)
    assert m["energy_per_meter"] == pytest.approx(80.0)


def test_metric_keys_are_the_contract():
    assert set(goal_metrics(walk_log(1.0), GOAL)) == {
        "success", "ended_by", "falls", "collisions", "time_to_goal_s", "energy_per_meter", "mean_power_w",
        "path_length_m",
        "final_distance_m", "sim_seconds", "max_tilt_deg"}
