"""Distil the planner's search heads: run the planner on seeded goal episodes, keep the latents it
met, fit the heads on rollouts from them (actor/feature_heads.py).

    latents, stats = collect_latents(actor, seeds)
    heads, info = distill_planning_heads(actor, seeds)   # both; save with save_feature_heads

The planner collecting the latents scores with the world model's own heads, so the result does not
depend on earlier search heads. Use seeds the evaluation does not (eval runs 0-19).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import torch
from torch import nn

from lecun_agent.actor.actor import Actor
from lecun_agent.actor.feature_heads import distill_feature_heads
from lecun_agent.episodes.actor_agent import run_actor_episodes


def collect_latents(actor: Actor, seeds: Sequence[int], max_seconds: float = float("inf")
                    ) -> tuple[torch.Tensor, dict]:
    """The latent of every tick of the planner's goal episode on each seed -> ((M, D), episode stats)."""
    latents: list[torch.Tensor] = []
    stats = run_actor_episodes(actor, seeds, lambda obs, latent, result: latents.append(latent.float()), max_seconds)
    stats["seeds"] = [int(s) for s in seeds]
    return torch.stack(latents), stats


def distill_planning_heads(actor: Actor, seeds: Sequence[int], hidden: int = 128, steps: int = 12000,
                           max_seconds: float = float("inf")) -> tuple[nn.Sequential, dict]:
    """Collect the planner's latents on `seeds`, fit search heads on them -> (heads, info for the file)."""
    latents, info = collect_latents(actor, seeds, max_seconds)
    cfg = actor.planner.cfg
    start = time.perf_counter()
    heads, fit = distill_feature_heads(actor.model, latents, cfg.action_low, cfg.action_high, hidden=hidden,
                                       steps=steps, horizon=cfg.horizon)
    fit["fit_wall_s"] = round(time.perf_counter() - start, 1)
    return heads, {**info, **fit}
