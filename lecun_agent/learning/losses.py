"""The world model's training objective on one batch of windows; a pure function, testable alone.

Terms (weights in WorldModelConfig):
- consistency: every ensemble member predicts the next latent from the open-loop rollout state;
  targets are the same encoder's embeddings of the future frames under stop-gradient
  (JEPA: predict embeddings, never pixels);
- VICReg variance + covariance on the encoded batch: the anti-collapse term;
- heads: cost-core features from encoded and from predicted latents (grounds the latent), each
  feature weighted equally whatever its width;
- planning head, on encoded, predicted and target latents: contact (BCE against the measured
  non-foot contact force of each step), the raw pain / energy / force terms (normalised MSE), and
  the twist integrated over the predicted steps against the measured twist integrated the same
  way (displacement, in units of 10 cm and 0.1 rad);
- critic: n-step discounted intrinsic cost, bootstrapped from the window's last latent.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lecun_agent.world_model.config import TERM_HEADS
from lecun_agent.world_model.model import TWIST, WorldModel


def bootstrap_weights(members: int, batch: int, keep: float, device=None) -> torch.Tensor:
    """(K, B) 0/1 weights: each member trains on its own random share `keep` of the windows
    (at least one each); keep >= 1 gives every member the whole batch."""
    if keep >= 1.0:
        return torch.ones(members, batch, device=device)
    w = (torch.rand(members, batch, device=device) < keep).float()
    w[:, 0] = torch.where(w.sum(1) == 0, 1.0, w[:, 0])
    return w


def vicreg_terms(s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """s (B, D) -> (variance hinge, off-diagonal covariance penalty / D)."""
    s = s - s.mean(0)
    std = torch.sqrt(s.var(0) + 1e-4)
    var_loss = F.relu(1.0 - std).mean()
    cov = (s.T @ s) / max(s.shape[0] - 1, 1)
    off = cov - torch.diag(torch.diag(cov))
    return var_loss, off.pow(2).sum() / s.shape[1]


def normalised_features(model: WorldModel, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """batch feat_<name> (B, T[, w]) -> (B, T, F) in the heads' normalised units."""
    feats = {n: batch[f"feat_{n}"] for n in model.cfg.head_features}
    return (model.flatten_features(feats) - model.feature_mean) / model.feature_std


def world_model_loss(
    model: WorldModel, batch: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, dict[str, float]]:
    """batch from WindowSampler (H+1 steps) -> (scalar loss, {term: value})."""
    cfg = model.cfg
    images, proprio, actions = batch["images"], batch["proprio"], batch["actions"]
    horizon = actions.shape[1]

    # 1. Encode: s_t with gradient, future targets without (stop-gradient).
    s0 = model.encode(images[:, 0], proprio[:, 0])  # (B, D)
    with torch.no_grad():
        targets = model.encode(images[:, 1:], proprio[:, 1:])  # (B, H, D)

    # 2. Open-loop rollout; each member is scored from the shared (mean) rollout state, on its own
    # bootstrap resample of the batch, so members disagree where data is thin (the uncertainty).
    keep = bootstrap_weights(cfg.ensemble, s0.shape[0], cfg.bootstrap, s0.device)  # (K, B)
    s, preds, consistency, weight_sum = s0, [], s0.new_zeros(()), 0.0
    for h in range(horizon):
        members = model.next_ensemble(s, actions[:, h])  # (K, B, D)
        w = cfg.rho**h
        per_window = (members - targets[:, h]).pow(2).mean(-1)  # (K, B)
        consistency = consistency + w * ((per_window * keep).sum(1) / keep.sum(1)).mean()
        weight_sum += w
        s = members.mean(0)
        preds.append(s)
    consistency = consistency / weight_sum
    preds = torch.stack(preds, dim=1)  # (B, H, D)

    # 3. Anti-collapse on the encoded batch.
    var_loss, cov_loss = vicreg_terms(s0)

    # 4. Heads on s_t, on predictions and on the (detached) targets.
    fn = normalised_features(model, batch)  # (B, H+1, F)
    heads = (
        head_loss(model, model.heads_normalised(s0), fn[:, 0])
        + head_loss(model, model.heads_normalised(preds), fn[:, 1:])
        + head_loss(model, model.heads_normalised(targets), fn[:, 1:])
    ) / 3.0

    # 5. Planning head: contact, cost terms, displacement.
    contact, terms, disp = plan_losses(model, s0, preds, targets, batch)

    # 6. Critic: n-step return of the recorded cost, bootstrapped with the last target latent.
    critic = critic_loss(model, s0.detach(), targets[:, -1], batch["cost"])

    loss = (
        cfg.w_consistency * consistency
        + cfg.w_var * var_loss
        + cfg.w_cov * cov_loss
        + cfg.w_heads * heads
        + cfg.w_critic * critic
        + cfg.w_contact * contact
        + cfg.w_terms * terms
        + cfg.w_displacement * disp
    )
    parts = {
        "consistency": consistency,
        "var": var_loss,
        "cov": cov_loss,
        "heads": heads,
        "critic": critic,
        "contact": contact,
        "terms": terms,
        "displacement": disp,
    }
    return loss, {"loss": float(loss.detach()), **{k: float(v.detach()) for k, v in parts.items()}}


DISP_UNIT_M, YAW_UNIT_RAD = 0.1, 0.1  # displacement loss units


def plan_losses(
    model: WorldModel,
    s0: torch.Tensor,
    preds: torch.Tensor,
    targets: torch.Tensor,
    batch: dict[str, torch.Tensor],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """s0 (B, D), preds and targets (B, H, D) -> (contact BCE, term MSE, displacement loss).

    Contact and terms are fitted on all three kinds of latent (so the encoder learns what predicts
    them and the heads read predicted latents as well as encoded ones); displacement integrates the
    predicted latents' twist over the window, as a planner does.
    """
    cfg = model.cfg
    label = (batch["contact_max"] > cfg.contact_n).float()  # (B, H+1)
    true_terms = torch.stack([batch[f"term_{n}"] for n in TERM_HEADS], -1)  # (B, H+1, T)
    true_terms = (true_terms - model.term_mean) / model.term_std
    contact, terms = s0.new_zeros(()), s0.new_zeros(())
    for lat, steps in ((s0[:, None], slice(0, 1)), (preds, slice(1, None)), (targets, slice(1, None))):
        _, logit, pred_terms = model._plan_raw(lat)
        contact = contact + F.binary_cross_entropy_with_logits(logit, label[:, steps]) / 3.0
        terms = terms + (pred_terms - true_terms[:, steps]).pow(2).mean() / 3.0
    twist = model.plan_heads(preds)[TWIST]  # (B, H, 3) physical units
    pose = model.integrate(twist)
    true_pose = model.integrate(batch[f"feat_{TWIST}"][:, 1:])
    err = (pose - true_pose) / torch.tensor([DISP_UNIT_M, DISP_UNIT_M, YAW_UNIT_RAD])
    return contact, terms, err.pow(2).sum(-1).mean()


def head_loss(model: WorldModel, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Normalised head MSE with every feature counted once, however wide it is.

    pred, target (..., F). A plain MSE over the F columns would give the 36 joint columns (whose
    10 Hz samples of the trot are mostly gait-phase detail) 36/46 of the weight and base velocity
    and tilt, which the planner lives on, 4/46.
    """
    per_column = (pred - target).pow(2).reshape(-1, pred.shape[-1]).mean(0)  # (F,)
    widths = list(model.cfg.head_features.values())
    return torch.stack([c.mean() for c in per_column.split(widths)]).mean()


def critic_loss(
    model: WorldModel, s0: torch.Tensor, s_last: torch.Tensor, cost: torch.Tensor
) -> torch.Tensor:
    """s0, s_last (B, D); cost (B, H+1) -> critic regression loss in units of cost_scale/(1-gamma)."""
    gamma, horizon = model.cfg.discount, cost.shape[1] - 1
    disc = gamma ** torch.arange(horizon, dtype=cost.dtype)
    with torch.no_grad():
        target = (cost[:, :horizon] * disc).sum(1) + gamma**horizon * model.critic(s_last)
    unit = model.cost_scale / (1.0 - gamma)
    return F.mse_loss(model.critic(s0) / unit, target / unit)

