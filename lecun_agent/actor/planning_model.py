"""The planning model: the four things the planner asks of a world model, and the WorldModel adapter.

The planner calls only this interface, so a change of world-model sizes, heads or a distilled
planning dynamics never touches it. Shapes: N samples, K members, D latent, A action.

- `step(s, a)`: the fast planning dynamics, (N, D), (N, A) -> (N, D). The cheap path every
  sample takes (one member, a distilled net, or the ensemble mean; the adapter decides).
- `step_members(s, a)`: every ensemble member, s (N, D) shared or (K, N, D) one per member
  -> (K, N, D). Used for the uncertainty check, on few rows.
- `features(s, every=1, exact=False)`: (..., D) -> the cost core's physical features
  (`cost/features.py` names). With every > 1, s is a sequence (..., H, D) and a model may run its
  expensive heads only on every `every`-th step and the last, linearly interpolated between
  (`along_steps`); what it needs at each step (the twist, the contact probability) it still
  computes at each step. A model may search with cheaper stand-ins for its heads; `exact` asks for
  the world model's own (the planner's final check, whose plan costs the guardrail reads).
- `critic(s)`: (..., D) -> (...,) discounted future intrinsic cost.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import torch
from torch import nn

from lecun_agent.actor.fused_mlp import fused
from lecun_agent.cost.features import Features
from lecun_agent.world_model.layers import EnsembleMLP
from lecun_agent.world_model.model import TWIST, WorldModel

CONTACT_FORCE = "body_contact_force"
# What a predicted contact presses with, N: the robot's weight (about 12 kg), i.e. pain 1.0 per step
# of a certain contact (cost/pain.py counts body contact in body weights).
CONTACT_FORCE_N = 120.0
# The planning head's outputs the planner reads: the twist (3) and the contact logit; search heads
# (actor/feature_heads.py) end with the same four.
PLAN_OUTPUTS = 4
# The search heads' output count is padded to a multiple of this (zero outputs after the kept ones, see _cut_last).
PAD_OUTPUTS = 16


@runtime_checkable
class PlanningModel(Protocol):
    latent_dim: int
    action_dim: int
    members: int  # K of step_members; 1 means no ensemble spread
    dt: float  # seconds per model step

    def step(self, s: torch.Tensor, a: torch.Tensor) -> torch.Tensor: ...
    def step_members(self, s: torch.Tensor, a: torch.Tensor) -> torch.Tensor: ...
    def features(self, s: torch.Tensor, every: int = 1, exact: bool = False) -> Features: ...
    def critic(self, s: torch.Tensor) -> torch.Tensor: ...


def slice_ensemble(ens: EnsembleMLP, members: Sequence[int]) -> EnsembleMLP:
    """A copy of `ens` holding only `members`: every parameter's leading member axis is indexed."""
    idx = torch.as_tensor(list(members))
    out = copy.deepcopy(ens)
    for module in out.modules():
        for name, p in list(module.named_parameters(recurse=False)):
            if p.shape[0] == ens.members:
                setattr(module, name, nn.Parameter(p.detach()[idx].clone(), requires_grad=False))
    out.members = len(idx)
    return out


class WorldModelAdapter:
    """PlanningModel over a WorldModel.

    fast_members: the members whose mean is `step` (None: all, i.e. `WorldModel.next`; (0,):
    one member, K times cheaper). dtype: the matmul precision of `step`, `features` and `critic`
    (torch.bfloat16 runs about twice the float32 rate on CPUs with AVX512-BF16/AMX; states and
    their residual sums stay float32). `step_members` stays float32: the bf16 paths run it on the
    check's few rows, where bf16 conversions and small-matrix kernels cost more than they save
    (2.2 against 1.5 ms for the 16 steps of a 9-candidate check).
    feature_names: heads to compute (None: all the model has); the planner needs those its cost
    terms read. contact_force_n: the force a certain predicted contact counts as (body_contact_force
    = max(the regression head, P(contact) * contact_force_n)). feature_heads: search heads, one
    small MLP distilled from the model's feature heads and planning head (actor/feature_heads.py:
    features, then the twist and the contact logit) that `features` runs unless
    `exact`; None: the model's own heads always. search_dynamics: a stand-in for member 0's dynamics in
    `step` (actor/search_dynamics.py: a ReLU MLP on [s, a / action_scale] -> s' - s); one fast member only.
    fuse_relu: run those two in bfloat16 with each ReLU inside the matmul before it where torch can
    (actor/fused_mlp.py: the same numbers, faster); False runs them eagerly (the benchmark's comparison).
    """

    def __init__(
        self,
        model: WorldModel,
        fast_members: Sequence[int] | None = None,
        dtype: torch.dtype = torch.float32,
        feature_names: Sequence[str] | None = None,
        dt: float = 0.1,
        contact_force_n: float = CONTACT_FORCE_N,
        feature_heads: nn.Sequential | None = None,
        search_dynamics: nn.Sequential | None = None,
        fuse_relu: bool = True,
    ) -> None:
        cfg = model.cfg
        self.model = model.eval()
        self.latent_dim, self.action_dim = cfg.latent_dim, cfg.action_dim
        self.members, self.dt = cfg.ensemble, dt
        self.dtype = dtype
        members = tuple(range(cfg.ensemble)) if fast_members is None else tuple(fast_members)
        # One member: a plain MLP (fused LayerNorm affine, addmm), (N, D + A) -> (N, D); else (K', N, D).
        self._one_member = len(members) == 1
        if search_dynamics is not None and not self._one_member:
            raise ValueError("search dynamics stand in for one member: plan with a `member` path")
        # A copy of the search dynamics: .to(dtype) converts a module in place, and the caller's may plan elsewhere.
        self.fast = (copy.deepcopy(search_dynamics) if search_dynamics is not None
                     else model.dynamics.member_net(members[0]) if self._one_member
                     else slice_ensemble(model.dynamics, members)).to(dtype)
        self.ensemble = model.dynamics  # float32: see step_members
        self._value = model.value if dtype == torch.float32 else copy.deepcopy(model.value).to(dtype)
        self._heads, self._names, self._mean, self._std = self._select_heads(model, feature_names)
        self._heads = self._heads.to(dtype) if self._heads is not None else None
        # The planning head gives the twist (its first 3 outputs, the model's one twist) and the
        # probability of a body contact during the step (output 3), which the contact regression
        # head smooths away: a contact is rare, so its regression predicts a fraction of its force.
        self._plan = None
        if feature_names is None or TWIST in feature_names or CONTACT_FORCE in feature_names:
            i = model._twist_at
            self._plan = _cut_last(model.plan, range(PLAN_OUTPUTS)).to(dtype)
            self._twist_mean, self._twist_std = model.feature_mean[i : i + 3], model.feature_std[i : i + 3]
        self._twist_wanted = feature_names is None or TWIST in feature_names
        self.contact_force_n = contact_force_n
        self._contact = feature_names is None or CONTACT_FORCE in feature_names
        # The search heads `features` runs unless exact: one stand-in for both MLPs above, its outputs cut to
        # the features wanted and the planning head's four; None: the world model's own heads always.
        self._search_heads = None
        if feature_heads is not None:
            width = len(_head_rows(model, None))  # the stand-in's feature outputs, before the planning head's
            rows = _head_rows(model, feature_names) + list(range(width, width + PLAN_OUTPUTS))
            self._search_heads = _cut_last(feature_heads, rows, PAD_OUTPUTS).to(dtype)
            self._search_outputs = len(rows)  # the padding's zero outputs follow them
        # What runs them (fuse_relu).
        fuse = fused if fuse_relu else (lambda net: net)
        self._run_fast = fuse(self.fast)  # fused() leaves anything but a bfloat16 ReLU MLP as it is
        self._run_search_heads = None if self._search_heads is None else fuse(self._search_heads)

    # ---- PlanningModel ---------------------------------------------------------------------
    @torch.no_grad()
    def step(self, s: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        x = torch.cat([s, a / self.model.action_scale], dim=-1).to(self.dtype)  # (N, D + A)
        delta = self._run_fast(x)  # (N, D) for one member, else (K', N, D)
        return s + (delta if self._one_member else delta.mean(0)).float()

    @torch.no_grad()
    def step_members(self, s: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        k = self.members
        s = s.expand(k, *s.shape) if s.dim() == 2 else s  # (K, N, D)
        a = (a / self.model.action_scale).expand(k, *a.shape)  # (K, N, A)
        return s + self.ensemble.net(torch.cat([s, a], dim=-1))

    @torch.no_grad()
    def features(self, s: torch.Tensor, every: int = 1, exact: bool = False) -> Features:
        out, x = {}, s.to(self.dtype)
        if exact or self._search_heads is None:  # the world model's wide feature heads strided, its planning head not
            flat = None if self._heads is None else along_steps(self._heads, x, every)
            plan = None if self._plan is None else self._plan(x).float()
        else:  # the search heads: one pass for both, strided
            both = along_steps(self._run_search_heads, x, every)
            end = self._search_outputs
            flat = both[..., : end - PLAN_OUTPUTS] if self._heads is not None else None
            plan = both[..., end - PLAN_OUTPUTS : end]
        if flat is not None:
            flat = flat * self._std + self._mean  # (..., F')
            i = 0
            for name, width in self._names:
                part = flat[..., i : i + width]
                out[name] = part.squeeze(-1) if width == 1 else part
                i += width
        if plan is not None:
            if self._twist_wanted:
                out[TWIST] = plan[..., :3] * self._twist_std + self._twist_mean  # (..., 3)
            if self._contact:  # the expected body contact force: a likely contact counts as contact_force_n
                expected = torch.sigmoid(plan[..., 3]) * self.contact_force_n
                out[CONTACT_FORCE] = torch.maximum(out[CONTACT_FORCE], expected) if CONTACT_FORCE in out else expected
        return out

    @torch.no_grad()
    def critic(self, s: torch.Tensor) -> torch.Tensor:
        return self.model.critic(s.to(self.dtype), self._value)

    # ---- helpers --------------------------------------------------------------------------------
    @staticmethod
    def _select_heads(model: WorldModel, names: Sequence[str] | None):
        """model.heads (every feature but the twist) with its last layer cut to `names` (None: all), their
        (name, width) list and normalisers; None for the MLP when no such feature is asked."""
        layout, cols, col = [], [], 0  # col: feature_mean's index, which counts the twist too
        for name, width in model.cfg.head_features.items():
            if name != TWIST and (names is None or name in names):
                layout.append((name, width))
                cols += range(col, col + width)
            col += width
        rows = _head_rows(model, names)
        if not rows:
            return None, layout, None, None
        idx = torch.as_tensor(cols)
        return _cut_last(model.heads, rows), layout, model.feature_mean[idx].clone(), model.feature_std[idx].clone()


def _head_rows(model: WorldModel, names: Sequence[str] | None) -> list[int]:
    """The rows of model.heads' output (every head feature but the twist) that hold `names` (None: all)."""
    rows, row = [], 0
    for name, width in model.cfg.head_features.items():
        if name != TWIST:
            if names is None or name in names:
                rows += range(row, row + width)
            row += width
    return rows


def along_steps(net: nn.Module, x: torch.Tensor, every: int) -> torch.Tensor:
    """net(x).float() for a sequence x (..., H, D), with net run only on steps 0, every, 2 * every, ...
    and the last, and linearly interpolated between them (every <= 1: on every step)."""
    if every <= 1:
        return net(x).float()
    steps = x.shape[-2]
    at = tuple(sorted(set(range(0, steps, every)) | {steps - 1}))
    return torch.matmul(_interpolation(at, steps), net(x[..., list(at), :]).float())  # (H, M) @ (..., M, F)


@functools.lru_cache(maxsize=16)
def _interpolation(at: tuple[int, ...], steps: int) -> torch.Tensor:
    """(steps, len(at)): row t mixes the two computed steps around t linearly."""
    w = torch.zeros(steps, len(at))
    for j in range(len(at) - 1):
        lo, hi = at[j], at[j + 1]
        for t in range(lo, hi + 1):
            w[t].zero_()
            w[t, j], w[t, j + 1] = (hi - t) / (hi - lo), (t - lo) / (hi - lo)
    if len(at) == 1:
        w[0, 0] = 1.0
    return w


def _cut_last(net: nn.Sequential, rows: Sequence[int], pad_to: int = 1) -> nn.Sequential:
    """A frozen copy of an MLP whose last nn.Linear keeps only the outputs `rows`, followed by zero outputs up
    to a multiple of `pad_to` (float32 matmuls run a 48-wide output in about 0.6 of a 47-wide one's time, and
    the kept outputs come out bit for bit the same; benchmarks/padded_outputs.py)."""
    net = copy.deepcopy(net)
    last = net[-1]
    assert isinstance(last, nn.Linear), "expected an MLP that ends in nn.Linear"
    idx = torch.as_tensor(list(rows))
    cut = nn.Linear(last.in_features, -(-len(idx) // pad_to) * pad_to)
    with torch.no_grad():
        cut.weight.zero_()
        cut.bias.zero_()
        cut.weight[: len(idx)].copy_(last.weight[idx])
        cut.bias[: len(idx)].copy_(last.bias[idx])
    net[-1] = cut
    return net.requires_grad_(False)
