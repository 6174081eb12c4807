"""The actor as an in-process agent: encode the tick's camera and proprioception, then `Actor.act`.

The same encoder call as perception_node and the same `Actor.act` as actor_node, so an in-process
goal episode (in_process.py) plans like the ROS stack does (the rate limit starts from the previous
proposal there too), minus the plan veto (the in-process guardrail gets no plan costs). Used to
tune the planner and, through `run_actor_episodes`, to collect what the distillations learn from
(mode 1: the planner's choices; the search heads: the latents it met).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import numpy as np
import torch

from lecun_agent.actor.actor import Actor
from lecun_agent.actor.result import PlanResult
from lecun_agent.body.readings import quat_to_rpy
from lecun_agent.body.robot_model import load_robot_model
from lecun_agent.configurator.goal_homing import GoalHoming, HomingSettings
from lecun_agent.configurator.look_around import LookAround, LookAroundSettings
from lecun_agent.episodes.in_process import Agent, GoalEpisode, Observation, run_goal_episode
from lecun_agent.perception.goal_marker import CameraMount, MarkerSettings, sight_marker

log = logging.getLogger(__name__)
OnPlan = Callable[[Observation, torch.Tensor, PlanResult], None]  # (obs, latent, result) of a tick


def actor_agent(actor: Actor, on_plan: OnPlan | None = None, homing: bool = True, look_around: bool = True
                ) -> Agent:
    """An Agent for run_goal_episode. `on_plan(obs, latent, result)` sees every tick's plan (logging,
    distillation data). Call `actor.reset()` between episodes (a new goal forgets the warm start).
    `homing`: walk to the goal moved onto the goal marker the camera sees, and look around for the marker
    near a goal where it was not seen, as the configurator does for actor_node (with its default settings);
    False: to the goal sent, by odometry alone. `look_around` False: home, but never look around."""
    last = np.zeros(3)
    mount, marker = CameraMount.from_model(load_robot_model()), MarkerSettings()
    goal_homing = GoalHoming(HomingSettings()) if homing else None
    looker = LookAround(LookAroundSettings(enabled=look_around, unseen_too=True))  # goal episodes mark their goal

    @torch.no_grad()
    def act(obs: Observation) -> np.ndarray:
        nonlocal last
        if obs.t == 0.0:
            actor.reset()
            last = np.zeros(3)
            if goal_homing is not None:
                goal_homing.reset(obs.goal)
                looker.reset()
        goal, look_at = obs.goal, None
        if goal_homing is not None:
            roll, pitch, _ = quat_to_rpy(obs.readings.imu_quat)
            seen = sight_marker(obs.camera, mount, marker, roll, pitch)
            if seen is not None:
                goal_homing.see(seen, obs.odom[:3])
            goal = goal_homing.goal
            if looker.update(obs.t, obs.odom[:2], goal_homing) is not None:
                goal, look_at = looker.viewpoint, looker.look_at(obs.t)
        latent = actor.model.encode(torch.from_numpy(obs.camera.copy())[None],
                                    torch.from_numpy(obs.proprio)[None])[0]
        seed = actor.planner.cfg.seed + int(round(obs.t * 1000))  # as actor_node: the tick's stamp
        result = actor.act(latent, tuple(float(v) for v in obs.odom[:3]), goal, last, seed,
                           body_contacts=obs.touches, stamp=obs.t, look_at=look_at)
        if on_plan is not None:
            on_plan(obs, latent, result)
        last = result.actions[0].numpy().astype(float)
        return last

    return act


def run_actor_episodes(actor: Actor, seeds: Sequence[int], on_plan: OnPlan, max_seconds: float = float("inf")) -> dict:
    """The actor on each seed's goal episode (up to max_seconds of it), `on_plan` seeing every tick ->
    {"episodes", "planner_success_rate", "collect_wall_s"}. What the distillations learn from."""
    agent = actor_agent(actor, on_plan)
    episode, successes, start = GoalEpisode(), 0, time.perf_counter()
    try:
        for seed in seeds:
            run = run_goal_episode(agent, seed, episode, max_seconds)
            successes += bool(run.metrics["success"])
            log.info("seed %d: %s after %.1f s", seed, run.metrics["ended_by"], run.metrics["sim_seconds"])
    finally:
        episode.close()
    return {"episodes": len(seeds), "planner_success_rate": successes / max(len(seeds), 1),
            "collect_wall_s": round(time.perf_counter() - start, 1)}
