"""Distil mode 1 from mode 2: run the planner on seeded goal episodes, clone its first actions.

    inputs, actions = collect_plans(actor, seeds)      # one (policy input, planner's first action) per tick
    policy, info = distill_mode1(actor, seeds)          # + behaviour cloning; save with save_policy

The episodes are the in-process goal episodes (episodes/in_process.py) with the actor planning as
actor_node does (episodes/actor_agent.py). Use seeds the evaluation does not (eval runs 0-19): the
default distillation seeds (`lecun-agent distill`) start at 1000.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from lecun_agent.actor.actor import Actor
from lecun_agent.actor.policy import Mode1Policy, PolicyConfig, distill_policy, policy_inputs
from lecun_agent.episodes.actor_agent import run_actor_episodes


def collect_plans(actor: Actor, seeds: Sequence[int], cfg: PolicyConfig, max_seconds: float = float("inf")
                  ) -> tuple[torch.Tensor, torch.Tensor, dict]:
    """Mode 2 on each seed's goal episode (up to max_seconds of it) -> (policy inputs (M, I), first actions
    (M, A), episode stats)."""
    inputs, actions, last = [], [], {"a": None}

    def on_plan(obs, latent, result) -> None:
        pose = torch.tensor(obs.odom[:3], dtype=torch.float32)[None]
        goal = torch.tensor(obs.goal, dtype=torch.float32)[None]
        prev = None if obs.t == 0.0 or last["a"] is None else last["a"][None]
        inputs.append(policy_inputs(latent[None].float(), pose, goal, prev, cfg)[0])
        actions.append(result.actions[0].float())
        last["a"] = result.actions[0].float()

    stats = run_actor_episodes(actor, seeds, on_plan, max_seconds)
    stats["pairs"] = len(actions)
    return torch.stack(inputs), torch.stack(actions), stats


def distill_mode1(actor: Actor, seeds: Sequence[int], steps: int = 3000, seed: int = 0,
                  max_seconds: float = float("inf")) -> tuple[Mode1Policy, dict]:
    """Collect the planner's choices on `seeds` and clone them; -> (policy, info for the policy file)."""
    cfg = PolicyConfig(latent_dim=actor.model.cfg.latent_dim, action_low=actor.planner.cfg.action_low,
                       action_high=actor.planner.cfg.action_high)
    inputs, actions, info = collect_plans(actor, seeds, cfg, max_seconds)
    torch.manual_seed(seed)
    policy = Mode1Policy(cfg)
    n = inputs.shape[0]
    held = torch.zeros(n, dtype=torch.bool)
    held[torch.randperm(n, generator=torch.Generator().manual_seed(seed))[: max(1, n // 10)]] = True
    losses = distill_policy(policy, inputs[~held], actions[~held], steps=steps, seed=seed)
    with torch.no_grad():
        held_mse = float((policy(inputs[held]) - policy.to_box(actions[held]).clamp(-1, 1)).pow(2).mean())
    info.update(steps=steps, train_mse_box=float(np.mean(losses[-100:])), heldout_mse_box=held_mse,
                seeds=[int(s) for s in seeds])
    return policy, info
