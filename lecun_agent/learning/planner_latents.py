"""Fit a search model on the latents the planner meets: run it on seeded goal episodes, keep the latent of
every tick, fit on rollouts from them (the search heads, actor/feature_heads.py; the search dynamics,
actor/search_dynamics.py).

    net, info = fit_on_planner_latents(actor, seeds, partial(distill_feature_heads, hidden=128))

The planner collecting the latents should search with the world model's own heads and member 0
(`heads_file`, `dynamics_file` "none"), so the result does not depend on earlier search models. Use
seeds the evaluation does not (eval runs 0-19).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import torch
from torch import nn

from lecun_agent.actor.actor import Actor
from lecun_agent.episodes.actor_agent import run_actor_episodes

# fit(world model, latents (M, D), action_low, action_high, horizon=H) -> (net, info)
Fit = Callable[..., tuple[nn.Sequential, dict]]


def collect_latents(actor: Actor, seeds: Sequence[int], max_seconds: float = float("inf")
                    ) -> tuple[torch.Tensor, dict]:
    """The latent of every tick of the planner's goal episode on each seed -> ((M, D), episode stats)."""
    latents: list[torch.Tensor] = []
    stats = run_actor_episodes(actor, seeds, lambda obs, latent, result: latents.append(latent.float()), max_seconds)
    stats["seeds"] = [int(s) for s in seeds]
    return torch.stack(latents), stats


def fit_on_planner_latents(actor: Actor, seeds: Sequence[int], fit: Fit, max_seconds: float = float("inf")
                           ) -> tuple[nn.Sequential, dict]:
    """Collect the planner's latents on `seeds`, fit on them at the planner's horizon -> (net, info for the file)."""
    latents, info = collect_latents(actor, seeds, max_seconds)
    cfg = actor.planner.cfg
    start = time.perf_counter()
    net, fitted = fit(actor.model, latents, cfg.action_low, cfg.action_high, horizon=cfg.horizon)
    fitted["fit_wall_s"] = round(time.perf_counter() - start, 1)
    return net, {**info, **fitted}
