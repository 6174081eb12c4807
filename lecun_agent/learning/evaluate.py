"""`lecun-agent eval-model` core: score a checkpoint on held-out episodes.

All latent errors are normalised by the total variance of the encoded latents on the same
episodes, so 1.0 means "as bad as predicting the mean latent" and a nearly constant latent
cannot pass. "At k steps" means: encode s_t, roll the predictor open-loop k steps with the
recorded actions, compare with the encoding of (and the true features at) step t+k.
Baselines in the same run: copy-last-latent, and linear dynamics s' = A s + B a + c fitted by
ridge regression on these same episodes (in-sample, which flatters the baseline).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lecun_agent.dataset.windows import EpisodeSet, load_episodes
from lecun_agent.world_model.checkpoint import load_checkpoint
from lecun_agent.world_model.model import WorldModel

log = logging.getLogger(__name__)
R2_QUANTITIES = {"base_velocity": "base_velocity", "tilt": "tilt", "foot_force": "foot_force"}
ACCEPT = {"error_ratio_10": 0.5, "r2_base_velocity_1": 0.9, "r2_base_velocity_10": 0.7}


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


@torch.no_grad()
def evaluate_model(model: WorldModel, data: EpisodeSet, horizon: int = 10) -> dict[str, Any]:
    """-> the eval-model JSON dict (see module docstring)."""
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
    preds = model.rollout(s0, a_win)  # (M, H, D)
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
    res["collapse"] = collapse_stats(latents[finite])
    res["uncertainty"] = uncertainty_stats(model, s0, a_win[:, 0], truth[:, 0], total_var)
    res["slow_level"] = slow_stats(model, latents, actions, data, total_var)
    res["acceptance"] = acceptance(res, horizon)
    return res


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
    return {"r2": out, "mse_ratio_vs_training_mean": ratio, "r2_per_dim": per_dim}


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


def slow_stats(model, latents, actions, data, total_var) -> dict[str, float]:
    """Chunk predictor: error on the next k-step pooled latent vs copying the current pool."""
    k = model.cfg.chunk
    starts = data.window_starts(2 * k - 1)
    idx = torch.from_numpy(starts[:, None] + np.arange(2 * k)[None])
    win = latents[idx]  # (M, 2k, D)
    p0, p1 = win[:, :k].mean(1), win[:, k:].mean(1)
    pred = model.chunk_next(p0, actions[idx[:, :k]])
    return {
        "chunk": k,
        "error": float((pred - p1).pow(2).sum(-1).mean() / total_var),
        "copy_error": float((p0 - p1).pow(2).sum(-1).mean() / total_var),
    }


def acceptance(res: dict[str, Any], horizon: int) -> dict[str, Any]:
    h = str(min(10, horizon))
    ratio = res["error_by_horizon"][h] / max(res["copy_baseline_by_horizon"][h], 1e-12)
    bv = res["r2"]["base_velocity"]
    return {
        "error_ratio_vs_copy_at_" + h: ratio,
        "error_ratio_ok": ratio <= ACCEPT["error_ratio_10"],
        "r2_base_velocity_1_ok": bv["1"] >= ACCEPT["r2_base_velocity_1"],
        "r2_base_velocity_" + h + "_ok": bv[h] >= ACCEPT["r2_base_velocity_10"],
        "effective_rank_ok": res["effective_rank"] >= res["latent_dim"] / 4,
    }


def eval_checkpoint(
    checkpoint: Path | str | None,
    seed_start: int,
    episodes: int,
    horizon: int = 10,
    data_dir: Path | str | None = None,
    episode_s: float = 20.0,
) -> dict[str, Any]:
    """Collect fresh held-out episodes (or read data_dir), then evaluate the checkpoint on them."""
    model, spec, meta = load_checkpoint(checkpoint)
    if data_dir is None:
        from lecun_agent.learning.collect import CollectConfig, collect

        with tempfile.TemporaryDirectory(prefix="lecun_eval_") as tmp:
            collect(tmp, CollectConfig(episodes=episodes, seed_start=seed_start, episode_s=episode_s))
            data = load_episodes(tmp)
    else:
        data = load_episodes(data_dir)
    if data.spec.obs_action_spec() != spec.obs_action_spec():
        raise ValueError("evaluation data and checkpoint have different observation/action specs")
    res = evaluate_model(model, data, horizon)
    res["checkpoint"] = str(checkpoint) if checkpoint else "default"
    res["seed_start"], res["trained_steps"] = seed_start, meta.get("train", {}).get("steps")
    return res
