"""The in-process goal-episode loop and its Gymnasium env: ticks, guardrail, determinism, endings, API.

Episodes here are cut to a few seconds of sim time (max_seconds, or rules that end them early) so
the default suite stays fast; benchmarks/bench_goal_in_process.py runs whole ones.
"""

from __future__ import annotations

import subprocess
import sys

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import lecun_agent
from lecun_agent.actor.straight import StraightLineSettings, straight_line_command
from lecun_agent.episodes.goal import GoalRules
from lecun_agent.episodes.in_process import (
    GoalEpisode,
    goal_sim_config,
    program_agent,
    run_goal_episode,
    straight_line_agent,
)
from lecun_agent.perception.proprio import PROPRIO_DIM
from lecun_agent.sim.arena import layout_arena


@pytest.fixture(scope="module")
def episode():
    ep = GoalEpisode()
    yield ep
    ep.close()


def near_goal_rules(seed: int, left_m: float = 0.4) -> GoalRules:
    """Rules under which the seed's episode succeeds once the robot is `left_m` closer to the goal."""
    arena = layout_arena(goal_sim_config().arena, seed)
    return GoalRules(success_radius_m=float(np.linalg.norm(arena.goal_xy - arena.start_xy)) - left_m)


def test_same_seed_same_run_bit_for_bit(episode):
    first = run_goal_episode(straight_line_agent(), 1, episode, max_seconds=2.0)
    second = run_goal_episode(straight_line_agent(), 1, max_seconds=2.0)  # a fresh sim
    assert first.log.keys() == second.log.keys()
    for key in first.log:
        assert np.array_equal(first.log[key], second.log[key]), key
    assert first.metrics == second.metrics and first.verdicts == second.verdicts


def test_one_agent_tick_per_camera_frame_and_what_the_agent_sees(episode):
    seen = []

    def agent(obs):
        seen.append(obs)
        return straight_line_agent()(obs)

    run = run_goal_episode(agent, 4, episode, max_seconds=2.0)
    assert [round(o.t, 6) for o in seen] == [round(0.1 * k, 6) for k in range(20)]
    first = seen[0]
    assert first.camera.shape == (64, 64, 3) and first.camera.dtype == np.uint8 and first.camera.any()
    assert first.proprio.shape == (PROPRIO_DIM,) and first.proprio.dtype == np.float32
    assert np.allclose(first.odom[:3], [*run.arena.start_xy, run.arena.start_yaw], atol=1e-6)
    assert np.array_equal(first.goal, run.arena.goal_xy)
    assert not np.shares_memory(seen[0].camera, seen[1].camera)
    # The log has one row per control step, from t = 0 to the last step run (2 s at 50 Hz).
    assert {len(v) for v in run.log.values()} == {101}
    assert np.allclose(np.diff(run.log["t"]), 0.02)


def test_a_tick_sees_every_touch_since_the_last_one(episode):
    seen = []

    def agent(obs):
        seen.append(obs)
        return straight_line_agent()(obs)

    run = run_goal_episode(agent, 3, episode, max_seconds=5.0)  # the straight line walks into a block
    force = run.log["body_contact_force"]  # (T,) N per control step; tick k observes step 5 k
    assert force.max() > 1.0
    for k, obs in enumerate(seen[1:], start=1):
        window = force[5 * (k - 1) + 1 : 5 * k + 1]  # the steps since the last tick, its own included
        assert (sum(obs.touches.values()) > 0) == bool((window > 0).any()), obs.t
        assert sum(obs.touches.values()) >= window.max() - 1e-9
    # Touches that began and ended between two ticks: the tick's own reading alone would miss them.
    assert any(sum(obs.touches.values()) > 1.0 and obs.readings.body_contact_force == 0 for obs in seen)


def test_guardrail_passes_a_healthy_walk_and_the_robot_heads_for_the_goal(episode):
    run = run_goal_episode(straight_line_agent(), 0, episode, max_seconds=3.0)
    reasons = run.metrics["guardrail_interventions"]
    assert not any(r.startswith(("stale", "future", "invalid", "measured")) for r in reasons), reasons
    assert run.verdicts["stop"] == 0
    start_distance = np.linalg.norm(run.arena.goal_xy - run.arena.start_xy)
    assert run.metrics["final_distance_m"] < start_distance - 0.8
    assert run.metrics["ended_by"] is None and run.metrics["sync_timeouts"] == 0
    assert run.log["cmd"][-1, 0] > 0.3  # the decided command that walked the last step
    assert np.all(run.log["energy_w"][10:] > 0)


def test_a_scripted_program_can_be_the_agent(episode):
    run = run_goal_episode(program_agent("walk"), 2, episode, max_seconds=1.5)
    heading = np.array([np.cos(run.arena.start_yaw), np.sin(run.arena.start_yaw)])
    assert (run.log["pos"][-1, :2] - run.log["pos"][0, :2]) @ heading > 0.3


def test_success_ends_the_episode(episode):
    episode.rules = near_goal_rules(0)
    try:
        run = run_goal_episode(straight_line_agent(), 0, episode)
        assert run.metrics["success"] and run.metrics["ended_by"] == "success"
        assert run.metrics["time_to_goal_s"] < 3.0
        with pytest.raises(RuntimeError, match="ended"):
            episode.act(np.zeros(3))
    finally:
        episode.rules = GoalRules()


# ---- Gymnasium ---------------------------------------------------------------------------------
# Expected: the action box is the gait's command box (not [-1, 1]) and float observations are unbounded.
@pytest.mark.filterwarnings("ignore:.*(Box action spaces|infinity).*:UserWarning")
def test_env_passes_gymnasiums_checker():
    env = gymnasium.make(lecun_agent.GOAL_REACH_ENV_ID, seed=0)
    try:
        check_env(env.unwrapped)
    finally:
        env.close()


def test_env_seeds_are_the_arena_seeds():
    env = gymnasium.make("lecun_agent/GoalReach-v0", seed=5)
    try:
        config = goal_sim_config().arena
        for expected in (5, 6):
            obs, info = env.reset()
            assert info["seed"] == expected
            assert np.allclose(obs["goal"], layout_arena(config, expected).goal_xy.astype(np.float32))
        obs, info = env.reset(seed=3)
        assert info["seed"] == 3 and info["line_blocked"] == layout_arena(config, 3).line_blocked
        assert np.allclose(obs["goal"], layout_arena(config, 3).goal_xy.astype(np.float32))
    finally:
        env.close()


def test_a_step_is_one_tick_and_the_reward_is_minus_the_integrated_cost():
    env = gymnasium.make("lecun_agent/GoalReach-v0", seed=0)
    try:
        obs, info = env.reset()
        obs, reward, terminated, truncated, info = env.step(np.array([0.4, 0.0, 0.0], np.float32))
        episode = env.unwrapped.episode
        assert info["t"] == pytest.approx(0.1) and not (terminated or truncated)
        assert reward == pytest.approx(-np.sum(episode.log.cost[1:6]) * 0.02, rel=1e-12)
        assert set(obs) == {"camera", "proprio", "odom", "goal"} and obs["odom"].dtype == np.float32
    finally:
        env.close()


def test_env_truncates_at_the_time_limit_and_terminates_on_success():
    env = gymnasium.make("lecun_agent/GoalReach-v0", seed=0, rules=GoalRules(time_limit_s=0.5))
    try:
        env.reset()
        flags = [env.step(np.zeros(3, np.float32))[2:4] for _ in range(5)]
        assert flags == [(False, False)] * 4 + [(False, True)]
        with pytest.raises(RuntimeError, match="reset"):
            env.step(np.zeros(3, np.float32))
    finally:
        env.close()
    env = gymnasium.make("lecun_agent/GoalReach-v0", seed=0, rules=near_goal_rules(0))
    try:
        obs, _ = env.reset()
        for _ in range(40):  # the baseline on the env's observation
            odom = obs["odom"]
            cmd = straight_line_command(odom[:2], float(odom[2]), obs["goal"], StraightLineSettings())
            obs, _, terminated, truncated, info = env.step(cmd.astype(np.float32))
            if terminated or truncated:
                break
        assert terminated and info["metrics"]["success"] and info["metrics"]["ended_by"] == "success"
    finally:
        env.close()


def test_importing_the_package_registers_the_env_without_loading_the_sim():
    code = ("import sys, gymnasium, lecun_agent; "
            "assert 'lecun_agent/GoalReach-v0' in gymnasium.registry; "
            "print(sorted(m for m in ('pybullet', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
