"""The actor as an in-process agent: encode the tick's camera and proprioception, then `Actor.act`.

The same encoder call as perception_node and the same `Actor.act` as actor_node, so an in-process
goal episode (in_process.py) plans like the ROS stack does (the rate limit starts from the previous
proposal there too), minus the plan veto (the in-process guardrail gets no plan costs). Used to
tune the planner and to collect mode-2 plans for distilling mode 1.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from lecun_agent.actor.actor import Actor
from lecun_agent.actor.result import PlanResult
from lecun_agent.episodes.in_process import Agent, Observation


def actor_agent(actor: Actor, on_plan: Callable[[Observation, torch.Tensor, PlanResult], None] | None = None
                ) -> Agent:
    """An Agent for run_goal_episode. `on_plan(obs, latent, result)` sees every tick's plan (logging,
    distillation data). Call `actor.reset()` between episodes (a new goal forgets the warm start)."""
    last = np.zeros(3)

    @torch.no_grad()
    def act(obs: Observation) -> np.ndarray:
        nonlocal last
        if obs.t == 0.0:
            actor.reset()
            last = np.zeros(3)
        latent = actor.model.encode(torch.from_numpy(obs.camera.copy())[None],
                                    torch.from_numpy(obs.proprio)[None])[0]
        seed = actor.planner.cfg.seed + int(round(obs.t * 1000))  # as actor_node: the tick's stamp
        result = actor.act(latent, tuple(float(v) for v in obs.odom[:3]), obs.goal, last, seed,
                           body_contacts=obs.readings.body_contacts)
        if on_plan is not None:
            on_plan(obs, latent, result)
        last = result.actions[0].numpy().astype(float)
        return last

    return act
