"""What the distillations of the search models share (actor/feature_heads.py, actor/search_dynamics.py): the
nets' shape, the held-out split, action sequences sampled the way the planner samples them, member rollouts
under them, what the search reads from a state, the fitting loop and the folding of the input scaling.

The distilled "student" planning model that lived here (its own dynamics and heads, LayerNorm and SiLU,
the `student` planning paths) was removed on 2026-12-05: the search heads and the search dynamics took
its place (docs/actor.md).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from lecun_agent.actor.planning_model import PLAN_OUTPUTS
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


def held_out(latents: torch.Tensor, latent_dim: int, gen: torch.Generator) -> torch.Tensor:
    """(M,) bool: a random tenth of `latents` (M, D) to hold out; ValueError unless there are 10 of size D."""
    if latents.dim() != 2 or latents.shape[1] != latent_dim or latents.shape[0] < 10:
        raise ValueError(f"need at least 10 latents of size {latent_dim}, got {tuple(latents.shape)}")
    held = torch.zeros(latents.shape[0], dtype=torch.bool)
    held[torch.randperm(latents.shape[0], generator=gen)[: latents.shape[0] // 10]] = True
    return held


def search_outputs(model, s: torch.Tensor) -> torch.Tensor:
    """What the search reads from states s (..., D): [the feature heads' outputs (normalised) | the twist (3) |
    the contact logit], the last four the planning head's."""
    return torch.cat([model.heads(s), model.plan(s)[..., :PLAN_OUTPUTS]], -1)


def contact_agreement(logit: torch.Tensor, other: torch.Tensor) -> float:
    """How often two contact logits agree about a contact (probability above one half)."""
    return round(float(((torch.sigmoid(logit) > 0.5) == (torch.sigmoid(other) > 0.5)).float().mean()), 4)


def fit(net: nn.Module, batch_loss: Callable[[], torch.Tensor], steps: int, lr: float,
        clip: float | None = None) -> list[float]:
    """Adam with a cosine schedule on `batch_loss()` (a fresh batch each call), gradients clipped to `clip`
    when given -> the losses."""
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    losses = []
    for _ in range(steps):
        loss = batch_loss()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(net.parameters(), clip)
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses


def fold_input_scaling(net: nn.Sequential, mean: torch.Tensor, std: torch.Tensor) -> nn.Sequential:
    """net(x) with the first len(mean) inputs standardised, (x - mean) / std, as one plain MLP on x: the
    scaling folded into the first Linear, free at run time."""
    first, d = net[0], mean.shape[0]
    with torch.no_grad():
        scaled = first.weight[:, :d] / std
        first.bias.sub_(scaled @ mean)
        first.weight[:, :d] = scaled
    return net
