"""Sampling and updating action-sequence distributions: noise, limits, MPPI and CEM steps.

Every function is pure (an explicit torch.Generator), so a plan is a function of its inputs
and seed. Shapes: N samples, H steps, A action dimensions.
"""

from __future__ import annotations

import torch


class ActionSpace:
    """The command box and the per-step rate limit, with sampling inside them."""

    def __init__(
        self, low: tuple[float, ...], high: tuple[float, ...], rate_limit: tuple[float, ...] | None = None
    ) -> None:
        self.low = torch.tensor(low, dtype=torch.float32)  # (A,)
        self.high = torch.tensor(high, dtype=torch.float32)  # (A,)
        self.half = (self.high - self.low) / 2  # (A,)
        self.rate = None if rate_limit is None else torch.tensor(rate_limit, dtype=torch.float32)

    @property
    def dim(self) -> int:
        return self.low.numel()

    def noise(self, n: int, horizon: int, smoothing: float, gen: torch.Generator) -> torch.Tensor:
        """(N, H, A) unit-variance noise, correlated in time: e_h = b e_{h-1} + sqrt(1 - b^2) w_h."""
        white = torch.randn(n, horizon, self.dim, generator=gen)
        if smoothing == 0.0:
            return white
        c = (1.0 - smoothing**2) ** 0.5
        steps = list(white.unbind(1))  # one (N, A) tensor per step: three ops a step, no slicing
        for h in range(1, horizon):
            steps[h] = smoothing * steps[h - 1] + c * steps[h]
        return torch.stack(steps, 1)

    def uniform(self, n: int, horizon: int, gen: torch.Generator) -> torch.Tensor:
        """(N, H, A) commands drawn independently and uniformly in the box (random shooting)."""
        return self.low + (self.high - self.low) * torch.rand(n, horizon, self.dim, generator=gen)

    def project(self, u: torch.Tensor, last: torch.Tensor | None = None) -> torch.Tensor:
        """(..., H, A) sequences into the box, then (if set) within the rate limit of their
        predecessor, starting from `last` (A,), the command being executed now."""
        u = torch.maximum(torch.minimum(u, self.high), self.low)
        if self.rate is None:
            return u
        steps = list(u.unbind(-2))  # one (..., A) tensor per step: three ops a step, no slicing
        prev = last
        for h, step in enumerate(steps):
            if prev is not None:
                steps[h] = prev + torch.clamp(step - prev, -self.rate, self.rate)
            prev = steps[h]
        return torch.stack(steps, -2)

    def clamp(self, a: torch.Tensor) -> torch.Tensor:
        return torch.maximum(torch.minimum(a, self.high), self.low)


def shift_plan(plan: torch.Tensor) -> torch.Tensor:
    """(H, A) -> the plan one step later: drop the executed first step, repeat the last."""
    return torch.cat([plan[1:], plan[-1:]], dim=0)


def acceptable(total: torch.Tensor, fail: torch.Tensor) -> torch.Tensor:
    """(N,) bool: samples that may carry weight; if no sample is acceptable, the finite ones."""
    ok = ~fail & torch.isfinite(total)
    return ok if bool(ok.any()) else torch.isfinite(total)


def mppi_weights(total: torch.Tensor, fail: torch.Tensor, temperature: float) -> torch.Tensor:
    """(N,) softmax(-(J - J_min) / lambda) over acceptable samples, lambda = temperature * (median - min).

    The scale makes the temperature independent of the cost's units, so a weight change moves
    the plan through the cost's shape, not through the sharpness of the average."""
    ok = acceptable(total, fail)
    if not bool(ok.any()):
        return torch.full_like(total, 1.0 / total.numel())
    j = total[ok]
    best = j.min()
    scale = (j.median() - best).clamp(min=1e-9)
    logits = torch.where(ok, -(total - best) / (temperature * scale), torch.full_like(total, -torch.inf))
    return torch.softmax(logits, dim=0)


def cem_stats(u: torch.Tensor, total: torch.Tensor, fail: torch.Tensor, elites: int):
    """Mean and std (H, A) of the `elites` cheapest acceptable samples of u (N, H, A)."""
    ranked = torch.where(acceptable(total, fail), total, torch.full_like(total, torch.inf))
    idx = torch.topk(ranked, k=max(2, min(elites, total.numel())), largest=False).indices
    e = u[idx]  # (E, H, A)
    mean = e.mean(0)
    return mean, ((e - mean) ** 2).mean(0).sqrt()
