"""What the distillations of the search models share (actor/feature_heads.py, actor/search_dynamics.py): the
nets' shape, action sequences sampled the way the planner samples them, and member rollouts under them.

The distilled "student" planning model that lived here (its own dynamics and heads, LayerNorm and SiLU,
the `student` planning paths) was removed on 2026-12-05: the search heads and the search dynamics took
its place (docs/actor.md).
"""

from __future__ import annotations

import torch
from torch import nn

from lecun_agent.actor.sampling import ActionSpace


def relu_mlp(inp: int, hidden: int, out: int) -> nn.Sequential:
    """inp -> [Linear, ReLU] * 2 -> Linear(out): no LayerNorm, whose passes cost as much as the
    matmuls at these widths on a CPU."""
    return nn.Sequential(
        nn.Linear(inp, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, hidden), nn.ReLU(inplace=True),
        nn.Linear(hidden, out),
    )  # fmt: skip


def sample_actions(space: ActionSpace, n: int, horizon: int, noise_std: float, gen) -> torch.Tensor:
    """(n, H, A) planner-like sequences: a random constant command plus smooth noise, projected."""
    centre = space.low + (space.high - space.low) * torch.rand(n, 1, space.dim, generator=gen)
    u = centre + space.noise(n, horizon, 0.5, gen) * noise_std * space.half
    return space.project(u, centre[:, 0])


@torch.no_grad()
def member_rollout(model, s: torch.Tensor, u: torch.Tensor, member: int = 0) -> torch.Tensor:
    """s (B, D), u (B, H, A) -> (B, H, D): one ensemble member's open-loop rollout (WorldModel.next_member)."""
    out = []
    for h in range(u.shape[1]):
        s = model.next_member(s, u[:, h], member)
        out.append(s)
    return torch.stack(out, 1)
