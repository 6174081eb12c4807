"""The no-camera baseline for contact ahead, fitted on the training set and stored with a checkpoint.

For each horizon k, a small classifier (one hidden layer) predicts "a body contact occurs within the
next k steps" from what a robot without a camera knows at step t: the proprioception at t, the
previous command, and the k commands it will send (the same recorded commands the world model
rolls out under). If the world model's camera-based prediction does not beat it, the camera is not
helping. `lecun-agent train` fits it before the training loop and
writes it next to the model as `baselines.pt` (fitting it is not counted as model training);
`eval-model` scores it on the same windows.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from torch import nn

from lecun_agent.dataset.windows import EpisodeSet
from lecun_agent.world_model.checkpoint import load_torch_file

log = logging.getLogger(__name__)
BASELINE_FILE = "baselines.pt"


def contact_labels(data: EpisodeSet, starts: np.ndarray, horizon: int, threshold_n: float) -> np.ndarray:
    """starts (M,) -> (M, horizon) bool: column k-1 says a contact occurs in steps t+1..t+k."""
    idx = starts[:, None] + np.arange(1, horizon + 1)[None]  # (M, H)
    return np.maximum.accumulate(data.contact(threshold_n)[idx], axis=1)


def baseline_inputs(data: EpisodeSet, starts: np.ndarray, k: int) -> np.ndarray:
    """starts (M,) -> (M, P + A + k A): proprio_t, the previous command (zero at an episode's
    start) and the commands a_t .. a_t+k-1."""
    prev = np.where(
        (starts > 0)[:, None]
        & (data.episode_id[np.maximum(starts - 1, 0)] == data.episode_id[starts])[:, None],
        data.actions[np.maximum(starts - 1, 0)],
        0.0,
    )  # (M, A)
    future = data.actions[starts[:, None] + np.arange(k)[None]].reshape(len(starts), -1)  # (M, k A)
    return np.concatenate([data.proprio[starts], prev, future], axis=1).astype(np.float32)


class ContactBaseline(nn.Module):
    """One small classifier per horizon k = 1..H; `predict` -> (M, H) probabilities."""

    def __init__(self, proprio_dim: int, action_dim: int, horizon: int, hidden: int = 64):
        super().__init__()
        self.horizon = horizon
        widths = [proprio_dim + action_dim * (k + 1) for k in range(1, horizon + 1)]
        self.nets = nn.ModuleList(
            nn.Sequential(nn.Linear(w, hidden), nn.ReLU(), nn.Linear(hidden, 1)) for w in widths
        )
        for k, w in enumerate(widths, start=1):
            self.register_buffer(f"mean_{k}", torch.zeros(w))
            self.register_buffer(f"std_{k}", torch.ones(w))

    def logits(self, x: torch.Tensor, k: int) -> torch.Tensor:
        """x (M, width_k) raw inputs -> (M,) logits of contact within k steps."""
        z = (x - getattr(self, f"mean_{k}")) / getattr(self, f"std_{k}")
        return self.nets[k - 1](z).squeeze(-1)

    @torch.no_grad()
    def predict(self, data: EpisodeSet, starts: np.ndarray) -> np.ndarray:
        """starts (M,) -> (M, H) probability of a contact within 1..H steps."""
        cols = [
            torch.sigmoid(self.logits(torch.from_numpy(baseline_inputs(data, starts, k)), k))
            for k in range(1, self.horizon + 1)
        ]
        return torch.stack(cols, 1).numpy()


def fit_contact_baseline(
    data: EpisodeSet,
    horizon: int,
    threshold_n: float,
    seed: int = 0,
    epochs: int = 4,
    batch_size: int = 1024,
    max_windows: int = 60000,
) -> ContactBaseline:
    """Fit every horizon's classifier on (up to max_windows) training windows: mini-batch Adam."""
    rng = np.random.default_rng([seed, 5])
    starts = data.window_starts(horizon)
    if len(starts) > max_windows:
        starts = np.sort(rng.choice(starts, max_windows, replace=False))
    labels = torch.from_numpy(contact_labels(data, starts, horizon, threshold_n).astype(np.float32))
    torch.manual_seed(seed)
    model = ContactBaseline(data.proprio.shape[1], data.actions.shape[1], horizon)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # matrices this small gain nothing from threads and lose a lot on a busy machine
    try:
        _fit(model, data, starts, labels, horizon, epochs, batch_size, rng)
    finally:
        torch.set_num_threads(threads)
    log.info(
        "no-camera contact baseline fitted on %d windows (%.1f %% positive at %d steps)",
        len(starts),
        100 * float(labels[:, -1].mean()),
        horizon,
    )
    return model.eval()


def _fit(model, data, starts, labels, horizon, epochs, batch_size, rng) -> None:
    for k in range(1, horizon + 1):
        x = torch.from_numpy(baseline_inputs(data, starts, k))
        getattr(model, f"mean_{k}").copy_(x.mean(0))
        getattr(model, f"std_{k}").copy_(x.std(0).clamp_min(1e-3))
        opt = torch.optim.Adam(model.nets[k - 1].parameters(), lr=3e-3, weight_decay=1e-4)
        for _ in range(epochs):
            for batch in torch.from_numpy(rng.permutation(len(starts))).split(batch_size):
                logits = model.logits(x[batch], k)
                loss = nn.functional.binary_cross_entropy_with_logits(logits, labels[batch, k - 1])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()


def save_baseline(ckpt_dir: Path, baseline: ContactBaseline) -> None:
    tmp = Path(ckpt_dir) / (BASELINE_FILE + ".tmp")
    torch.save(baseline.state_dict(), tmp)
    tmp.replace(Path(ckpt_dir) / BASELINE_FILE)


def load_baseline(ckpt_dir: Path, proprio_dim: int, action_dim: int) -> ContactBaseline | None:
    """The checkpoint's baseline, or None if it has none (logged)."""
    path = Path(ckpt_dir) / BASELINE_FILE
    if not path.exists():
        log.warning("%s has no %s: no contact baseline", ckpt_dir, BASELINE_FILE)
        return None
    state = load_torch_file(path)
    horizon = sum(1 for key in state if key.startswith("mean_"))
    model = ContactBaseline(proprio_dim, action_dim, horizon)
    model.load_state_dict(state)
    return model.eval()
