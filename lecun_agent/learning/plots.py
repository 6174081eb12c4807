"""PNG plots of an eval-model result.

- `plot_eval`: latent error vs horizon, head R2 vs horizon, latent spread, contact AUC and
  displacement error vs horizon (each with its baseline);
- `plot_contact_timeline`: predicted against measured contact over the episodes with the most contacts;
- `plot_paths`: predicted, commanded and measured paths (top-down) of blocked and free windows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot_eval(res: dict[str, Any], out_png: Path | str) -> Path:
    """Write one 6-panel figure next to the JSON; returns its path."""
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.4))
    ax = axes[0]
    hs = [int(h) for h in res["error_by_horizon"]]
    for key, label, style in [
        ("error_by_horizon", "world model", "o-"),
        ("copy_baseline_by_horizon", "copy last", "s--"),
        ("linear_baseline_by_horizon", "linear dynamics", "^:"),
    ]:
        ax[0].plot(hs, [res[key][str(h)] for h in hs], style, label=label)
    ax[0].set(
        xlabel="horizon k (model steps)",
        ylabel="latent MSE / latent variance",
        title="open-loop latent prediction error",
        yscale="log",
    )
    ax[0].legend()
    for q, curve in res["r2"].items():
        ks = sorted(int(k) for k in curve)
        ax[1].plot(ks, [curve[str(k)] for k in ks], "o-", label=q)
    ax[1].axhline(0.0, color="grey", lw=0.8)
    ax[1].axhline(0.9, color="green", lw=0.6, ls="--")
    ax[1].axhline(0.7, color="orange", lw=0.6, ls="--")
    ax[1].set(
        xlabel="k (0 = encoded, k>0 = predicted k steps ahead)",
        ylabel="R2 vs training mean",
        title="cost-head accuracy",
        ylim=(-0.5, 1.02),
    )
    ax[1].legend()
    std = sorted(res["collapse"]["per_dim_std"], reverse=True)
    ax[2].bar(range(len(std)), std)
    ax[2].set(
        xlabel="latent dimension (sorted)",
        ylabel="std on eval episodes",
        title=f"latent spread: effective rank {res['effective_rank']:.1f} of {res['latent_dim']}",
    )
    _plot_contact_auc(axes[1, 0], res)
    _plot_displacement(axes[1, 1], res)
    _plot_terms(axes[1, 2], res)
    return _save(fig, out_png)


def _save(fig, out_png: Path | str) -> Path:
    fig.tight_layout()
    out_png = Path(out_png)
    fig.savefig(out_png, dpi=90)
    plt.close(fig)
    return out_png


def _curve(d: dict[str, Any]) -> tuple[list[int], list[float]]:
    ks = sorted(int(k) for k in d)
    return ks, [np.nan if d[str(k)] is None else d[str(k)] for k in ks]


def _plot_contact_auc(ax, res: dict[str, Any]) -> None:
    ax.plot(*_curve(res["contact_auc"]), "o-", label="world model (camera, rollout)")
    ax.plot(*_curve(res["contact_auc_baseline"]), "s--", label="no-camera baseline")
    ax.axhline(0.9, color="green", lw=0.6, ls="--")
    ax.axhline(0.5, color="grey", lw=0.8)
    rate = res["contact_positive_rate"]
    last = max(rate, key=int)
    ax.set(
        xlabel="k (model steps)",
        ylabel="ROC AUC",
        ylim=(0.4, 1.01),
        title=f"contact within k steps (positive rate at {last}: {rate[last]:.1%})",
    )
    ax.legend(loc="lower right")


def _plot_displacement(ax, res: dict[str, Any]) -> None:
    for key, label, style in [
        ("displacement_error_m", "model, all windows", "o-"),
        ("displacement_error_command_m", "command, all windows", "s--"),
        ("displacement_error_m_contact", "model, contact windows", "o-"),
        ("displacement_error_command_m_contact", "command, contact windows", "s--"),
    ]:
        ax.plot(*_curve(res[key]), style, label=label)
    ax.set(
        xlabel="k (model steps)",
        ylabel="position error after k steps (m)",
        title="integrated displacement vs odometry",
    )
    ax.legend()


def _plot_terms(ax, res: dict[str, Any]) -> None:
    for name in ("pain", "energy", "force"):
        if name in res["r2"]:
            ax.plot(*_curve(res["r2"][name]), "o-", label=f"{name} (planning head)")
        via = res.get("r2_cost_terms_via_feature_heads", {}).get(name)
        if via:
            ax.plot(*_curve(via), ":", label=f"{name} (cost core on predicted features)")
    ax.axhline(0.0, color="grey", lw=0.8)
    ax.set(
        xlabel="k (0 = encoded)",
        ylabel="R2 vs training mean",
        ylim=(-0.5, 1.02),
        title="intrinsic-cost terms on predicted latents",
    )
    ax.legend(fontsize=7)


def plot_contact_timeline(details: dict[str, Any], out_png: Path | str, episodes: int = 3) -> Path:
    """Per episode (the ones with the most contact steps): measured contact force, the label
    "contact within H steps" and both predictions of it, against the window's start time."""
    starts, ep_of = details["starts"], details["episode_id"]
    contact = details["contact_max"] > details["contact_n"]
    counts = np.bincount(ep_of[contact], minlength=ep_of.max() + 1)
    chosen = np.argsort(-counts, kind="stable")[:episodes]
    h = details["labels"].shape[1]
    dt = details["data"].spec.step_dt
    fig, axes = plt.subplots(len(chosen), 1, figsize=(13, 2.8 * len(chosen)), squeeze=False)
    for ax, ep in zip(axes[:, 0], chosen, strict=False):
        first = int(np.flatnonzero(ep_of == ep)[0])
        w = np.flatnonzero(ep_of[starts] == ep)  # windows of this episode
        t = (starts[w] - first) * dt
        ax.fill_between(
            t,
            0,
            details["labels"][w, -1],
            step="post",
            color="orange",
            alpha=0.25,
            label=f"measured: contact within {h} steps",
        )
        ax.plot(t, details["contact_score"][w, -1], "b-", label="world model (camera, rollout)")
        if details.get("contact_baseline_score") is not None:
            ax.plot(t, details["contact_baseline_score"][w, -1], "g--", label="no-camera baseline")
        steps = np.flatnonzero(ep_of == ep)
        ax2 = ax.twinx()
        ax2.plot((steps - first) * dt, details["contact_max"][steps], "r-", lw=0.8, alpha=0.7)
        ax2.set_ylabel("contact force (N)", color="r")
        ax.set(
            ylim=(-0.02, 1.02),
            ylabel="P(contact)",
            xlabel="window start (s)",
            title=f"episode seed {int(details['data'].seeds[ep])}",
        )
        ax.legend(loc="upper left", fontsize=7)
    return _save(fig, out_png)


def plot_paths(details: dict[str, Any], out_png: Path | str, per_kind: int = 3) -> Path:
    """Top-down paths over H steps in the start frame: measured (odometry), predicted (integrated
    predicted twist) and commanded, for the most blocked contact windows and some free windows."""
    labels, true, pred, cmd = (
        details["labels"][:, -1],
        details["pose_true"],
        details["pose_pred"],
        details["pose_command"],
    )
    overshoot = np.linalg.norm(cmd[:, -1, :2] - true[:, -1, :2], axis=1)  # how wrong the command is
    travel = np.linalg.norm(true[:, -1, :2], axis=1) + 0.3 * np.abs(true[:, -1, 2])
    blocked = np.flatnonzero(labels)[np.argsort(-overshoot[labels])]
    free = np.flatnonzero(~labels)[np.argsort(-travel[~labels])]
    blocked = blocked[:: max(1, len(blocked) // (4 * per_kind))][:per_kind]  # spread over the ranking
    free = free[:: max(1, len(free) // (4 * per_kind))][:per_kind]
    fig, axes = plt.subplots(2, per_kind, figsize=(4.0 * per_kind, 8.4), squeeze=False)
    for row, (kind, chosen) in enumerate((("blocked (contact)", blocked), ("free", free))):
        for ax, i in zip(axes[row], chosen, strict=False):
            pts = []
            for pose, style, label in (
                (true, "k-o", "measured (odometry)"),
                (pred, "b-s", "predicted twist, integrated"),
                (cmd, "r--^", "command, integrated"),
            ):
                xy = np.concatenate([[[0.0, 0.0]], pose[i, :, :2]])
                ax.plot(-xy[:, 1], xy[:, 0], style, ms=3, label=label)  # forward up, right to the right
                pts.append(xy)
            pts = np.concatenate(pts)
            centre = (pts.max(0) + pts.min(0)) / 2
            half = max(0.1, float((pts.max(0) - pts.min(0)).max()) / 2 + 0.03)
            ax.set(
                xlim=(-centre[1] - half, -centre[1] + half),
                ylim=(centre[0] - half, centre[0] + half),
                aspect="equal",
                xlabel="right (m)",
                ylabel="forward (m)",
            )
            err = np.linalg.norm(pred[i, -1, :2] - true[i, -1, :2])
            ax.set_title(
                f"{kind}, {pred.shape[1]} steps\nmodel error {err:.2f} m, command {overshoot[i]:.2f} m",
                fontsize=9,
            )
            ax.legend(fontsize=7, loc="best")
    return _save(fig, out_png)
