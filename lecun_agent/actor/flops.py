"""Count the matmul FLOPs of a call and measure the machine's matmul limit for the same shapes.

`record_matmuls(fn)` runs fn once under a dispatch mode and lists every mm/addmm/bmm/baddbmm, and
every oneDNN linear (actor/fused_mlp.py), with its shapes and dtype. `matmul_limit(calls)` times
each distinct shape alone (the same op, dtype and thread count; lower quartile of 30 timings) and
returns total FLOPs / summed time: what this machine could reach if the planning path were nothing
but its matmuls. Elementwise ops (LayerNorm, SiLU, the cost terms) are not counted, as usual for
FLOP/s figures.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from lecun_agent.actor.fused_mlp import linear_pointwise

aten = torch.ops.aten
_MATMULS = {
    aten.mm.default: "mm",
    aten.addmm.default: "mm",
    aten.bmm.default: "bmm",
    aten.baddbmm.default: "bmm",
}
# Ops torch.inference_mode hands to a dispatch mode without breaking them into the matmuls above.
_COMPOSITE = {aten.linear.default, aten.einsum.default, aten.matmul.default}
# oneDNN's linear with a fused elementwise op: x (..., k), weight (n, k); counted as an mm of x's rows.
_FUSED_LINEAR = getattr(linear_pointwise(), "default", None)


@dataclass(frozen=True)
class MatmulShape:
    kind: str  # "mm" or "bmm"
    b: int  # batch (1 for mm)
    m: int
    k: int
    n: int
    dtype: torch.dtype

    @property
    def flops(self) -> int:
        return 2 * self.b * self.m * self.k * self.n


class _Recorder(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[MatmulShape] = Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if _FUSED_LINEAR is not None and func is _FUSED_LINEAR:
            x, w = args[0], args[1]
            self.calls[MatmulShape("mm", 1, x.numel() // x.shape[-1], x.shape[-1], w.shape[0], x.dtype)] += 1
            return func(*args, **(kwargs or {}))
        if func in _COMPOSITE:  # under inference mode these arrive whole: count the matmuls they run
            with self:
                out = func.decompose(*args, **(kwargs or {}))
            if out is not NotImplemented:
                return out
        kind = _MATMULS.get(func)
        if kind is not None:
            x, w = (args[1], args[2]) if func in (aten.addmm.default, aten.baddbmm.default) else args[:2]
            if kind == "mm":
                self.calls[MatmulShape("mm", 1, x.shape[0], x.shape[1], w.shape[1], x.dtype)] += 1
            else:
                self.calls[MatmulShape("bmm", x.shape[0], x.shape[1], x.shape[2], w.shape[2], x.dtype)] += 1
        return func(*args, **(kwargs or {}))


def record_matmuls(fn: Callable[[], object]) -> Counter[MatmulShape]:
    """Run fn once; -> {shape: number of calls}."""
    rec = _Recorder()
    with rec:
        fn()
    return rec.calls


def total_flops(calls: Counter[MatmulShape]) -> int:
    return sum(s.flops * c for s, c in calls.items())


def _time_shape(s: MatmulShape, repeats: int) -> float:
    if s.kind == "mm":
        x, w = torch.randn(s.m, s.k, dtype=s.dtype), torch.randn(s.k, s.n, dtype=s.dtype)
        fn = lambda: torch.mm(x, w)  # noqa: E731
    else:
        x, w = torch.randn(s.b, s.m, s.k, dtype=s.dtype), torch.randn(s.b, s.k, s.n, dtype=s.dtype)
        fn = lambda: torch.bmm(x, w)  # noqa: E731
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.percentile(times, 25))  # robust to another process's burst, not a best case


def matmul_limit(calls: Counter[MatmulShape], repeats: int = 30) -> float:
    """FLOP/s of the recorded matmuls run back to back on their own (lower-quartile time per shape)."""
    seconds = sum(_time_shape(s, repeats) * c for s, c in calls.items())
    return total_flops(calls) / max(seconds, 1e-12)
