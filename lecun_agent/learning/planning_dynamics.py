"""Distil the planner's search dynamics: run the planner on seeded goal episodes, keep the latents it
met, fit a stand-in for member 0's dynamics on rollouts from them (actor/search_dynamics.py).

    net, info = distill_planning_dynamics(actor, seeds)   # save with save_search_dynamics

The planner collecting the latents rolls out with member 0 and scores with the world model's own heads,
so the result does not depend on earlier search models. Use seeds the evaluation does not (eval runs 0-19).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from torch import nn

from lecun_agent.actor.actor import Actor
from lecun_agent.actor.search_dynamics import distill_search_dynamics
from lecun_agent.learning.planning_heads import collect_latents


def distill_planning_dynamics(actor: Actor, seeds: Sequence[int], hidden: int = 128, steps: int = 12000,
                              max_seconds: float = float("inf")) -> tuple[nn.Sequential, dict]:
    """Collect the planner's latents on `seeds`, fit search dynamics on them -> (net, info for the file)."""
    latents, info = collect_latents(actor, seeds, max_seconds)
    cfg = actor.planner.cfg
    start = time.perf_counter()
    net, fit = distill_search_dynamics(actor.model, latents, cfg.action_low, cfg.action_high, hidden=hidden,
                                       steps=steps, horizon=cfg.horizon)
    fit["fit_wall_s"] = round(time.perf_counter() - start, 1)
    return net, {**info, **fit}
