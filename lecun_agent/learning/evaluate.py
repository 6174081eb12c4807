"""`lecun-agent eval-model` core: score a checkpoint on held-out episodes.

All latent errors are normalised by the total variance of the encoded latents on the same
episodes, so 1.0 means "as bad as predicting the mean latent" and a nearly constant latent
cannot pass. "At k steps" means: encode s_t, roll the predictor open-loop k steps with the
recorded actions, compare with the encoding of (and the true features at) step t+k.
Baselines in the same run: copy-last-latent, and linear dynamics s' = A s + B a + c fitted by
ridge regression on these same episodes (in-sample, which flatters the baseline).

What a planner needs, on the same windows and the same open-loop rollouts:
- contact ahead: ROC AUC, per horizon k, of "a body contact (measured non-foot force above the
  checkpoint's contact_n) occurs in steps t+1..t+k", scored by the largest contact probability the
  planning head gives along the predicted latents; the baseline is the checkpoint's no-camera
  classifier (proprioception and commands, fitted on the training set, `baselines.py`);
- displacement: metres between the position after k steps integrated from the predicted twist and
  the one integrated from the measured step-mean twist (the odometry); the baseline integrates
  the commanded twist; all windows and windows that hold a contact;
- cost terms: R2 of the planning head's raw pain, energy and force against the measured terms;
- uncertainty: Spearman correlation, over windows, of the ensemble spread at the last step (the
  std over members of each member's own open-loop rollout) with the model's latent error there.
Seed hygiene: the episodes' seeds must not be among the checkpoint's training seeds.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lecun_agent.cost.total import IntrinsicCost
from lecun_agent.dataset.format import SPEC_FILE, same_step
from lecun_agent.dataset.windows import EpisodeSet, load_episodes
from lecun_agent.learning.baselines import ContactBaseline, contact_labels, load_baseline
from lecun_agent.learning.seeds import check_heldout, check_heldout_recordings
from lecun_agent.learning.stats import roc_auc, spearman
from lecun_agent.world_model.checkpoint import load_checkpoint
from lecun_agent.world_model.config import TERM_HEADS
from lecun_agent.world_model.model import TWIST, WorldModel

log = logging.getLogger(__name__)
R2_QUANTITIES = {"base_velocity": "base_velocity", "tilt": "tilt", "foot_force": "foot_force"}
ACCEPT = {
    "error_ratio_10": 0.5,
    "r2_base_velocity_1": 0.9,
    "r2_base_velocity_10": 0.7,
    "contact_auc": 0.9,
    "contact_auc_margin": 0.1,
    "contact_positive_rate": 0.05,
    "displacement_ratio_contact": 0.6,
    "displacement_ratio_all": 1.0,
    "r2_cost_terms": 0.2,  # energy and force at the horizon: "clearly better than the mean"
    "uncertainty_spearman": 0.3,
}


@torch.no_grad()
def encode_all(model: WorldModel, data: EpisodeSet, batch: int = 256) -> torch.Tensor:
    """-> latents (N, D) of every step (non-finite steps get NaN rows and are never used)."""
    out = torch.full((len(data), model.cfg.latent_dim), float("nan"))
    idx = np.flatnonzero(data.finite)
    for i in range(0, len(idx), batch):
        j = idx[i : i + batch]
        out[j] = model.encode(torch.from_numpy(data.images[j]), torch.from_numpy(data.proprio[j]))
    return out


def effective_rank(latents: torch.Tensor) -> float:
    """exp(entropy of the normalised singular values) of the centred latents (Roy & Vetterli 2007)."""
    sv = torch.linalg.svdvals(latents - latents.mean(0))
    p = sv / sv.sum()
    return float(torch.exp(-(p * torch.log(p.clamp_min(1e-12))).sum()))


def fit_linear(latents: torch.Tensor, actions: torch.Tensor, pairs: np.ndarray, ridge: float = 1e-3):
    """Ridge fit of s_t+1 = [s_t, a_t, 1] W on the given (M,) start indices -> W (D+A+1, D)."""
    x = torch.cat([latents[pairs], actions[pairs], torch.ones(len(pairs), 1)], dim=1).double()
    y = latents[pairs + 1].double()
    w = torch.linalg.solve(x.T @ x + ridge * torch.eye(x.shape[1], dtype=x.dtype), x.T @ y)
    return w.float()


def r2(pred: torch.Tensor, true: torch.Tensor, mean: torch.Tensor) -> float:
    """1 - SSE / SS about the training mean, pooled over the feature's dimensions."""
    sse = (pred - true).pow(2).sum()
    sst = (true - mean).pow(2).sum()
    return float(1.0 - sse / sst.clamp_min(1e-12))


def ensemble_rollout(model: WorldModel, s0: torch.Tensor, actions: torch.Tensor):
    """s0 (M, D), actions (M, H, A) -> (ensemble-mean latents (M, H, D), member spread (M, H)),
    the same numbers as `model.rollout`, plus each step's disagreement along the way."""
    s, preds, spread = s0, [], []
    for h in range(actions.shape[1]):
        members = model.next_ensemble(s, actions[:, h])  # (K, M, D)
        s = members.mean(0)
        preds.append(s)
        spread.append(members.std(0).mean(-1))
    return torch.stack(preds, 1), torch.stack(spread, 1)


def member_rollouts(model: WorldModel, s0: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """s0 (M, D), actions (M, H, A) -> each member's own open-loop rollout (K, M, H, D): the
    ensemble's spread of where the latent will be."""
    out = []
    for k in range(model.cfg.ensemble):
        s, path = s0, []
        for h in range(actions.shape[1]):
            s = model.next_member(s, actions[:, h], k)
            path.append(s)
        out.append(torch.stack(path, 1))
    return torch.stack(out)


@torch.no_grad()
def evaluate_model(
    model: WorldModel,
    data: EpisodeSet,
    horizon: int = 10,
    baseline: ContactBaseline | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """-> the eval-model JSON dict (see module docstring); `details`, if given, receives the
    per-window arrays the plots draw."""
    model.eval()
    latents = encode_all(model, data)  # (N, D)
    actions = torch.from_numpy(data.actions)  # (N, A)
    starts = data.window_starts(horizon)
    if len(starts) == 0:
        raise ValueError(f"no {horizon + 1}-step windows in the evaluation episodes")
    idx = torch.from_numpy(starts[:, None] + np.arange(horizon + 1)[None])  # (M, H+1)
    finite = torch.from_numpy(np.flatnonzero(data.finite))
    total_var = float(latents[finite].var(0).sum())

    # Rollouts: model (ensemble mean), linear baseline, copy-last.
    a_win = actions[idx[:, :-1]]  # (M, H, A)
    s0, truth = latents[idx[:, 0]], latents[idx[:, 1:]]  # (M, D), (M, H, D)
    preds, spread = ensemble_rollout(model, s0, a_win)  # (M, H, D), (M, H)
    pair_starts = data.window_starts(1)
    w = fit_linear(latents, actions, pair_starts)
    lin, s = [], s0
    for h in range(horizon):
        s = torch.cat([s, a_win[:, h], torch.ones(len(s), 1)], 1) @ w
        lin.append(s)
    lin = torch.stack(lin, 1)

    def by_h(x: torch.Tensor) -> dict[str, float]:
        err = (x - truth).pow(2).sum(-1).mean(0) / total_var  # (H,)
        return {str(h + 1): float(e) for h, e in enumerate(err)}

    res: dict[str, Any] = {
        "latent_dim": model.cfg.latent_dim,
        "effective_rank": effective_rank(latents[finite]),
        "error_by_horizon": by_h(preds),
        "copy_baseline_by_horizon": by_h(s0[:, None].expand_as(truth)),
        "linear_baseline_by_horizon": by_h(lin),
        "windows": len(starts),
        "transitions": len(data),
        "episodes": data.num_episodes,
    }
    res.update(head_scores(model, data, preds, latents, idx))
    plan = model.plan_heads(preds)  # name -> (M, H[, 3])
    labels = contact_labels(data, starts, horizon, model.cfg.contact_n)  # (M, H)
    res.update(contact_scores(plan["contact"].numpy(), labels, baseline, data, starts, details))
    res.update(displacement_scores(model, plan[TWIST], data, idx, labels, details))
    res["collapse"] = collapse_stats(latents[finite])
    res["latent_autocorrelation_lag1"] = lag1_autocorrelation(latents, data)
    res["uncertainty"] = uncertainty_stats(model, s0, a_win[:, 0], truth[:, 0], total_var)
    err_h = (preds[:, -1] - truth[:, -1]).pow(2).sum(-1).numpy()  # (M,) the model's (mean) error
    members = member_rollouts(model, s0, a_win)  # (K, M, H, D)
    member_spread = members[:, :, -1].std(0).mean(-1).numpy()  # (M,)
    unc = res["uncertainty"]
    unc["spearman_member_rollout_spread_vs_error_at_" + str(horizon)] = spearman(member_spread, err_h)
    unc["spearman_stepwise_spread_sum_vs_error_at_" + str(horizon)] = spearman(spread.sum(1).numpy(), err_h)
    unc["mean_member_rollout_spread_at_" + str(horizon)] = float(member_spread.mean())
    res["uncertainty_error_spearman"] = unc["spearman_member_rollout_spread_vs_error_at_" + str(horizon)]
    res["acceptance"] = acceptance(res, horizon)
    if details is not None:
        details.update(
            starts=starts,
            episode_id=data.episode_id,
            contact_max=data.contact_max,
            contact_n=model.cfg.contact_n,
            labels=labels,
            step_contact=plan["contact"].numpy(),
        )
    return res


def contact_scores(
    step_prob: np.ndarray,
    labels: np.ndarray,
    baseline: ContactBaseline | None,
    data: EpisodeSet,
    starts: np.ndarray,
    details: dict[str, Any] | None,
) -> dict[str, Any]:
    """step_prob (M, H) contact probability at each predicted step, labels (M, H) contact within
    1..k -> contact_auc, contact_auc_baseline, contact_positive_rate keyed "1".."H"."""
    score = np.maximum.accumulate(step_prob, axis=1)  # (M, H): any contact within k steps
    base = baseline.predict(data, starts) if baseline is not None else None  # (M, H)
    horizons = range(1, labels.shape[1] + 1)
    if details is not None:
        details.update(contact_score=score, contact_baseline_score=base)
    return {
        "contact_auc": {str(k): roc_auc(score[:, k - 1], labels[:, k - 1]) for k in horizons},
        "contact_auc_baseline": {
            str(k): roc_auc(base[:, k - 1], labels[:, k - 1]) if base is not None else None for k in horizons
        },
        "contact_positive_rate": {str(k): float(labels[:, k - 1].mean()) for k in horizons},
    }


def displacement_scores(
    model: WorldModel,
    twist: torch.Tensor,
    data: EpisodeSet,
    idx: torch.Tensor,
    labels: np.ndarray,
    details: dict[str, Any] | None,
) -> dict[str, Any]:
    """twist (M, H, 3) predicted along the rollout -> position error (m) after k steps of the
    integrated prediction and of the integrated command, vs the integrated measured twist."""
    true = model.integrate(torch.from_numpy(data.features[TWIST])[idx[:, 1:]])  # (M, H, 3)
    pred = model.integrate(twist)
    cmd = model.integrate(torch.from_numpy(data.actions)[idx[:, :-1]])
    out: dict[str, Any] = {}
    for name, pose in (("", pred), ("_command", cmd)):
        err = (pose[..., :2] - true[..., :2]).norm(dim=-1).numpy()  # (M, H)
        yaw = (pose[..., 2] - true[..., 2]).abs().numpy()
        out[f"displacement_error{name}_m"] = {
            str(k + 1): float(err[:, k].mean()) for k in range(err.shape[1])
        }
        out[f"displacement_error{name}_m_contact"] = {
            str(k + 1): float(err[labels[:, k], k].mean()) if labels[:, k].any() else None
            for k in range(err.shape[1])
        }
        out[f"heading_error{name}_rad"] = {str(k + 1): float(yaw[:, k].mean()) for k in range(yaw.shape[1])}
    if details is not None:
        details.update(pose_pred=pred.numpy(), pose_true=true.numpy(), pose_command=cmd.numpy())
    return out


def lag1_autocorrelation(latents: torch.Tensor, data: EpisodeSet) -> dict[str, float]:
    """Per-dimension correlation of consecutive encoded latents (within episodes): how much of the
    latent changes from one frame to the next (the copy-last baseline is 2 (1 - r) on average)."""
    t = data.window_starts(1)
    a, b = latents[t] - latents[t].mean(0), latents[t + 1] - latents[t + 1].mean(0)
    r = (a * b).sum(0) / (a.norm(dim=0) * b.norm(dim=0)).clamp_min(1e-12)  # (D,)
    var = latents[t].var(0)
    return {
        "mean": float(r.mean()),
        "median": float(r.median()),
        "min": float(r.min()),
        "max": float(r.max()),
        "variance_weighted": float((r * var).sum() / var.sum()),
    }


def head_scores(model, data, preds, latents, idx) -> dict[str, Any]:
    """R2 of the cost heads vs the training mean, at k = 0 (encoded) and 1..H (predicted)."""
    heads = model.cost_heads(torch.cat([latents[idx[:, :1]], preds], dim=1))  # name -> (M, H+1[, w])
    mean = model.split_features(model.feature_mean)
    out, ratio, per_dim = {}, {}, {}
    for q, name in R2_QUANTITIES.items():
        true = torch.from_numpy(data.features[name])[idx]  # (M, H+1[, w])
        out[q] = {str(k): r2(heads[name][:, k], true[:, k], mean[name]) for k in range(idx.shape[1])}
        ratio[q] = {k: round(1.0 - v, 4) for k, v in out[q].items()}
        if true.dim() == 3:  # per component, e.g. vx, vy, vz of the base velocity
            per_dim[q] = {
                str(k): [
                    r2(heads[name][:, k, i], true[:, k, i], mean[name][i]) for i in range(true.shape[-1])
                ]
                for k in (0, 1, idx.shape[1] - 1)
            }
    # Cost terms: the planning head's raw terms, and (a diagnostic) the cost core run on the
    # predicted features, both against the terms computed from the measured features.
    lat = torch.cat([latents[idx[:, :1]], preds], dim=1)
    plan, cost, from_feats = model.plan_heads(lat), IntrinsicCost(), {}
    for j, name in enumerate(TERM_HEADS):
        true = torch.from_numpy(data.terms[name])[idx]  # (M, H+1)
        out[name] = {
            str(k): r2(plan[name][:, k], true[:, k], model.term_mean[j]) for k in range(idx.shape[1])
        }
        ratio[name] = {k: round(1.0 - v, 4) for k, v in out[name].items()}
        via = cost.term(name).compute(heads)
        from_feats[name] = {
            str(k): r2(via[:, k], true[:, k], model.term_mean[j]) for k in range(idx.shape[1])
        }
    return {
        "r2": out,
        "mse_ratio_vs_training_mean": ratio,
        "r2_per_dim": per_dim,
        "r2_cost_terms_via_feature_heads": from_feats,
    }


def collapse_stats(latents: torch.Tensor) -> dict[str, Any]:
    std = latents.std(0)
    return {
        "std_min": float(std.min()),
        "std_median": float(std.median()),
        "std_max": float(std.max()),
        "dims_below_0.01": int((std < 0.01).sum()),
        "per_dim_std": [round(float(v), 4) for v in std],
    }


def uncertainty_stats(model, s0, a0, s1, total_var) -> dict[str, float]:
    """Does ensemble disagreement track the one-step error? (Pearson r over windows)."""
    unc = model.uncertainty(s0, a0)
    err = (model.next(s0, a0) - s1).pow(2).sum(-1) / total_var
    r = torch.corrcoef(torch.stack([unc, err]))[0, 1]
    return {"mean_member_std": float(unc.mean()), "corr_with_error": float(r)}


def acceptance(res: dict[str, Any], horizon: int) -> dict[str, Any]:
    h = str(min(10, horizon))
    ratio = res["error_by_horizon"][h] / max(res["copy_baseline_by_horizon"][h], 1e-12)
    bv = res["r2"]["base_velocity"]
    auc, auc_base = res["contact_auc"][h], res["contact_auc_baseline"][h]
    disp, disp_cmd = res["displacement_error_m"][h], res["displacement_error_command_m"][h]
    disp_c, disp_cmd_c = (
        res["displacement_error_m_contact"][h],
        res["displacement_error_command_m_contact"][h],
    )
    ratio_c = disp_c / max(disp_cmd_c, 1e-12) if disp_c is not None else None
    return {
        "error_ratio_vs_copy_at_" + h: ratio,
        "error_ratio_ok": ratio <= ACCEPT["error_ratio_10"],
        "r2_base_velocity_1_ok": bv["1"] >= ACCEPT["r2_base_velocity_1"],
        "r2_base_velocity_" + h + "_ok": bv[h] >= ACCEPT["r2_base_velocity_10"],
        "effective_rank_ok": res["effective_rank"] >= res["latent_dim"] / 4,
        "contact_auc_" + h + "_ok": auc is not None and auc >= ACCEPT["contact_auc"],
        "contact_auc_margin_" + h + "_ok": auc is not None
        and auc_base is not None
        and auc - auc_base >= ACCEPT["contact_auc_margin"],
        "contact_positive_rate_" + h + "_ok": res["contact_positive_rate"][h]
        >= ACCEPT["contact_positive_rate"],
        "displacement_ratio_contact_at_" + h: ratio_c,
        "displacement_contact_" + h + "_ok": ratio_c is not None
        and ratio_c <= ACCEPT["displacement_ratio_contact"],
        "displacement_ratio_all_at_" + h: disp / max(disp_cmd, 1e-12),
        "displacement_all_" + h + "_ok": disp <= ACCEPT["displacement_ratio_all"] * disp_cmd,
        "r2_energy_force_" + h + "_ok": min(res["r2"]["energy"][h], res["r2"]["force"][h])
        >= ACCEPT["r2_cost_terms"],
        "uncertainty_spearman_ok": res["uncertainty_error_spearman"] >= ACCEPT["uncertainty_spearman"],
    }


def eval_checkpoint(
    checkpoint: Path | str | None,
    seed_start: int,
    episodes: int,
    horizon: int = 10,
    data_dir: Path | str | None = None,
    episode_s: float = 20.0,
    workers: int = 1,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Collect fresh held-out episodes (or read data_dir), then evaluate the checkpoint on them.

    Raises SeedOverlapError (before collecting anything) if the episodes' seeds trained the
    checkpoint. `details`, if given, receives the per-window arrays and the data for the plots."""
    from lecun_agent.paths import default_checkpoint_dir

    model, spec, meta = load_checkpoint(checkpoint)
    trained = meta.get("train", {}).get("seeds")
    if data_dir is None:
        from lecun_agent.learning.collect import CollectConfig, collect

        check_heldout(range(seed_start, seed_start + episodes), trained)
        with tempfile.TemporaryDirectory(prefix="lecun_eval_") as tmp:
            collect(
                tmp,
                CollectConfig(episodes=episodes, seed_start=seed_start, episode_s=episode_s, workers=workers),
            )
            data = load_episodes(tmp)
    else:
        data = load_episodes(data_dir)
        check_heldout(data.seeds, trained, dataset=True)
        check_heldout_recordings(data.recordings, meta.get("train", {}).get("recordings"))
    if data.spec.obs_action_spec() != spec.obs_action_spec():
        raise ValueError("evaluation data and checkpoint have different observation/action specs")
    if not same_step(data.spec.step_dt, spec.step_dt):
        where = Path(data_dir) / SPEC_FILE if data_dir is not None else "the collected episodes"
        raise ValueError(f"{where}: steps of {data.spec.step_dt} s, but {checkpoint or 'the default checkpoint'} "
                         f"was trained on steps of {spec.step_dt} s: evaluate it on data of its own step length")
    baseline = load_baseline(
        Path(checkpoint) if checkpoint else default_checkpoint_dir(),
        data.proprio.shape[1],
        data.actions.shape[1],
    )
    res = evaluate_model(model, data, horizon, baseline, details)
    if details is not None:
        details["data"] = data
    res["checkpoint"] = str(checkpoint) if checkpoint else "default"
    res["seed_start"], res["trained_steps"] = seed_start, meta.get("train", {}).get("steps")
    res["eval_seeds"] = sorted({int(s) for s in data.seeds})
    res["training_seeds"] = trained
    return res
