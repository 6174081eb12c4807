"""Short-term memory: a fixed-size ring of recent steps that the world model can keep learning from.

world_model_node appends one step per camera frame (frame, proprio, the command sent after it,
the measured cost features and cost) and marks episode ends; `sample` returns multi-step windows
in exactly the batch layout of `dataset.windows.window_batch`, so `learning.train.train_step`
trains on memory and on disk data alike. A window never spans an episode end, overwritten
slots, or a step holding NaN.
"""

from __future__ import annotations

import numpy as np
import torch

from lecun_agent.dataset.format import DatasetSpec
from lecun_agent.dataset.windows import measured_terms


class ShortTermMemory:
    def __init__(self, spec: DatasetSpec, capacity: int = 5000):
        self.spec, self.capacity = spec, capacity
        self.images = np.zeros((capacity, *spec.image_shape), dtype=np.uint8)
        self.proprio = np.zeros((capacity, spec.proprio_dim), dtype=np.float32)
        self.actions = np.zeros((capacity, len(spec.action_names)), dtype=np.float32)
        self.cost = np.zeros(capacity, dtype=np.float32)
        self.features = {
            n: np.zeros((capacity,) if w == 1 else (capacity, w), dtype=np.float32)
            for n, w in spec.features.items()
        }
        self.episode = np.full(capacity, -1, dtype=np.int64)  # (C,) episode counter of each slot
        self.finite = np.zeros(capacity, dtype=bool)
        self.written = 0  # total steps ever added; slot = step % capacity
        self._episode = 0

    def __len__(self) -> int:
        return min(self.written, self.capacity)

    def add(
        self,
        image: np.ndarray,
        proprio: np.ndarray,
        action: np.ndarray,
        features: dict[str, np.ndarray],
        cost: float,
    ) -> None:
        """Append one step (shapes as in the dataset format, without the T axis)."""
        if image.shape != tuple(self.spec.image_shape) or image.dtype != np.uint8:
            raise ValueError(
                f"image must be uint8 {tuple(self.spec.image_shape)}, got {image.dtype}{image.shape}"
            )
        i = self.written % self.capacity
        self.images[i], self.proprio[i], self.actions[i], self.cost[i] = image, proprio, action, cost
        ok = bool(np.isfinite(proprio).all() and np.isfinite(action).all() and np.isfinite(cost))
        for n in self.features:
            self.features[n][i] = features[n]
            ok &= bool(np.isfinite(features[n]).all())
        self.episode[i], self.finite[i] = self._episode, ok
        self.written += 1

    def end_episode(self) -> None:
        """The next step starts a new episode (reset, fall, or a gap in the data)."""
        self._episode += 1

    def window_starts(self, horizon: int) -> np.ndarray:
        """(M,) logical step numbers t whose window t..t+horizon is still stored and clean."""
        first = max(0, self.written - self.capacity)
        t = np.arange(first, self.written - horizon)
        if len(t) == 0:
            return t
        slots = (t[:, None] + np.arange(horizon + 1)[None]) % self.capacity  # (M, H+1)
        same = (self.episode[slots] == self.episode[slots[:, :1]]).all(1)
        return t[same & self.finite[slots].all(1)]

    def sample(
        self, horizon: int, batch_size: int, rng: np.random.Generator
    ) -> dict[str, torch.Tensor] | None:
        """-> a batch like window_batch, or None while memory holds no full window."""
        starts = self.window_starts(horizon)
        if len(starts) == 0:
            return None
        idx = (rng.choice(starts, size=batch_size)[:, None] + np.arange(horizon + 1)[None]) % self.capacity
        batch = {
            "images": torch.from_numpy(self.images[idx]),
            "proprio": torch.from_numpy(self.proprio[idx]),
            "actions": torch.from_numpy(self.actions[idx[:, :-1]]),
            "cost": torch.from_numpy(self.cost[idx]),
        }
        batch.update({f"feat_{n}": torch.from_numpy(v[idx]) for n, v in self.features.items()})
        # The node stores the frame's features only: the frame's contact force stands for the
        # step's largest one, and the cost terms come from the features as on disk.
        batch["contact_max"] = batch["feat_body_contact_force"].clone()
        flat = {n: v[idx].reshape(-1, *v.shape[1:]) for n, v in self.features.items()}
        terms = measured_terms(flat)
        batch.update({f"term_{n}": torch.from_numpy(v.reshape(idx.shape)) for n, v in terms.items()})
        return batch
