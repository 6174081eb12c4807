"""Named planning paths: which model computes what, and in which precision.

A path is a PlanningModel built from the world model and the PlannerConfig fields it implies. actor_node
takes the name as a parameter; benchmarks/bench_planner.py measures each one.

  ensemble          every member for every sample, mean path, no spread term (the WorldModel.next path)
  penalty           every member for every sample, spread penalised at every step
  member            member 0 for all samples; the full ensemble re-scores the mean and the elites
  member-bf16       the same with bfloat16 matmuls on the fast path
  auto              member-bf16 where the CPU does bf16 matmuls natively (AVX512-BF16 or AMX), else member:
                    without them torch emulates bf16, and member-bf16 plans several times slower than member
Every path scores the samples with distilled search heads when given (actor/feature_heads.py) and the
final check with the world model's own; the member paths roll the samples out with distilled search
dynamics instead of member 0 when given (actor/search_dynamics.py).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from lecun_agent.actor.planning_model import CONTACT_FORCE_N, PlanningModel, WorldModelAdapter
from lecun_agent.world_model.model import WorldModel

PATHS: dict[str, dict[str, Any]] = {
    "ensemble": {"fast": "ensemble", "uncertainty": "none"},
    "penalty": {"fast": "ensemble", "uncertainty": "penalty"},
    "member": {"fast": "member", "uncertainty": "elites"},
    "member-bf16": {"fast": "member", "uncertainty": "elites", "dtype": torch.bfloat16},
}
AUTO = "auto"
# Plans within a 10 Hz tick with margin, 12 % regret (docs/actor.md); search heads and search dynamics
# beside the checkpoint make it cheaper (`lecun-agent distill-heads`, `distill-dynamics`).
DEFAULT_PATH = AUTO


def bf16_matmuls() -> str | None:
    """"AMX" or "AVX512-BF16": the instructions this CPU does bf16 matmuls with in hardware, as torch
    reports them; None when it has neither (torch then emulates bf16)."""
    for label, check in (("AMX", "_is_amx_tile_supported"), ("AVX512-BF16", "_is_avx512_bf16_supported")):
        if getattr(torch.cpu, check, lambda: False)():
            return label
    return None


def native_bf16() -> bool:
    """Whether this CPU does bf16 matmuls in hardware (AVX512-BF16 or AMX), as torch reports it."""
    return bf16_matmuls() is not None


def resolve_path(name: str) -> str:
    """The planning path a name stands for on this machine: `auto` is member-bf16 with native bf16, else member."""
    if name != AUTO:
        return name
    return "member-bf16" if native_bf16() else "member"


def planning_path(
    model: WorldModel, name: str, dt: float = 0.1, contact_force_n: float = CONTACT_FORCE_N,
    feature_heads: nn.Sequential | None = None, search_dynamics: nn.Sequential | None = None, fuse_relu: bool = True,
) -> tuple[PlanningModel, dict[str, Any]]:
    """-> (planning model, PlannerConfig overrides) for path `name`; `feature_heads` are the search heads the
    samples are scored with, `search_dynamics` the step the samples take instead of member 0's (member paths);
    `fuse_relu`: see WorldModelAdapter."""
    name = resolve_path(name)
    if name not in PATHS:
        raise ValueError(f"unknown planning path {name!r}; paths are {', '.join((AUTO, *PATHS))}")
    spec = PATHS[name]
    dtype = spec.get("dtype", torch.float32)
    members = None if spec["fast"] == "ensemble" else (0,)
    pm = WorldModelAdapter(model, fast_members=members, dtype=dtype, dt=dt, contact_force_n=contact_force_n,
                           feature_heads=feature_heads, search_dynamics=search_dynamics, fuse_relu=fuse_relu)
    overrides = {"uncertainty": spec["uncertainty"]}
    return pm, overrides
