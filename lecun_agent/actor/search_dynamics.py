"""Search dynamics: a ReLU MLP distilled from member 0's dynamics, the step every sampled plan takes.

The planner rolls all N samples H steps through one ensemble member (the `member` paths). Member 0 is
an MLP with a LayerNorm and a SiLU after each hidden layer; at 512 rows and 128 units those elementwise
passes cost more than its matmuls. The stand-in has the same job and no LayerNorm: s' = s + net([s,
a / action_scale]), a plain MLP whose input standardisation and output scale are folded into its
first and last layers. The samples search with it; the final check (the mean and the elites, whose
predictions the guardrail reads) still runs the whole ensemble (PlanningModel.step_members).

It is trained on member 0's own open-loop rollouts from latents the planner met on goal episodes,
under action sequences sampled the way the planner samples them: the squared error of the rolled-out
latents (in units of each latent dimension's spread) plus that of the world model's heads on them
(feature heads, twist) and a cross-entropy against member 0's contact probability, since the search
ranks samples by what the heads make of the states it predicts.

    net, info = distill_search_dynamics(model, latents, action_low, action_high)
    save_search_dynamics(path, net, model, info); load_search_dynamics(path, model)
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
from lecun_agent.actor.sampling import ActionSpace
from lecun_agent.actor.tied_file import load_tied, save_tied
from lecun_agent.world_model.model import WorldModel

DYNAMICS_FILE = "planning_dynamics.pt"  # the default name beside a checkpoint, where the actor looks for it
FORMAT = 1
CONTACT_WEIGHT = 4.0  # the contact cross-entropy's weight, as for the search heads (feature_heads.py)


def dynamics_net(model: WorldModel, hidden: int) -> nn.Sequential:
    """(D + A) -> D residual, two hidden layers of `hidden` units with ReLU."""
    return relu_mlp(model.cfg.latent_dim + model.cfg.action_dim, hidden, model.cfg.latent_dim)


def describe(net: nn.Sequential | None) -> str:
    """What a planner rolls its samples out with, for logs, diagnostics and benchmark rows."""
    return "member 0" if net is None else f"search dynamics, hidden {net[0].out_features}"


def distill_search_dynamics(
    model: WorldModel, latents: torch.Tensor, action_low, action_high, hidden: int = 128, steps: int = 12000,
    batch: int = 128, horizon: int = 16, noise_std: float = 0.4, lr: float = 2e-3, seed: int = 0,
) -> tuple[nn.Sequential, dict]:
    """Fit the stand-in to member 0's rollouts from `latents` (M, D); a tenth is held out -> (net, info with
    the held-out rms error per step, in latent spreads, against member 0, beside member 1's for scale)."""
    model = model.eval().requires_grad_(False)
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    held = held_out(latents, model.cfg.latent_dim, gen)
    space = ActionSpace(tuple(action_low), tuple(action_high))
    train = latents[~held]
    mean, std = train.mean(0), train.std(0).clamp(min=1e-6)
    net = dynamics_net(model, hidden)
    with torch.no_grad():  # start near "no change"
        net[-1].weight.mul_(0.1)
        net[-1].bias.zero_()

    def rollout(s: torch.Tensor, u: torch.Tensor) -> torch.Tensor:  # the net in standardised units
        out = []
        for h in range(u.shape[1]):
            s = s + net(torch.cat([(s - mean) / std, u[:, h] / model.action_scale], -1)) * std
            out.append(s)
        return torch.stack(out, 1)

    def batch_loss() -> torch.Tensor:
        s0 = train[torch.randint(0, train.shape[0], (batch,), generator=gen)]
        u = sample_actions(space, batch, horizon, noise_std, gen)
        target = member_rollout(model, s0, u)
        with torch.no_grad():
            target_out = search_outputs(model, target)
        pred = rollout(s0, u)
        out = search_outputs(model, pred)
        loss = (((pred - target) / std) ** 2).mean() + ((out[..., :-1] - target_out[..., :-1]) ** 2).mean()
        return loss + CONTACT_WEIGHT * nn.functional.binary_cross_entropy_with_logits(
            out[..., -1], torch.sigmoid(target_out[..., -1]))

    losses = fit(net, batch_loss, steps, lr, clip=10.0)
    net = _fold_scaling(net, mean, std).eval().requires_grad_(False)
    info = {"format": FORMAT, "hidden": hidden, "steps": steps, "latents": int(latents.shape[0]),
            "held_out": int(held.sum()), "final_loss": float(sum(losses[-100:]) / len(losses[-100:])),
            **_held_out(model, net, latents[held], std, space, horizon, noise_std, seed)}
    return net, info


def _fold_scaling(net: nn.Sequential, mean: torch.Tensor, std: torch.Tensor) -> nn.Sequential:
    """net([(s - mean) / std, a]) * std as one plain MLP on [s, a]: free at run time."""
    last = fold_input_scaling(net, mean, std)[-1]
    with torch.no_grad():
        last.weight.mul_(std[:, None])
        last.bias.mul_(std)
    return net


@torch.no_grad()
def _held_out(model, net, starts, std, space, horizon, noise_std, seed) -> dict:
    u = sample_actions(space, starts.shape[0], horizon, noise_std, torch.Generator().manual_seed(seed + 1))
    target = member_rollout(model, starts, u)
    s, pred = starts, []
    for h in range(horizon):
        s = s + net(torch.cat([s, u[:, h] / model.action_scale], -1))
        pred.append(s)
    pred = torch.stack(pred, 1)

    def rms(a: torch.Tensor) -> list[float]:
        return [round(float(e), 3) for e in (((a - target) / std) ** 2).mean((0, 2)).sqrt()]

    other = {"heldout_member1_rms_by_step": rms(member_rollout(model, starts, u, 1))} if model.cfg.ensemble > 1 else {}
    return {"heldout_rms_by_step": rms(pred), **other,
            "heldout_contact_agreement": contact_agreement(search_outputs(model, target)[..., -1],
                                                           search_outputs(model, pred)[..., -1])}


def save_search_dynamics(path, net: nn.Sequential, model: WorldModel, info: dict) -> None:
    """Write the net, its width and the world model's fingerprint."""
    save_tied(path, {"format": FORMAT, "state_dict": net.state_dict(), "hidden": info["hidden"], "info": info},
              model)


def load_search_dynamics(path, model: WorldModel) -> nn.Sequential:
    """The net at `path`; ValueError when it was distilled from another world model or by other code."""
    blob = load_tied(path, model, "lecun-agent distill-dynamics", "search dynamics", FORMAT)
    net = dynamics_net(model, int(blob["hidden"]))
    net.load_state_dict(blob["state_dict"])
    return net.eval().requires_grad_(False)
