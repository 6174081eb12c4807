"""Search heads for planning: one small MLP distilled from the world model's feature and planning heads.

Every sampled state of every plan (N x H rows) needs the cost features: the feature heads' (tilt,
contact force, joint efforts, ...) and the planning head's (the twist, which moves the predicted
pose, and the contact logit). The world model computes them with two MLPs, a wide one and a
narrow one, each with a LayerNorm and a SiLU after every hidden layer; at 128 units those
elementwise passes cost more than the matmuls. The planner searches with one stand-in for both, a
ReLU MLP without LayerNorm (search_net), and decides with the world model's own heads: the final
check, which re-scores the mean and the elites, and the plan costs the guardrail reads use the exact
heads (PlanningModel.features, `exact`).

The stand-in's outputs are [the feature heads' outputs (every head feature but the twist, as
`model.heads`) | the twist (3) | the contact logit (1)], the last four in the planning head's own
units. It is trained on the states plans visit: member-0 rollouts (the planner's fast path) from
latents the planner met on goal episodes, under action sequences sampled the way the planner
samples them.

    heads, info = distill_feature_heads(model, latents, action_low, action_high)
    save_feature_heads(path, heads, model, info); load_feature_heads(path, model)
"""

from __future__ import annotations

import torch
from torch import nn

from lecun_agent.actor.distill import (
    contact_agreement,
    fit,
    fold_input_scaling,
    held_out,
    member_rollout,
    relu_mlp,
    sample_actions,
    search_outputs,
)
from lecun_agent.actor.planning_model import PLAN_OUTPUTS
from lecun_agent.actor.sampling import ActionSpace
from lecun_agent.actor.tied_file import load_tied, save_tied
from lecun_agent.world_model.model import TWIST, WorldModel

HEADS_FILE = "planning_heads.pt"  # the default name beside a checkpoint, where the actor looks for it
FORMAT = 2  # 1 (no "format" key): the feature heads only, with LayerNorm and SiLU
# Weight of the contact cross-entropy against the features' and the twist's squared errors; 16 fitted the
# contact probability closer and touched more on 80 in-process seeds (docs/actor.md, "Search heads").
CONTACT_WEIGHT = 4.0


def feature_groups(model: WorldModel) -> list[tuple[str, int]]:
    """(name, width) of the feature heads' outputs, in order (every head feature but the twist)."""
    return [(name, width) for name, width in model.cfg.head_features.items() if name != TWIST]


def feature_width(model: WorldModel) -> int:
    return sum(w for _, w in feature_groups(model))


def describe(heads: nn.Sequential | None) -> str:
    """What a planner scores its samples with, for logs, diagnostics and benchmark rows."""
    if heads is None:
        return "world model"
    return f"search heads, hidden {heads[0].out_features}"


def search_net(latent_dim: int, hidden: int, outputs: int) -> nn.Sequential:
    """The stand-in's shape: two hidden layers of `hidden` units with ReLU and no LayerNorm. Its inputs are
    standardised by its first layer (`distill.fold_input_scaling`), which is what the LayerNorm did for it; with
    the world model's LayerNorm and SiLU the same net fitted better (held-out R^2 0.94 against 0.90 for the
    contact force) and planned no better, and ran twice as long (docs/actor.md, "Search heads")."""
    return relu_mlp(latent_dim, hidden, outputs)


def distill_feature_heads(
    model: WorldModel, latents: torch.Tensor, action_low, action_high, hidden: int = 128, steps: int = 12000,
    batch: int = 128, horizon: int = 16, noise_std: float = 0.4, lr: float = 2e-3, seed: int = 0,
) -> tuple[nn.Sequential, dict]:
    """Fit the stand-in to model.heads and the twist and contact logit of model.plan on member-0 rollouts
    from `latents` (M, D); a tenth of the latents is held out -> (heads, info with the held-out R^2 per
    feature, the twist's, and how often the contact probability agrees about a contact)."""
    model = model.eval()
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    held = held_out(latents, model.cfg.latent_dim, gen)
    space = ActionSpace(tuple(action_low), tuple(action_high))
    groups, width = feature_groups(model), feature_width(model)
    col_w = torch.tensor([1.0 / (w * len(groups)) for _, w in groups for _ in range(w)])  # each feature alike
    train = latents[~held]
    mean, std = train.mean(0), train.std(0).clamp(min=1e-6)
    net = search_net(model.cfg.latent_dim, hidden, width + PLAN_OUTPUTS)

    def batch_loss() -> torch.Tensor:
        x = _visited(model, train[torch.randint(0, train.shape[0], (batch,), generator=gen)], space, horizon,
                     noise_std, gen)
        features, twist, logit = _targets(model, x)
        out = net((x - mean) / std)
        loss = (((out[..., :width] - features) ** 2) * col_w).sum(-1).mean()
        loss = loss + ((out[..., width : width + 3] - twist) ** 2).mean()
        contact = nn.functional.binary_cross_entropy_with_logits(out[..., -1], torch.sigmoid(logit))
        return loss + CONTACT_WEIGHT * contact

    losses = fit(net, batch_loss, steps, lr)
    heads = fold_input_scaling(net, mean, std).eval().requires_grad_(False)
    with torch.no_grad():
        x = _visited(model, latents[held], space, horizon, noise_std, torch.Generator().manual_seed(seed + 1))
        features, twist, logit = _targets(model, x)
        pred = heads(x)
        r2 = _r2(pred[..., :width], features)
        p_true, p_pred = torch.sigmoid(logit), torch.sigmoid(pred[..., -1])
    info, i = {"format": FORMAT, "hidden": hidden, "steps": steps,
               "latents": int(latents.shape[0]), "held_out": int(held.sum()),
               "final_loss": float(sum(losses[-100:]) / len(losses[-100:])), "heldout_r2": {}}, 0
    for name, w in groups:
        info["heldout_r2"][name] = round(float(r2[i : i + w].mean()), 4)
        i += w
    info["heldout_r2"][TWIST] = round(float(_r2(pred[..., width : width + 3], twist).mean()), 4)
    info["heldout_contact_agreement"] = contact_agreement(logit, pred[..., -1])
    info["heldout_contact_prob_mae"] = round(float((p_true - p_pred).abs().mean()), 5)
    return heads, info


def _targets(model: WorldModel, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """What the stand-in learns at states x: the feature heads' outputs, the twist and the contact logit."""
    with torch.no_grad():
        out = search_outputs(model, x)
        return out[..., :-PLAN_OUTPUTS], out[..., -PLAN_OUTPUTS:-1], out[..., -1]


def _r2(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per output column, over every leading axis."""
    lead = tuple(range(pred.dim() - 1))
    return 1.0 - ((pred - target) ** 2).mean(lead) / target.var(lead).clamp(min=1e-12)


@torch.no_grad()
def _visited(model: WorldModel, starts: torch.Tensor, space: ActionSpace, horizon: int, noise_std: float,
             gen: torch.Generator) -> torch.Tensor:
    """(B, horizon + 1, D): the starts and member 0's open-loop rollout from them under planner-like commands."""
    u = sample_actions(space, starts.shape[0], horizon, noise_std, gen)
    return torch.cat([starts[:, None], member_rollout(model, starts, u)], 1)


def save_feature_heads(path, heads: nn.Sequential, model: WorldModel, info: dict) -> None:
    """Write the heads, their shape and the world model's fingerprint."""
    save_tied(path, {"format": FORMAT, "state_dict": heads.state_dict(), "hidden": info["hidden"], "info": info},
              model)


def load_feature_heads(path, model: WorldModel) -> nn.Sequential:
    """The heads at `path`; ValueError when they were distilled from another world model or by an older
    version of this code (format 1: the feature heads only, no twist and contact outputs)."""
    blob = load_tied(path, model, "lecun-agent distill-heads", "search heads", FORMAT)
    heads = search_net(model.cfg.latent_dim, int(blob["hidden"]), feature_width(model) + PLAN_OUTPUTS)
    heads.load_state_dict(blob["state_dict"])
    return heads.eval().requires_grad_(False)
