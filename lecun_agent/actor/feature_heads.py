"""Narrow feature heads for planning: a small MLP distilled from the world model's feature heads.

The world model's feature heads (every cost feature but the twist: tilt, contact force, joint
efforts, ...) are an MLP as wide as the encoder's hidden layer, run on every sampled state of every
plan (N x H rows), and were most of a plan's arithmetic. The planner searches with a narrower copy
and decides with the world model's own heads: the final check, which re-scores the mean and the
elites, and the plan costs the guardrail reads use the exact heads (PlanningModel.features,
`exact`). The copy is trained on the states plans visit: member-0 rollouts (the planner's fast
path) from latents the planner met on goal episodes, under action sequences sampled the way the
planner samples them.

    heads, info = distill_feature_heads(model, latents, action_low, action_high)
    save_feature_heads(path, heads, model, info); load_feature_heads(path, model)
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from lecun_agent.actor.distill import sample_actions
from lecun_agent.actor.policy import model_fingerprint
from lecun_agent.actor.sampling import ActionSpace
from lecun_agent.world_model.layers import mlp
from lecun_agent.world_model.model import TWIST, WorldModel

HEADS_FILE = "planning_heads.pt"  # the default name beside a checkpoint, where the actor looks for it


def feature_groups(model: WorldModel) -> list[tuple[str, int]]:
    """(name, width) of the feature heads' outputs, in order (every head feature but the twist)."""
    return [(name, width) for name, width in model.cfg.head_features.items() if name != TWIST]


def describe(heads: nn.Sequential | None) -> str:
    """What a planner scores its samples with, for logs, diagnostics and benchmark rows."""
    return "world model" if heads is None else f"narrow, hidden {heads[0].out_features}"


def distill_feature_heads(
    model: WorldModel, latents: torch.Tensor, action_low, action_high, hidden: int = 128, steps: int = 6000,
    batch: int = 128, horizon: int = 16, noise_std: float = 0.4, lr: float = 2e-3, seed: int = 0,
) -> tuple[nn.Sequential, dict]:
    """Fit mlp(latent, hidden, F) to model.heads on member-0 rollouts from `latents` (M, D); a tenth of
    the latents is held out -> (heads, info with the held-out R^2 per feature)."""
    if latents.dim() != 2 or latents.shape[1] != model.cfg.latent_dim or latents.shape[0] < 10:
        raise ValueError(f"need at least 10 latents of size {model.cfg.latent_dim}, got {tuple(latents.shape)}")
    model = model.eval()
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    held = torch.zeros(latents.shape[0], dtype=torch.bool)
    held[torch.randperm(latents.shape[0], generator=gen)[: latents.shape[0] // 10]] = True
    space = ActionSpace(tuple(action_low), tuple(action_high))
    groups = feature_groups(model)
    col_w = torch.tensor([1.0 / (w * len(groups)) for _, w in groups for _ in range(w)])  # each feature alike
    heads = mlp(model.cfg.latent_dim, hidden, len(col_w))
    opt = torch.optim.Adam(heads.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    train, losses = latents[~held], []
    for _ in range(steps):
        x = _visited(model, train[torch.randint(0, train.shape[0], (batch,), generator=gen)], space, horizon,
                     noise_std, gen)
        with torch.no_grad():
            target = model.heads(x)
        loss = (((heads(x) - target) ** 2) * col_w).sum(-1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    heads = heads.eval().requires_grad_(False)
    with torch.no_grad():
        x = _visited(model, latents[held], space, horizon, noise_std, torch.Generator().manual_seed(seed + 1))
        target, pred = model.heads(x), heads(x)
        r2 = 1.0 - ((pred - target) ** 2).mean((0, 1)) / target.var((0, 1)).clamp(min=1e-12)
    info, i = {"hidden": hidden, "steps": steps, "latents": int(latents.shape[0]), "held_out": int(held.sum()),
               "final_loss": float(sum(losses[-100:]) / len(losses[-100:])), "heldout_r2": {}}, 0
    for name, width in groups:
        info["heldout_r2"][name] = round(float(r2[i : i + width].mean()), 4)
        i += width
    return heads, info


@torch.no_grad()
def _visited(model: WorldModel, starts: torch.Tensor, space: ActionSpace, horizon: int, noise_std: float,
             gen: torch.Generator) -> torch.Tensor:
    """(B, horizon + 1, D): the starts and member 0's open-loop rollout from them under planner-like commands."""
    u = sample_actions(space, starts.shape[0], horizon, noise_std, gen)
    s, out = starts, [starts]
    for h in range(horizon):
        s = model.next_member(s, u[:, h], 0)
        out.append(s)
    return torch.stack(out, 1)


def save_feature_heads(path, heads: nn.Sequential, model: WorldModel, info: dict) -> None:
    """Write the heads, their width and the world model's fingerprint (temp file + rename)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"state_dict": heads.state_dict(), "hidden": info["hidden"],
                "model_fingerprint": model_fingerprint(model), "info": info}, tmp)
    tmp.replace(path)


def load_feature_heads(path, model: WorldModel) -> nn.Sequential:
    """The heads at `path`; ValueError when they were distilled from another world model."""
    blob = torch.load(path, map_location="cpu", weights_only=True)
    expected = model_fingerprint(model)
    if abs(blob["model_fingerprint"] - expected) > 1e-6 * abs(expected):
        raise ValueError(f"{path}: distilled from a different world model; run `lecun-agent distill-heads` again")
    heads = mlp(model.cfg.latent_dim, int(blob["hidden"]), sum(w for _, w in feature_groups(model)))
    heads.load_state_dict(blob["state_dict"])
    return heads.eval().requires_grad_(False)
