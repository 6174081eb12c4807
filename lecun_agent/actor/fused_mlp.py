"""A bfloat16 ReLU MLP run as oneDNN linear layers with the ReLU fused in: the same numbers, fewer passes.

The search heads and search dynamics (relu_mlp: Linear, ReLU, Linear, ReLU, Linear) are what every
sampled state goes through. In bfloat16 on a CPU, eager torch runs each Linear as a matmul that writes
its output and then each ReLU as a second pass over it; at 512-8192 rows and 128 units that pass costs
a third to a half of the matmul. oneDNN applies the ReLU to each output block before it is stored
(`torch.ops.mkldnn._linear_pointwise`, the kernel torch.compile emits for this pattern on CPU): one
pass, bit for bit the eager result (the ReLU commutes with the rounding to bfloat16).

`fused(net)` returns a module that runs the net so, or the net itself where that would not help or
cannot be trusted: a float32 net (there the fused kernel is no faster at 512 rows), an MLP of another
shape, a torch without the kernel, or one whose output differs from eager on a probe.
benchmarks/bench_planner.py's `paths` part measures both.
"""

from __future__ import annotations

import torch
from torch import nn


def linear_pointwise():
    """torch.ops.mkldnn._linear_pointwise (x, weight, bias, attr, scalars, algorithm), or None where this torch
    has no oneDNN: the one place that names the kernel (flops.py counts its calls)."""
    mkldnn = getattr(torch.ops, "mkldnn", None)
    return getattr(mkldnn, "_linear_pointwise", None) if torch.backends.mkldnn.is_available() else None


class FusedReluMLP(nn.Module):
    """net's Linear layers, each with the ReLU after it (if any) applied inside the matmul."""

    def __init__(self, net: nn.Sequential, kernel) -> None:
        super().__init__()
        self.net = net  # the weights live here, shared
        self.kernel = kernel
        modules = list(net)
        self.layers = [(m, "relu" if i + 1 < len(modules) and isinstance(modules[i + 1], nn.ReLU) else "none")
                       for i, m in enumerate(modules) if isinstance(m, nn.Linear)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for linear, attr in self.layers:
            x = self.kernel(x, linear.weight, linear.bias, attr, [], "")
        return x


def fused(net: nn.Sequential) -> nn.Module:
    """A FusedReluMLP of a bfloat16 ReLU MLP when this torch has the kernel and it gives eager's numbers
    on a probe; otherwise `net` unchanged."""
    kernel = linear_pointwise()
    if kernel is None or not _relu_mlp(net) or next(net.parameters()).dtype != torch.bfloat16:
        return net
    out = FusedReluMLP(net, kernel)
    probe = torch.randn(64, net[0].in_features, generator=torch.Generator().manual_seed(0)).to(torch.bfloat16)
    try:
        with torch.no_grad():
            same = torch.equal(out(probe), net(probe))
    except RuntimeError:
        return net
    return out if same else net


def _relu_mlp(net: nn.Module) -> bool:
    """Linear layers with at most a ReLU after each, starting and ending with a Linear, and nothing else."""
    if not isinstance(net, nn.Sequential) or not isinstance(net[0], nn.Linear) or not isinstance(net[-1], nn.Linear):
        return False
    return all(isinstance(m, nn.Linear | nn.ReLU) for m in net) and not any(
        isinstance(a, nn.ReLU) and isinstance(b, nn.ReLU) for a, b in zip(net, net[1:], strict=False))
