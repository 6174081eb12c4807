"""PlannerConfig: every size and knob of the mode-2 planner, with the docs actor_node declares.

Sizes default to what plans in time on one CPU thread (benchmarks/bench_planner.py); the
action box defaults to the gait's command box (`gait/config.py`), since the gait clamps
anything outside it and the world model never saw commands beyond it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from lecun_agent.gait.config import GaitConfig

METHODS = ("mppi", "cem")
UNCERTAINTY_MODES = ("none", "elites", "penalty", "members")


def gait_action_box(gait: GaitConfig | None = None) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(low, high) of the body-velocity command (vx, vy, yaw_rate) the gait accepts."""
    g = gait or GaitConfig()
    return (g.vx_min, -g.vy_max, -g.yaw_rate_max), (g.vx_max, g.vy_max, g.yaw_rate_max)


def gait_rate_limits(dt: float, gait: GaitConfig | None = None) -> tuple[float, ...]:
    """Largest command change per model step (dt s) the gait's ramp lets through, per axis."""
    g = gait or GaitConfig()
    return (g.lin_accel_max * dt, g.lin_accel_max * dt, g.yaw_accel_max * dt)


_LOW, _HIGH = gait_action_box()


@dataclass
class PlannerConfig:
    # Search sizes.
    horizon: int = 16  # H model steps (0.1 s each by default)
    samples: int = 512  # N action sequences per iteration, all in one batch
    iterations: int = 1  # MPPI/CEM refinements per tick; warm start makes 1 enough for MPPI (Nav2's default)
    method: str = "mppi"  # "mppi" (softmax-weighted mean) or "cem" (elite mean and std)
    # Sampling.
    noise_std: float = 0.3  # per-step noise std, as a fraction of each axis' half-range
    noise_smoothing: float = 0.8  # temporal correlation of the noise, 0 white .. <1 smooth
    proposal_fraction: float = 0.125  # share of samples drawn around the mode-1 proposal, when there is one
    temperature: float = 0.1  # MPPI softmax temperature, relative to (median - best) sample cost
    elites: int = 8  # CEM elites; also how many top samples the final check re-scores
    cem_min_std: float = 0.05  # floor of CEM's std, fraction of half-range
    # Plan cost.
    discount: float = 0.95  # per-step discount of the cost sum (the critic's own discount)
    critic_weight: float = 1.0  # weight of the critic's value at the horizon
    uncertainty: str = "elites"  # "none" | "elites" | "penalty" | "members", see docs/actor.md
    uncertainty_weight: float = 5.0  # cost per unit of ensemble spread (mean member std of s) per step
    veto_penalty: float = 1.0e6  # added to a vetoed sample's cost, so all-vetoed sets still rank
    # Hierarchy: near steps with the fast predictor, the rest in slow-level chunks.
    hierarchical: bool = False
    near_steps: int = 6  # fast steps before the chunks (horizon - near_steps must fill whole chunks)
    # Actions.
    action_low: tuple[float, ...] = field(default_factory=lambda: _LOW)
    action_high: tuple[float, ...] = field(default_factory=lambda: _HIGH)
    rate_limit: tuple[float, ...] | None = field(default_factory=lambda: gait_rate_limits(0.1))
    # Real time and reproducibility.
    deadline_s: float | None = None  # None: lock-step, result independent of machine speed
    seed: int = 0
    compile: bool = False  # torch.compile the planning model's step (off: CPU compile is slow to warm)

    def __post_init__(self) -> None:
        problems = []
        if self.method not in METHODS:
            problems.append(f"method must be one of {METHODS}, got {self.method!r}")
        if self.uncertainty not in UNCERTAINTY_MODES:
            problems.append(f"uncertainty must be one of {UNCERTAINTY_MODES}, got {self.uncertainty!r}")
        if self.horizon < 1 or self.samples < 2 or self.iterations < 1:
            problems.append("need horizon >= 1, samples >= 2, iterations >= 1")
        if len(self.action_low) != len(self.action_high):
            problems.append("action_low and action_high must have the same length")
        elif any(lo >= hi for lo, hi in zip(self.action_low, self.action_high, strict=True)):
            problems.append("every action_low must be below its action_high")
        if self.rate_limit is not None and len(self.rate_limit) != len(self.action_low):
            problems.append("rate_limit needs one entry per action dimension")
        if not 0.0 <= self.noise_smoothing < 1.0 or self.noise_std <= 0 or self.temperature <= 0:
            problems.append("need 0 <= noise_smoothing < 1, noise_std > 0, temperature > 0")
        if problems:
            raise ValueError("PlannerConfig: " + "; ".join(problems))

    @property
    def action_dim(self) -> int:
        return len(self.action_low)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def docs(cls) -> dict[str, tuple[str, float, float]]:
        """Numeric field -> (description, low, high), for actor_node's parameter descriptors."""
        return dict(FIELD_DOCS)


FIELD_DOCS: dict[str, tuple[str, float, float]] = {
    "horizon": ("planning horizon, model steps", 1, 64),
    "samples": ("action sequences sampled per iteration", 2, 16384),
    "iterations": ("MPPI/CEM iterations per tick", 1, 20),
    "noise_std": ("sampling noise std, fraction of each command axis' half-range", 0.001, 2.0),
    "noise_smoothing": ("temporal correlation of the sampling noise", 0.0, 0.99),
    "proposal_fraction": ("share of samples drawn around the mode-1 proposal", 0.0, 1.0),
    "temperature": ("MPPI temperature relative to the median-minus-best sample cost", 0.001, 100.0),
    "elites": ("CEM elites, and top samples re-checked with the full ensemble", 0, 4096),
    "discount": ("per-step discount of the plan cost", 0.0, 1.0),
    "critic_weight": ("weight of the critic's value at the horizon", 0.0, 100.0),
    "uncertainty_weight": ("cost per unit of ensemble spread per step", 0.0, 1000.0),
    "near_steps": ("hierarchical mode: fast-predictor steps before the slow chunks", 0, 64),
    "deadline_s": ("planning deadline per tick, s (0: none, lock-step)", 0.0, 10.0),
}
