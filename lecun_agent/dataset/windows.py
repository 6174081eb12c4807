"""Load a dataset directory into memory and sample multi-step training windows from it.

A window starting at step t holds observations t..t+H, actions t..t+H-1 and the features and
costs at t..t+H, all inside one episode. Steps with NaN/Inf anywhere are never part of a window
(logged once with a count), so a sensor glitch costs a few windows, not the run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from lecun_agent.dataset.format import CONTACT_N, DatasetSpec, list_episodes, read_episode, read_spec
from lecun_agent.world_model.config import TERM_HEADS

log = logging.getLogger(__name__)


@dataclass
class EpisodeSet:
    """All episodes concatenated along time; `episode_id` (N,) says which episode a step is from."""

    spec: DatasetSpec
    images: np.ndarray  # (N, 64, 64, 3) uint8
    proprio: np.ndarray  # (N, P) float32
    actions: np.ndarray  # (N, A) float32
    features: dict[str, np.ndarray]  # name -> (N,) or (N, w)
    cost: np.ndarray  # (N,) float32
    episode_id: np.ndarray  # (N,) int64
    finite: np.ndarray  # (N,) bool, every value at this step is finite
    contact_max: np.ndarray  # (N,) float32, N, the step's largest measured non-foot contact force
    terms: dict[str, np.ndarray]  # TERM_HEADS name -> (N,) float32, raw term from the measured features
    seeds: np.ndarray  # (E,) int64, each episode's arena/program seed (-1: real robot)
    recordings: tuple[str, ...] = ()  # (E,) the sha256 of each episode's MCAP recording ("" when collected)

    def __len__(self) -> int:
        return len(self.images)

    @property
    def num_episodes(self) -> int:
        return int(self.episode_id.max()) + 1 if len(self) else 0

    def contact(self, threshold_n: float = CONTACT_N) -> np.ndarray:
        """(N,) bool: a body contact (measured non-foot force above threshold_n) during the step."""
        return self.contact_max > threshold_n

    def window_starts(self, horizon: int) -> np.ndarray:
        """(M,) start indices t such that t..t+horizon lie in one episode and are all finite."""
        n = len(self)
        if n <= horizon:
            return np.zeros(0, dtype=np.int64)
        t = np.arange(n - horizon)
        same = self.episode_id[t] == self.episode_id[t + horizon]
        bad = np.concatenate([[0], np.cumsum(~self.finite)])  # bad[i] = non-finite steps before i
        clean = bad[t + horizon + 1] - bad[t] == 0
        return t[same & clean]


def load_episodes(data_dir: Path | str, max_steps: int | None = None) -> EpisodeSet:
    """Read spec.json and every episode file; skip (and log) unreadable ones. With `max_steps`, the first that
    many steps, in file order: the last episode read is cut short where they run out."""
    data_dir = Path(data_dir)
    spec = read_spec(data_dir)
    eps, steps = [], 0
    for path in list_episodes(data_dir):
        if max_steps is not None and steps >= max_steps:
            break
        ep = read_episode(path, spec)
        if ep is not None:
            eps.append(ep if max_steps is None else _first_steps(ep, max_steps - steps))
            steps += len(eps[-1]["images"])
    if not eps:
        raise ValueError(f"{data_dir}: no readable episodes")
    return concat_episodes(eps, spec)


def _first_steps(ep: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """The episode's first n steps: its per-step arrays cut, the rest (seed, source) kept."""
    t = len(ep["images"])
    return {k: v[:n] if v.ndim and len(v) == t else v for k, v in ep.items()}


def concat_episodes(eps: list[dict[str, np.ndarray]], spec: DatasetSpec) -> EpisodeSet:
    def cat(key: str) -> np.ndarray:
        return np.concatenate([e[key] for e in eps]).astype(eps[0][key].dtype, copy=False)

    feats = {n: cat(f"feat_{n}").astype(np.float32) for n in spec.features}
    terms = measured_terms(feats)
    data = EpisodeSet(
        spec=spec,
        images=cat("images"),
        proprio=cat("proprio").astype(np.float32),
        actions=cat("actions").astype(np.float32),
        features=feats,
        cost=cat("cost").astype(np.float32),
        episode_id=np.concatenate([np.full(len(e["images"]), i) for i, e in enumerate(eps)]),
        finite=np.ones(sum(len(e["images"]) for e in eps), dtype=bool),
        contact_max=cat("contact_max").astype(np.float32),
        terms=terms,
        seeds=np.array([int(e["seed"]) for e in eps], dtype=np.int64),
        recordings=tuple(str(e["source_sha256"]) if "source_sha256" in e else "" for e in eps),
    )
    for arr in [
        data.proprio,
        data.actions,
        data.cost[:, None],
        data.contact_max[:, None],
        *feats.values(),
        *(v[:, None] for v in terms.values()),
    ]:
        data.finite &= np.isfinite(arr.reshape(len(arr), -1)).all(axis=1)
    if not data.finite.all():
        log.warning(
            "%d of %d steps hold NaN/Inf; windows touching them are skipped",
            int((~data.finite).sum()),
            len(data),
        )
    return data


def measured_terms(features: dict[str, np.ndarray], chunk: int = 65536) -> dict[str, np.ndarray]:
    """The raw (unweighted) intrinsic-cost terms the world model predicts (TERM_HEADS), computed by
    the cost core's own hard-wired definitions from the measured features -> name -> (N,)."""
    from lecun_agent.cost.total import IntrinsicCost

    cost, n = IntrinsicCost(), len(next(iter(features.values())))
    out = {name: np.zeros(n, dtype=np.float32) for name in TERM_HEADS}
    with torch.no_grad():
        for i in range(0, n, chunk):
            part = {k: torch.from_numpy(v[i : i + chunk]) for k, v in features.items()}
            for name in TERM_HEADS:
                out[name][i : i + chunk] = cost.term(name).compute(part).numpy()
    return out


class WindowSampler:
    """Seeded random batches of (H+1)-step windows; with DDP each rank draws its own stream."""

    def __init__(self, data: EpisodeSet, horizon: int, batch_size: int, seed: int, rank: int = 0):
        self.data, self.horizon, self.batch_size = data, horizon, batch_size
        self.starts = data.window_starts(horizon)
        if len(self.starts) == 0:
            raise ValueError(f"no clean {horizon + 1}-step windows in the dataset (episodes too short?)")
        self.rng = np.random.default_rng([seed, rank])

    def state(self) -> dict:
        return self.rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state

    def sample(self) -> dict[str, torch.Tensor]:
        starts = self.rng.choice(self.starts, size=self.batch_size)
        return window_batch(self.data, starts, self.horizon)


def window_batch(data: EpisodeSet, starts: np.ndarray, horizon: int) -> dict[str, torch.Tensor]:
    """starts (B,) -> images (B, H+1, 64, 64, 3), proprio (B, H+1, P), actions (B, H, A),
    feat_<name> (B, H+1[, w]), cost (B, H+1), contact_max (B, H+1), term_<name> (B, H+1)."""
    idx = starts[:, None] + np.arange(horizon + 1)[None]  # (B, H+1)
    batch = {
        "images": torch.from_numpy(data.images[idx]),
        "proprio": torch.from_numpy(data.proprio[idx]),
        "actions": torch.from_numpy(data.actions[idx[:, :-1]]),
        "cost": torch.from_numpy(data.cost[idx]),
        "contact_max": torch.from_numpy(data.contact_max[idx]),
    }
    for name, arr in data.features.items():
        batch[f"feat_{name}"] = torch.from_numpy(arr[idx])
    for name, arr in data.terms.items():
        batch[f"term_{name}"] = torch.from_numpy(arr[idx])
    return batch
