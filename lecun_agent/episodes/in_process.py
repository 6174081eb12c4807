"""The whole agent loop of a goal episode in one process: body, reflexes, intrinsic cost, guardrail, agent.

It runs what the ROS stack runs in synchronous mode, with function calls instead of topics:
- every control step (control_hz): the sim's readings are scored by the intrinsic cost (with the
  goal) and fed to the guardrail as cost_node does: `seen` for joint_states, imu and odom stamped
  now, `pain`, and `measured` with the veto's tilt and fall breaches (they latch a stop);
- one agent tick per camera frame (camera_hz): the agent sees an `Observation` and proposes a
  command; the guardrail `propose`s it and `decide`s at the tick's stamp;
- between ticks the guardrail only `check`s its stop rules (cost_node's output timer), and the
  trot gait runs from the last decided command.
The Gymnasium env (gym_env.py), the benchmarks and comparisons with the ROS path use it. It is
deterministic for a seed: the sim is rebuilt from the seed and nothing reads a wall clock.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lecun_agent.actor.contact_memory import strongest_touches
from lecun_agent.actor.straight import StraightLineSettings, straight_line_command
from lecun_agent.body.readings import Readings, quat_to_rpy
from lecun_agent.cost.features import base_twist, features_from_readings
from lecun_agent.cost.guardrail import Guardrail, GuardrailConfig
from lecun_agent.cost.limits import load_body_limits
from lecun_agent.cost.total import IntrinsicCost
from lecun_agent.cost.veto import LATCHING
from lecun_agent.cost.weights import CostWeights
from lecun_agent.episodes.goal import GoalRules, episode_end, goal_metrics
from lecun_agent.gait.config import GaitConfig
from lecun_agent.gait.trot import TrotGait
from lecun_agent.perception.proprio import proprio_from_readings
from lecun_agent.programs.scripted import PROGRAMS
from lecun_agent.sim.arena import Arena
from lecun_agent.sim.config import ArenaConfig, SimConfig
from lecun_agent.sim.sim import QuadrupedSim

GUARDED_SOURCES = ("joint_states", "imu", "odom")  # readings the guardrail ages (its 4th source: proposal)


@dataclass
class Observation:
    """What the agent gets at a tick: its own sensors, its odometry and the goal; never the arena's truth."""

    t: float  # s, sim time of the tick
    camera: np.ndarray  # (H, W, 3) uint8, the tick's onboard frame (zeros with the camera off)
    proprio: np.ndarray  # (PROPRIO_DIM,) float32, perception/proprio.py
    odom: np.ndarray  # (6,) x, y (m), yaw (rad) in odom; vx, vy (m/s), yaw rate (rad/s) in the body frame
    goal: np.ndarray  # (2,) m, goal x, y in odom (= the arena's: odom starts at the true start pose)
    readings: Readings  # everything the sensors said at t
    touches: dict[str, float] = field(default_factory=dict)  # N per link, the strongest body contact
    # since the last tick (contact_memory.strongest_touches over every control step's reading)


Agent = Callable[[Observation], np.ndarray]  # observation -> (3,) proposed vx, vy, yaw rate


def straight_line_agent(settings: StraightLineSettings | None = None) -> Agent:
    """The straight-line baseline (actor/straight.py) on odometry and the goal."""
    cfg = settings or StraightLineSettings()
    return lambda obs: straight_line_command(obs.odom[:2], float(obs.odom[2]), obs.goal, cfg)


def program_agent(name: str) -> Agent:
    """A scripted program (programs/scripted.py) as the agent: the command is a function of time only."""
    program = PROGRAMS[name]
    return lambda obs: program(obs.t)


def goal_sim_config(**overrides: Any) -> SimConfig:
    """The simulator of goal episodes: the default SimConfig in the goal layout."""
    return SimConfig(arena=ArenaConfig(layout="goal"), **overrides)


@dataclass
class StepLog:
    """Per control step records (each (T,) unless noted): what goal_metrics and the plots read."""

    t: list[float] = field(default_factory=list)  # s since the episode started
    pos: list[np.ndarray] = field(default_factory=list)  # (T, 3) m, ground truth
    quat: list[np.ndarray] = field(default_factory=list)  # (T, 4) x, y, z, w, ground truth
    body_contact_force: list[float] = field(default_factory=list)  # N on non-foot links
    energy_w: list[float] = field(default_factory=list)  # W, the energy term's raw value
    cost: list[float] = field(default_factory=list)  # the intrinsic cost's weighted total
    cmd: list[np.ndarray] = field(default_factory=list)  # (T, 3) the guardrail's command that drove the step
    # into this reading (zeros at the start)

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(v, dtype=float) for k, v in vars(self).items()}


class GoalEpisode:
    """One goal episode at a time, tick by tick: `reset(seed)`, then `act(proposal)` until `ended_by`."""

    def __init__(self, sim_config: SimConfig | None = None, gait_config: GaitConfig | None = None,
                 rules: GoalRules | None = None, guardrail_config: GuardrailConfig | None = None,
                 weights: CostWeights | None = None) -> None:
        self.sim = QuadrupedSim(sim_config or goal_sim_config())
        cfg = self.sim.config
        self.gait = TrotGait(gait_config or GaitConfig(), self.sim.model)
        self.rules = rules or GoalRules()
        self.guardrail_config = guardrail_config or GuardrailConfig()
        self.cost = IntrinsicCost(load_body_limits(), weights=weights)
        ratio = cfg.control_hz / cfg.camera_hz
        if abs(ratio - round(ratio)) > 1e-9 or ratio < 1:
            raise ValueError(f"camera_hz {cfg.camera_hz} must divide control_hz {cfg.control_hz}: one agent "
                             "tick per camera frame, on a control step")
        self.steps_per_tick = int(round(ratio))
        self.arena: Arena | None = None
        self.ended_by: str | None = None

    @property
    def goal(self) -> np.ndarray:
        """(2,) m, the goal in odom (= the arena's goal: odometry starts at the true start pose)."""
        return self.arena.goal_xy.copy()

    def reset(self, seed: int) -> Observation:
        """Build the seed's arena, stand the robot at the start, and return the first tick's observation."""
        self.readings = self.sim.reset(seed)
        self.arena = self.sim.arena
        self.gait.reset()
        self.guard = Guardrail(self.guardrail_config, self.cost.veto)
        self.log = StepLog()
        self.ended_by, self.step_index, self._driving = None, 0, np.zeros(3)
        self._touched: list[dict[str, float]] = []  # body contacts of the steps since the last observation
        cfg = self.sim.config
        self.frame = np.zeros((cfg.camera_height, cfg.camera_width, 3), np.uint8)
        self._after_step()
        return self._tick_observation()

    def act(self, proposal: np.ndarray) -> tuple[Observation, float]:
        """Judge the agent's proposal for this tick, then run until the next tick or the episode's end.

        Returns the next observation and the intrinsic cost integrated over the steps run, sum(cost * dt).
        """
        if self.ended_by is not None:
            raise RuntimeError(f"the episode ended ({self.ended_by}); call reset()")
        t = self.readings.stamp
        self.guard.propose(np.asarray(proposal, dtype=float), t, t)
        decision = self.guard.decide(t)
        dt, cost_dt = self.sim.config.control_dt, 0.0
        while True:
            self._driving = decision.cmd.copy()
            q = self.gait.step(decision.cmd, self.readings, dt)
            self.sim.set_joint_targets(q)
            self.readings = self.sim.step()
            self.step_index += 1
            cost_dt += self._after_step() * dt
            if self.ended_by is not None:
                return self._observation(), cost_dt
            if self.step_index % self.steps_per_tick == 0:
                return self._tick_observation(), cost_dt
            decision = self.guard.check(self.readings.stamp)

    def close(self) -> None:
        self.sim.close()

    def metrics(self) -> dict[str, Any]:
        """goal_metrics of the steps so far, plus the guardrail's counts by reason and (in-process, always
        0) sync timeouts: the same keys as a ROS episode's row."""
        out = goal_metrics(self.log.arrays(), self.goal, self.rules)
        out["guardrail_interventions"] = dict(sorted(self.guard.counts.items()))
        out["sync_timeouts"] = 0
        return out

    # ---- one control step ----------------------------------------------------------------
    def _after_step(self) -> float:
        """Score the new readings, feed the guardrail, log the step and check the end; returns the cost."""
        r, t = self.readings, self.readings.stamp
        untrusted = r.untrusted()
        for source in GUARDED_SOURCES:
            self.guard.seen(source, t, t, untrusted.get(source))
        data = self.cost.evaluate(features_from_readings(r, self.goal), check=False)
        if untrusted:  # as cost_node: never into the pain filter, and the robot stops
            self.guard.seen("joint_states", t, t, "; ".join(untrusted.values()))
        else:
            self.guard.pain(t, float(data.raw["pain"]))
            self.guard.attitude(t, r.imu_quat)
            self.guard.measured({q: bool(data.breaches[q]) for q in LATCHING}, t)
        gt = self.sim.ground_truth()
        log = self.log
        log.t.append(t)
        log.pos.append(gt.pos)
        log.quat.append(gt.quat)
        log.body_contact_force.append(r.body_contact_force)
        log.energy_w.append(float(data.raw["energy"]))
        log.cost.append(float(data.costs))
        log.cmd.append(self._driving)
        self._touched.append(r.body_contacts)
        self.ended_by = episode_end(t, gt.pos, gt.quat, self.goal, self.rules)
        return float(data.costs)

    def _tick_observation(self) -> Observation:
        if self.sim.config.camera_enabled:
            self.frame = self.sim.render_camera()
        return self._observation()

    def _observation(self) -> Observation:
        r = self.readings
        yaw = float(quat_to_rpy(r.odom_quat)[2])
        odom = np.array([r.odom_pos[0], r.odom_pos[1], yaw, *base_twist(r)], dtype=np.float64)
        touches, self._touched = strongest_touches(self._touched), []
        return Observation(r.stamp, self.frame, proprio_from_readings(r), odom, self.goal, r, touches)


@dataclass
class GoalRun:
    """One finished episode: its arena, per-step log, metrics and the guardrail's verdict counts."""

    seed: int
    arena: Arena
    log: dict[str, np.ndarray]
    metrics: dict[str, Any]
    verdicts: Counter


def run_goal_episode(agent: Agent, seed: int, episode: GoalEpisode | None = None,
                     max_seconds: float = math.inf) -> GoalRun:
    """Run the agent on the seed's goal episode until it ends (or max_seconds of sim time, for short tests).

    Pass an `episode` to reuse its sim across runs (and to choose its configs); it is left open.
    """
    own = episode is None
    episode = episode or GoalEpisode()
    try:
        obs = episode.reset(seed)
        while episode.ended_by is None and obs.t < max_seconds - 1e-9:
            obs, _ = episode.act(agent(obs))
        metrics = {"seed": seed, **episode.metrics()}
        return GoalRun(seed, episode.arena, episode.log.arrays(), metrics, Counter(episode.guard.verdicts))
    finally:
        if own:
            episode.close()
