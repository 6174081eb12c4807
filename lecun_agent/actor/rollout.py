"""Batched open-loop rollouts of N action sequences through a PlanningModel.

One Python loop over the horizon; all samples (and ensemble members) move in one batch per step.
The cost heads run once on all (N * H) predicted latents after the loop, in one large matmul
(`head_stride` > 1: the wide feature heads only on every head_stride-th step and the last,
interpolated between; PlanningModel.features). `exact`: the world model's own heads, not a stand-in
the model searches with.

Modes:
  fast     `model.step` for every sample: the cheap planning path.
  mean     the ensemble mean from `step_members`, and its spread (mean member std of s) per step:
           what the uncertainty penalty reads (K times the dynamics of `fast` with one member).
  members  every member rolled out on its own (K * N rows, K times everything); the planner
           averages the plan cost over members.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from lecun_agent.actor.planning_model import PlanningModel
from lecun_agent.cost.features import Features

MODES = ("fast", "mean", "members")


@dataclass
class Rollout:
    feats: Features  # name -> (R, H, ...) with R = N, or K * N in "members" mode (member-major)
    value: torch.Tensor  # (R,) critic at the horizon
    spread: torch.Tensor | None  # (R, H), "mean" mode only
    members: int  # rows per sample: K in "members" mode, else 1


def _step(model: PlanningModel, mode: str, s: torch.Tensor, a: torch.Tensor):
    """One model step -> (next state, the members' states (K, N, D) in "mean" mode, else None)."""
    if mode == "fast":
        return model.step(s, a), None
    if mode == "mean":
        m = model.step_members(s, a)  # (K, N, D)
        return m.mean(0), m
    return model.step_members(s, a), None  # members: s is (K, N, D)


@torch.no_grad()
def rollout(
    model: PlanningModel,
    s0: torch.Tensor,  # (D,) or (N, D)
    actions: torch.Tensor,  # (N, H, A)
    mode: str = "fast",
    tick: Callable[[], None] | None = None,  # called once per step; raises to abort (deadline)
    head_stride: int = 1,
    exact: bool = False,
) -> Rollout:
    if mode not in MODES:
        raise ValueError(f"rollout mode must be one of {MODES}, got {mode!r}")
    n, horizon, _ = actions.shape
    k_rows = model.members if mode == "members" else 1
    s = s0.expand(n, -1) if s0.dim() == 1 else s0  # (N, D)
    if mode == "members":
        s = s.expand(k_rows, n, -1)  # (K, N, D)
    latents, members = [], []
    for h in range(horizon):
        s, m = _step(model, mode, s, actions[:, h])
        latents.append(s)
        if m is not None:
            members.append(m)
        if tick is not None:
            tick()
    lat = torch.stack(latents, dim=-2)  # (N, H, D) or (K, N, H, D)
    spread = None
    if members:  # mean member std per step, (N, H); by hand: torch's std over a short axis is ~20x slower
        m = torch.stack(members, dim=-2)  # (K, N, H, D)
        spread = ((m - lat) ** 2).mean(0).sqrt().mean(-1)
    feats = model.features(lat, every=head_stride, exact=exact)
    last = s
    if mode == "members":  # (K, N, H, ...) -> (K * N, H, ...)
        feats = {name: f.flatten(0, 1) for name, f in feats.items()}
        last = last.flatten(0, 1)
    return Rollout(feats, model.critic(last), spread, k_rows)

