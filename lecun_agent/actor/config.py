"""PlannerConfig: every size and knob of the mode-2 planner; its settings are actor_node's parameters.

Sizes default to what plans in time on one CPU thread (benchmarks/bench_planner.py); the
action box defaults to the gait's command box (`gait/config.py`), since the gait clamps
anything outside it and the world model never saw commands beyond it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from lecun_agent.gait.config import GaitConfig
from lecun_agent.settings import setting

METHODS = ("mppi", "cem", "random")
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
    """Every planner knob; actor_node declares the `setting` fields as `planner.<field>` (read-only)."""

    # Search sizes.
    horizon: int = setting(16, "planning horizon, model steps (0.1 s each by default)", low=1, high=64)
    samples: int = setting(512, "action sequences sampled per iteration, all in one batch", low=2, high=16384)
    iterations: int = setting(1, "MPPI/CEM refinements per tick (warm start makes 1 enough for MPPI, as in "
                              "Nav2)", low=1, high=20)
    method: str = setting("mppi", "mppi (softmax-weighted mean), cem (elite mean and std) or random (random "
                          "shooting: uniform sequences, no warm start, no proposal; the ablation)", choices=METHODS)
    # Sampling.
    noise_std: float = setting(0.3, "per-step sampling noise std, fraction of each command axis' half-range",
                               low=0.001, high=2.0)
    noise_smoothing: float = setting(0.8, "temporal correlation of the noise, 0 white .. <1 smooth", low=0.0,
                                     high=0.99)
    proposal_fraction: float = setting(0.125, "share of samples drawn around the mode-1 proposal, when there "
                                       "is one", low=0.0, high=1.0)
    temperature: float = setting(0.1, "MPPI softmax temperature, relative to (median - best) sample cost",
                                 low=0.001, high=100.0)
    elites: int = setting(8, "CEM elites; also how many top samples the final check re-scores", low=0, high=4096)
    cem_min_std: float = setting(0.05, "floor of CEM's std, fraction of half-range", low=0.0, high=2.0)
    # Plan cost.
    discount: float = setting(0.95, "per-step discount of the plan cost (the critic's own discount)", low=0.0,
                              high=1.0)
    # The critic learned the future cost of the exploration data, which had no goal: it prices motion
    # (energy, pain) and not progress, and at full weight it talks the planner into standing still.
    critic_weight: float = setting(0.2, "weight of the critic's value at the horizon (0: no critic; it was "
                                   "trained on goal-free exploration, docs/actor.md)", low=0.0, high=100.0)
    uncertainty: str = setting("elites", "how the ensemble spread counts: none, elites (checked on the mean "
                               "and the top samples), penalty (every sample), members; docs/actor.md",
                               choices=UNCERTAINTY_MODES)
    uncertainty_weight: float = setting(5.0, "cost per unit of ensemble spread (mean member std of s) per step",
                                        low=0.0, high=1000.0)
    contact_force_n: float = setting(360.0, "the body contact force a certain predicted contact counts as, N "
                                     "(the pain term scores P(contact) x this; 360 N = 3 robot weights)",
                                     low=0.0, high=10000.0)
    contact_memory: int = setting(64, "points remembered where the body touched something (odom frame, on the "
                                  "body's edge); plans are charged contact near them; 0 = off "
                                  "(actor/contact_memory.py)", low=0, high=4096)
    # 8 s, not 4: on 200 in-process seeds 268 touches against 322, 197 goals against 195, no falls
    # either way; 16 s touched as 8 did (docs/actor_experiments.md, "Seen contacts").
    seen_contacts_s: float = setting(8.0, "keep where the model predicted a first contact for this long (s of "
                                     "tick stamps), and charge plans near it, out of view too; 0 = off "
                                     "(actor/seen_contacts.py)", low=0.0, high=600.0)
    seen_threshold: float = setting(0.8, "predicted contact probability at which a seen contact is remembered",
                                    low=0.01, high=1.0)
    seen_view_deg: float = setting(70.0, "the camera's horizontal field of view: seen contacts inside it are "
                                   "forgotten, the model predicts them afresh", low=0.0, high=360.0)
    detour_after_s: float = setting(8.0, "no nearer the goal for this long (s of tick stamps) -> plan towards a "
                                    "point beside the robot for as long, then the goal again; 0 = off "
                                    "(actor/detour.py)", low=0.0, high=600.0)
    detour_m: float = setting(1.5, "how far beside the robot a detour's subgoal is, m", low=0.1, high=20.0)
    look_for_goal_weight: float = setting(2.0, "while the configurator looks around for the goal marker, cost "
                                          "per radian per step that the point it names (round the goal sent) "
                                          "lies outside the view below; 0 = off (actor/look_for_goal.py)",
                                          low=0.0, high=1000.0)
    look_for_goal_view_deg: float = setting(50.0, "width of the view that point is kept in, deg (the camera's "
                                            "is 70, and its edge cuts the marker)", low=0.0, high=360.0)
    # On 200 fresh in-process seeds, 309 touches against 375 and no falls either way
    # (docs/actor_experiments.md, "Slow near touches").
    slow_near_touches_weight: float = setting(10.0, "cost per m/s of predicted speed above slow_near_touches_speed, "
                                              "per plan step that passes a remembered touch; 0 = off "
                                              "(actor/slow_near_touches.py)", low=0.0, high=1000.0)
    slow_near_touches_m: float = setting(0.2, "a plan step passes a touch when its footprint comes this close, m",
                                         low=0.0, high=5.0)
    slow_near_touches_speed: float = setting(0.5, "planar speed a plan may keep past a touch, m/s", low=0.0, high=5.0)
    head_stride: int = setting(1, "run the wide feature heads on every n-th sampled step (and the last), "
                               "interpolated between; the final check runs them on every step", low=1, high=64)
    veto_penalty: float = 1.0e6  # added to a vetoed sample's cost, so all-vetoed sets still rank
    # Actions.
    action_low: tuple[float, ...] = field(default_factory=lambda: _LOW)
    action_high: tuple[float, ...] = field(default_factory=lambda: _HIGH)
    rate_limit: tuple[float, ...] | None = field(default_factory=lambda: gait_rate_limits(0.1))
    # Real time and reproducibility.
    deadline_s: float = setting(0.0, "planning budget per tick, s; 0 = none (lock-step: the plan is a function "
                                "of the inputs and the seed only)", low=0.0, high=10.0)
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
