"""What does the latent spend its variance on? Evidence for the copy-last question (docs/world_model.md).

    python benchmarks/latent_probe.py --checkpoint CKPT --data HELDOUT

Prints, on the episodes in HELDOUT:
- the copy-last error at 1 step and the latent's lag-1 autocorrelation (copy-last = 2 (1 - r));
- input swaps: how much the latent moves when a frame's proprioception (or camera image) is
  replaced by another frame's, as a share of the latent's variance (1.0: the latent is as
  different as two random frames);
- linear probes: R2 of the latent from the gait's fast state (joint positions, velocities and
  efforts and foot forces at the frame) and from the slow state a planner needs (step twist,
  tilt, height, contact force, distance-ahead proxies are not in the data);
- the same split of the one-step prediction error.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from lecun_agent.dataset.windows import load_episodes
from lecun_agent.learning.evaluate import encode_all
from lecun_agent.world_model.checkpoint import load_checkpoint


def ridge_r2(x: np.ndarray, y: np.ndarray, train: np.ndarray, ridge: float = 1e-2) -> float:
    """Pooled R2 on the held-out half of a ridge fit y ~ [x, 1] fitted on `train` rows."""
    x = (x - x[train].mean(0)) / x[train].std(0).clip(1e-6)
    x = np.concatenate([x, np.ones((len(x), 1))], 1)
    w = np.linalg.solve(x[train].T @ x[train] + ridge * np.eye(x.shape[1]), x[train].T @ y[train])
    test = ~train
    sse = ((x[test] @ w - y[test]) ** 2).sum()
    return float(1.0 - sse / ((y[test] - y[train].mean(0)) ** 2).sum())


@torch.no_grad()
def probe(ckpt: Path | None, data_dir: Path, seed: int = 0) -> dict:
    model = load_checkpoint(ckpt)[0]
    data = load_episodes(data_dir)
    lat = encode_all(model, data).numpy()  # (N, D)
    var = lat.var(0).sum()
    t = data.window_starts(1)
    out = {
        "latent_dim": model.cfg.latent_dim,
        "copy_last_1": float(((lat[t + 1] - lat[t]) ** 2).sum(1).mean() / var),
    }
    a, b = lat[t] - lat[t].mean(0), lat[t + 1] - lat[t + 1].mean(0)
    out["lag1_autocorrelation_mean"] = float(
        ((a * b).sum(0) / np.sqrt((a * a).sum(0) * (b * b).sum(0))).mean()
    )

    # Input swaps: another frame's proprio (or image) with this frame's image (or proprio).
    rng = np.random.default_rng(seed)
    idx = rng.choice(np.flatnonzero(data.finite), size=min(3000, int(data.finite.sum())), replace=False)
    perm = rng.permutation(idx)
    images, proprio = torch.from_numpy(data.images), torch.from_numpy(data.proprio)
    base = model.encode(images[idx], proprio[idx])
    for name, swapped in (
        ("proprio", model.encode(images[idx], proprio[perm])),
        ("image", model.encode(images[perm], proprio[idx])),
    ):
        out[f"swap_{name}_share"] = float((swapped - base).pow(2).sum(1).mean() / (2 * var))

    # Linear probes from the fast gait state and from the slow, planner-level state.
    f = data.features
    fast = np.concatenate([f["joint_pos"], f["joint_vel"], f["joint_effort"], f["foot_force"]], 1)
    slow = np.concatenate(
        [
            f["base_velocity"],
            f["tilt"][:, None],
            f["height"][:, None],
            data.contact_max[:, None],
            data.actions,
        ],
        1,
    )
    ok = np.flatnonzero(data.finite)
    train = np.zeros(len(ok), bool)
    train[: len(ok) // 2] = True  # first half of the episodes fits, second half scores
    out["r2_latent_from_fast_gait_state"] = ridge_r2(fast[ok], lat[ok], train)
    out["r2_latent_from_slow_state"] = ridge_r2(slow[ok], lat[ok], train)
    out["r2_latent_from_both"] = ridge_r2(np.concatenate([fast, slow], 1)[ok], lat[ok], train)

    # Where the one-step prediction error sits: the same probes on the error vectors.
    pred = model.next(torch.from_numpy(lat[t]), torch.from_numpy(data.actions[t])).numpy()
    change = lat[t + 1] - lat[t]
    out["one_step_error_share"] = float(((pred - lat[t + 1]) ** 2).sum(1).mean() / var)
    tr = np.zeros(len(t), bool)
    tr[: len(t) // 2] = True
    out["r2_change_from_fast_gait_state"] = ridge_r2(np.concatenate([fast[t], fast[t + 1]], 1), change, tr)
    out["r2_change_from_slow_state"] = ridge_r2(np.concatenate([slow[t], slow[t + 1]], 1), change, tr)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", type=Path, default=None)
    p.add_argument("--data", type=Path, required=True)
    args = p.parse_args()
    torch.set_num_threads(1)
    print(json.dumps(probe(args.checkpoint, args.data), indent=2))


if __name__ == "__main__":
    main()
