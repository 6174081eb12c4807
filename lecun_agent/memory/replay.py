"""Short-term memory: the recent (s_t, a_t, intrinsic-cost terms at t, s_t+1) the robot lived through.

world_model_node appends one transition per pair of consecutive latents (the command in force
between them, the measured raw cost terms at t) and the online learner samples uniform batches
from it to keep adapting the predictor. It is a fixed-size ring: the oldest transition goes
first. A transition whose latents or action hold NaN or Inf is refused, so one bad reading never
reaches a gradient; a cost term not measured at t (no `agent/cost` yet) is stored as NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


class ShortTermMemory:
    def __init__(self, capacity: int, latent_dim: int, action_dim: int, term_names: Sequence[str]) -> None:
        self.capacity, self.term_names = capacity, tuple(term_names)
        self.s = np.zeros((capacity, latent_dim), dtype=np.float32)  # (C, D)
        self.a = np.zeros((capacity, action_dim), dtype=np.float32)  # (C, A)
        self.costs = np.zeros((capacity, len(self.term_names)), dtype=np.float32)  # (C, K) raw terms at t
        self.s_next = np.zeros((capacity, latent_dim), dtype=np.float32)  # (C, D)
        self.stamp = np.zeros(capacity, dtype=np.float64)  # (C,) s, stamp of s_t+1
        self.written = 0  # transitions ever added; slot = written % capacity
        self.refused = 0  # transitions with NaN/Inf, not stored

    def __len__(self) -> int:
        return min(self.written, self.capacity)

    def add(self, s: np.ndarray, a: np.ndarray, costs: dict[str, float], s_next: np.ndarray,
            stamp: float) -> bool:
        """Store one transition; False (and counted) when a latent or the action is not finite."""
        row = np.array([costs.get(n, np.nan) for n in self.term_names], dtype=np.float32)
        if not all(np.isfinite(x).all() for x in (s, a, s_next)):
            self.refused += 1
            return False
        i = self.written % self.capacity
        self.s[i], self.a[i], self.costs[i], self.s_next[i], self.stamp[i] = s, a, row, s_next, stamp
        self.written += 1
        return True

    def forget(self) -> None:
        """Drop every transition (their latents belong to an encoder no longer in use); the refusals stay counted."""
        self.written = 0

    def latest(self) -> dict[str, np.ndarray]:
        """The newest transition as arrays (costs keyed by term)."""
        if not len(self):
            raise IndexError("short-term memory is empty")
        i = (self.written - 1) % self.capacity
        return {"s": self.s[i], "a": self.a[i], "s_next": self.s_next[i], "stamp": self.stamp[i],
                "costs": dict(zip(self.term_names, self.costs[i].tolist(), strict=True))}

    def arrays(self) -> dict[str, torch.Tensor]:
        """Every stored transition: s (N, D), a (N, A), costs (N, K), s_next (N, D)."""
        n = len(self)
        return {k: torch.from_numpy(getattr(self, k)[:n]) for k in ("s", "a", "costs", "s_next")}

    def sample(self, batch_size: int, rng: np.random.Generator) -> dict[str, torch.Tensor]:
        """A uniform batch: s (B, D), a (B, A), costs (B, K), s_next (B, D)."""
        if not len(self):
            raise IndexError("short-term memory is empty")
        idx = rng.integers(0, len(self), size=batch_size)
        return {k: torch.from_numpy(getattr(self, k)[idx]) for k in ("s", "a", "costs", "s_next")}
