"""PNG plots of an eval-model result: error vs horizon, head R2 vs horizon, latent spread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot_eval(res: dict[str, Any], out_png: Path | str) -> Path:
    """Write one 3-panel figure next to the JSON; returns its path."""
    fig, ax = plt.subplots(1, 3, figsize=(15, 4.2))
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
    fig.tight_layout()
    out_png = Path(out_png)
    fig.savefig(out_png, dpi=90)
    plt.close(fig)
    return out_png
