"""Small building blocks: an MLP and an ensemble of MLPs evaluated in one batched matmul."""

from __future__ import annotations

import copy
import math

import torch
from torch import nn


def mlp(inp: int, hidden: int, out: int, layers: int = 2) -> nn.Sequential:
    """inp -> [Linear, LayerNorm, SiLU] * layers -> Linear(out)."""
    mods: list[nn.Module] = []
    for i in range(layers):
        mods += [nn.Linear(inp if i == 0 else hidden, hidden), nn.LayerNorm(hidden), nn.SiLU()]
    mods.append(nn.Linear(hidden, out))
    return nn.Sequential(*mods)


class EnsembleLinear(nn.Module):
    """K independent linear layers: x (K, N, inp) -> (K, N, out)."""

    def __init__(self, members: int, inp: int, out: int):
        super().__init__()
        bound = 1.0 / math.sqrt(inp)
        self.weight = nn.Parameter(torch.empty(members, inp, out).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(members, 1, out).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)


class EnsembleLayerNorm(nn.Module):
    """LayerNorm with separate affine parameters per member: (K, N, F)."""

    def __init__(self, members: int, features: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(members, 1, features))
        self.bias = nn.Parameter(torch.zeros(members, 1, features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = nn.functional.layer_norm(x, x.shape[-1:])
        return x * self.weight + self.bias


class EnsembleMLP(nn.Module):
    """K MLPs with identical shapes and different initial weights: (N, inp) -> (K, N, out)."""

    def __init__(self, members: int, inp: int, hidden: int, out: int):
        super().__init__()
        self.members = members
        self.net = nn.Sequential(
            EnsembleLinear(members, inp, hidden), EnsembleLayerNorm(members, hidden), nn.SiLU(),
            EnsembleLinear(members, hidden, hidden), EnsembleLayerNorm(members, hidden), nn.SiLU(),
            EnsembleLinear(members, hidden, out),
        )  # fmt: skip
        # Small last layer: each member starts near "no change", which the residual makes the copy model.
        with torch.no_grad():
            self.net[-1].weight.mul_(0.1)
            self.net[-1].bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.unsqueeze(0).expand(self.members, *x.shape))

    def member_net(self, k: int) -> nn.Sequential:
        """A frozen plain MLP (nn.Linear, nn.LayerNorm, nn.SiLU) holding a copy of member k: the same
        function as `member(x, k)`, with the LayerNorm's affine fused into its kernel; the faster way
        to run one member."""
        mods: list[nn.Module] = []
        for layer in self.net:
            if isinstance(layer, EnsembleLinear):
                lin = nn.Linear(layer.weight.shape[1], layer.weight.shape[2])
                lin.weight.data.copy_(layer.weight[k].T)
                lin.bias.data.copy_(layer.bias[k, 0])
                mods.append(lin)
            elif isinstance(layer, EnsembleLayerNorm):
                norm = nn.LayerNorm(layer.weight.shape[-1])
                norm.weight.data.copy_(layer.weight[k, 0])
                norm.bias.data.copy_(layer.bias[k, 0])
                mods.append(norm)
            else:
                mods.append(copy.deepcopy(layer))
        return nn.Sequential(*mods).requires_grad_(False)

    def member(self, x: torch.Tensor, k: int) -> torch.Tensor:
        """Member k alone: x (..., inp) -> (..., out), the same numbers as forward(x)[k]."""
        for layer in self.net:
            if isinstance(layer, EnsembleLinear):
                x = torch.addmm(layer.bias[k], x.reshape(-1, x.shape[-1]), layer.weight[k]).reshape(
                    *x.shape[:-1], -1
                )
            elif isinstance(layer, EnsembleLayerNorm):
                x = nn.functional.layer_norm(x, x.shape[-1:], layer.weight[k, 0], layer.bias[k, 0])
            else:
                x = layer(x)
        return x
