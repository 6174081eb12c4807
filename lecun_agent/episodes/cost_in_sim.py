"""Scripted simulation runs that check the intrinsic cost and the guardrail against physics.

Two experiments, shared by test/test_cost_in_sim.py and benchmarks/plot_cost_in_sim.py:
- `walk_into_wall`: trot straight at a wall with or without the guardrail in the loop and
  record pain, the command that reached the gait, and the guardrail's verdicts;
- `energy_at_speeds`: trot on open ground at several speeds and measure the mean joint
  power (the energy term, W = J/s); `walking_at_speeds` also the speed reached.
The sim, the gait, the cost and the guardrail run in-process at the control rate, the same
cores the nodes wrap, so no ROS is needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lecun_agent.cost.features import features_from_readings
from lecun_agent.cost.guardrail import SOURCES, Guardrail, GuardrailConfig
from lecun_agent.cost.limits import load_body_limits
from lecun_agent.cost.total import IntrinsicCost


def small_arena_env(start_x: float = 1.0, seed: int = 0):
    """A LocomotionEnv in a 6 m walled arena without obstacles, facing the east wall from start_x."""
    from lecun_agent.sim.config import ArenaConfig, SimConfig
    from lecun_agent.sim.env import LocomotionEnv

    arena = ArenaConfig(size_m=6.0, obstacle_count=0, start_xy=(start_x, 0.0), corridor_length_m=1.0,
                        goal_min_distance_m=1.0)
    env = LocomotionEnv(SimConfig(camera_enabled=False, arena=arena))
    env.reset(seed)
    return env


@dataclass
class Trace:
    """Per control step records of one run, each (T,) unless noted."""

    time: list[float] = field(default_factory=list)  # s
    x: list[float] = field(default_factory=list)  # m, ground-truth base x
    pain: list[float] = field(default_factory=list)  # raw pain term
    pain_filtered: list[float] = field(default_factory=list)  # the guardrail's low-passed pain
    energy: list[float] = field(default_factory=list)  # W
    fall: list[float] = field(default_factory=list)
    proposed_vx: list[float] = field(default_factory=list)  # m/s
    sent_vx: list[float] = field(default_factory=list)  # m/s, after the guardrail
    verdict: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # guardrail reason -> outputs

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(v) for k, v in vars(self).items() if isinstance(v, list)}


def run(env, commands, seconds: float, guard: Guardrail | None, cost: IntrinsicCost | None = None) -> Trace:
    """Drive `commands(t) -> (3,)` for `seconds` of sim time; the guardrail (if any) filters each command."""
    cost = cost or IntrinsicCost(load_body_limits())
    trace = Trace()
    readings = env._obs()["readings"]
    for _ in range(int(round(seconds * env.sim.config.control_hz))):
        t = env.sim.time
        data = cost.evaluate(features_from_readings(readings), check=False)
        proposal = np.asarray(commands(t), dtype=float)
        if guard is not None:
            for source in SOURCES[1:]:
                guard.seen(source, readings.stamp, t)
            guard.pain(readings.stamp, float(data.raw["pain"]))
            guard.attitude(readings.stamp, readings.imu_quat)
            guard.propose(proposal, t, t)
            decision = guard.decide(t)
            sent, verdict = decision.cmd, decision.verdict.value
        else:
            sent, verdict = proposal, "none"
        obs, _, _, _, info = env.step(sent)
        readings = obs["readings"]
        trace.time.append(t)
        trace.x.append(float(info["ground_truth"].pos[0]))
        trace.pain.append(float(data.raw["pain"]))
        trace.pain_filtered.append(guard.pain_filtered if guard is not None else float("nan"))
        trace.energy.append(float(data.raw["energy"]))
        trace.fall.append(float(data.raw["fall"]))
        trace.proposed_vx.append(float(proposal[0]))
        trace.sent_vx.append(float(sent[0]))
        trace.verdict.append(verdict)
    if guard is not None:
        trace.counts = dict(guard.counts)
    return trace


def walk_into_wall(speed: float = 0.5, seconds: float = 6.0, guarded: bool = True, seed: int = 0) -> Trace:
    """Trot at `speed` towards the wall 2 m ahead, with or without the guardrail."""
    env = small_arena_env(seed=seed)
    try:
        guard = Guardrail(GuardrailConfig()) if guarded else None
        return run(env, lambda t: (speed, 0.0, 0.0), seconds, guard)
    finally:
        env.close()


def walking_at_speeds(speeds=(0.2, 0.4, 0.6), seconds: float = 4.0, settle: float = 1.0,
                      seed: int = 0) -> dict[float, tuple[float, float]]:
    """Commanded speed -> (mean joint mechanical power W, mean ground-truth forward speed m/s) while
    trotting on open ground, after `settle` s; their ratio is the energy per metre."""
    out = {}
    for speed in speeds:
        env = small_arena_env(start_x=-2.5, seed=seed)  # 5 m of open floor ahead
        try:
            trace = run(env, lambda t, s=speed: (s, 0.0, 0.0), seconds, None).arrays()
        finally:
            env.close()
        after = trace["time"] >= settle
        t, x = trace["time"][after], trace["x"][after]
        out[speed] = (float(trace["energy"][after].mean()), float((x[-1] - x[0]) / (t[-1] - t[0])))
    return out


def energy_at_speeds(speeds=(0.2, 0.4, 0.6), seconds: float = 4.0, settle: float = 1.0,
                     seed: int = 0) -> dict[float, float]:
    """Mean joint mechanical power (W) while trotting on open ground at each speed, after `settle` s."""
    return {s: power for s, (power, _) in walking_at_speeds(speeds, seconds, settle, seed).items()}
