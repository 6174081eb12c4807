"""`lecun-agent collect` core: drive the simulated robot through the gait, write dataset episodes.

One model step is one camera frame (SimConfig.camera_hz). At each frame the collector records the
frame, the proprioception and the measured cost features and terms, then picks the next command
from the exploration program and holds it until the next frame; the gait runs at control_hz in
between. Each episode uses its own seed for the arena and the program; a fall ends the episode.
Episodes are independent, so `workers` > 1 runs several headless sims in parallel processes.

Programs: "mixed" (default) alternates wandering (OU + careful operator) with approach-and-touch
cycles (`programs/approach.py`), about 55 % of the steps approaching, so about 10 % of the 10-step
windows hold a body contact; "wander" is the wandering program alone (no contacts).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from lecun_agent.body.readings import Readings
from lecun_agent.cost.features import base_twist, features_from_readings
from lecun_agent.cost.total import IntrinsicCost
from lecun_agent.dataset.format import (
    CONTACT_N,
    DatasetSpec,
    episode_path,
    next_free_index,
    write_episode,
    write_spec,
)
from lecun_agent.dataset.step_mean import StepMax, StepMean
from lecun_agent.gait.config import GaitConfig
from lecun_agent.perception.proprio import proprio_from_readings
from lecun_agent.programs.approach import PHASES, MixedProgram
from lecun_agent.programs.exploration import OUProgram
from lecun_agent.sim.config import SimConfig
from lecun_agent.world_model.config import DEFAULT_HEAD_FEATURES

log = logging.getLogger(__name__)


@dataclass
class CollectConfig:
    episodes: int = 10
    seed_start: int = 0
    episode_s: float = 20.0  # sim seconds per episode (a fall ends it sooner)
    workers: int = 1
    program: str = "mixed"  # "mixed" (wander + approach-and-touch) or "wander"
    pass_share: float = 0.0  # share of the approach cycles at a surface that walk past it (programs/approach.py)
    sidestep_share: float = 0.0  # share of the open-floor approach cycles walked as a pass (programs/approach.py)


def dataset_spec(sim_cfg: SimConfig, gait_cfg: GaitConfig, cost: IntrinsicCost) -> DatasetSpec:
    return DatasetSpec(
        step_dt=1.0 / sim_cfg.camera_hz,
        image_shape=(sim_cfg.camera_height, sim_cfg.camera_width, 3),
        action_low=[gait_cfg.vx_min, -gait_cfg.vy_max, -gait_cfg.yaw_rate_max],
        action_high=[gait_cfg.vx_max, gait_cfg.vy_max, gait_cfg.yaw_rate_max],
        features=dict(DEFAULT_HEAD_FEATURES),
        cost_terms=list(cost.term_names),
        source="sim",
    )


class _Recorder:
    """Accumulates one episode's per-frame arrays."""

    def __init__(self, cost: IntrinsicCost):
        self.cost, self.rows = cost, {}

    def add(
        self,
        image: np.ndarray,
        readings: Readings,
        action: np.ndarray,
        step_twist: np.ndarray,
        contact_max: float,
    ) -> None:
        """One frame; step_twist (3,) is the mean base twist over the step ending at this frame and
        contact_max (N) the largest non-foot contact force measured during that step."""
        feats = features_from_readings(readings, base_velocity=step_twist)
        data = self.cost.evaluate(feats)
        row = {
            "images": image,
            "proprio": proprio_from_readings(readings),
            "actions": action.astype(np.float32),
            "contact_max": contact_max,
            "cost": float(data.costs),
            "stamp": readings.stamp,
        }
        row.update({f"feat_{n}": feats[n].numpy() for n in DEFAULT_HEAD_FEATURES})
        row.update({f"cost_{n}": float(v) for n, v in data.weighted.items()})
        for k, v in row.items():
            self.rows.setdefault(k, []).append(v)

    def arrays(self) -> dict[str, np.ndarray]:
        out = {k: np.stack([np.asarray(x) for x in v]) for k, v in self.rows.items()}
        for k, v in out.items():
            if v.dtype == np.float64 and k != "stamp":
                out[k] = v.astype(np.float32)
        return out


def run_episode(
    seed: int,
    episode_s: float,
    sim_cfg: SimConfig,
    gait_cfg: GaitConfig,
    program: str = "mixed",
    pass_share: float = 0.0,
    sidestep_share: float = 0.0,
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Run one seeded episode in-process -> (the episode's arrays (format.py), program counts)."""
    from lecun_agent.gait.trot import TrotGait
    from lecun_agent.learning.operator import SimSenses
    from lecun_agent.sim.sim import QuadrupedSim

    if program not in ("mixed", "wander"):
        raise ValueError(f"unknown collection program {program!r}: mixed or wander")
    for name, share in (("pass_share", pass_share), ("sidestep_share", sidestep_share)):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"{name} {share} is not a share between 0 and 1")
    sim, gait, cost = QuadrupedSim(sim_cfg), TrotGait(gait_cfg), IntrinsicCost()
    dt = 1.0 / sim_cfg.camera_hz
    mixed = None
    if program == "mixed":
        mixed = MixedProgram(dt, seed, gait_cfg, pass_share=pass_share, sidestep_share=sidestep_share)
    wander = OUProgram(dt, seed, gait_cfg)
    try:
        readings = sim.reset(seed)
        gait.reset()
        senses = SimSenses(sim)
        rec, cmd, fell, step_twist, step_contact = _Recorder(cost), np.zeros(3), False, StepMean(), StepMax()
        phases = []  # which program phase issued each step's command
        for _ in range(int(round(episode_s * sim_cfg.control_hz))):
            if sim.camera_due():
                senses.readings = readings
                cmd = mixed.next(senses) if mixed else wander.next(blocked=senses.blocked)
                phases.append(PHASES.index(mixed.phase) if mixed else 0)
                rec.add(
                    sim.render_camera(),
                    readings,
                    cmd,
                    step_twist.take(base_twist(readings)),
                    step_contact.take(readings.body_contact_force),
                )
            sim.set_joint_targets(gait.step(cmd, readings, sim_cfg.control_dt))
            readings = sim.step()
            step_twist.add(base_twist(readings))
            step_contact.add(readings.body_contact_force)
            if sim.fallen():
                fell = True
                break
    finally:
        sim.close()
    ep = rec.arrays()
    ep["terminated"], ep["seed"] = np.array(fell), np.array(seed, dtype=np.int64)
    ep["program_phase"] = np.array(phases, dtype=np.uint8)  # optional: PHASES index per step
    counts = {
        "approach_steps": mixed.approach_steps if mixed else 0,
        "approach_cycles": mixed.approach.cycles if mixed else 0,
        "touches": mixed.approach.touches if mixed else 0,
    }
    return ep, counts


def _worker(args: tuple) -> tuple[int, int, bool, dict[str, int]]:
    index, seed, cfg, out_dir, spec = args
    ep, counts = run_episode(seed, cfg.episode_s, SimConfig(), GaitConfig(), cfg.program, cfg.pass_share,
                             cfg.sidestep_share)
    write_episode(episode_path(out_dir, index), ep, spec)
    counts["contact_steps"] = int((ep["contact_max"] > CONTACT_N).sum())
    return seed, len(ep["images"]), bool(ep["terminated"]), counts


def collect(out_dir: Path | str, cfg: CollectConfig) -> dict[str, float]:
    """Collect cfg.episodes episodes (seeds seed_start..) into out_dir -> rate summary."""
    out_dir = Path(out_dir)
    spec = dataset_spec(SimConfig(), GaitConfig(), IntrinsicCost())
    write_spec(out_dir, spec)
    seeds = range(cfg.seed_start, cfg.seed_start + cfg.episodes)
    taken = [episode_path(out_dir, s).name for s in seeds if episode_path(out_dir, s).exists()]
    if taken:  # an episode of this seed collected before, or one converted from a recording
        raise ValueError(
            f"{out_dir} already holds {', '.join(taken[:3])}{' ...' if len(taken) > 3 else ''}: collect names "
            f"an episode by its seed and never replaces one; collect from --seed-start {next_free_index(out_dir)} "
            "or into another --out"
        )
    jobs = [(s, s, cfg, out_dir, spec) for s in seeds]
    start, steps, falls, counts = time.monotonic(), 0, 0, {}
    with tqdm(total=len(jobs), desc="collect", unit="ep") as bar:
        pool = ProcessPoolExecutor(cfg.workers) if cfg.workers > 1 else None
        try:
            for _, n, fell, c in pool.map(_worker, jobs) if pool else map(_worker, jobs):
                steps, falls = steps + n, falls + fell
                counts = {k: counts.get(k, 0) + v for k, v in c.items()}
                bar.update(1)
        finally:
            if pool is not None:
                pool.shutdown()
    seconds = time.monotonic() - start
    summary = {
        "episodes": cfg.episodes,
        "transitions": steps,
        "falls": falls,
        "program": cfg.program,
        "pass_share": cfg.pass_share,
        "sidestep_share": cfg.sidestep_share,
        "approach_share": counts.get("approach_steps", 0) / max(steps, 1),
        "contact_step_share": counts.get("contact_steps", 0) / max(steps, 1),
        **counts,
        "seconds": seconds,
        "transitions_per_s": steps / max(seconds, 1e-9),
    }
    log.info("collected %s", summary)
    return summary
