"""`lecun-agent collect` core: drive the simulated robot through the gait, write dataset episodes.

One model step is one camera frame (SimConfig.camera_hz). At each frame the collector records the
frame, the proprioception and the measured cost features and terms, then picks the next command
from the exploration program and holds it until the next frame; the gait runs at control_hz in
between. Each episode uses its own seed for the arena and the program; a fall ends the episode.
Episodes are independent, so `workers` > 1 runs several headless sims in parallel processes.
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
from lecun_agent.dataset.format import DatasetSpec, episode_path, write_episode, write_spec
from lecun_agent.dataset.step_mean import StepMean
from lecun_agent.gait.config import GaitConfig
from lecun_agent.perception.proprio import proprio_from_readings
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

    def add(self, image: np.ndarray, readings: Readings, action: np.ndarray, step_twist: np.ndarray) -> None:
        """One frame; step_twist (3,) is the mean base twist over the step ending at this frame."""
        feats = features_from_readings(readings, base_velocity=step_twist)
        data = self.cost.evaluate(feats)
        row = {
            "images": image,
            "proprio": proprio_from_readings(readings),
            "actions": action.astype(np.float32),
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
    seed: int, episode_s: float, sim_cfg: SimConfig, gait_cfg: GaitConfig
) -> dict[str, np.ndarray]:
    """Run one seeded episode in-process -> the episode's arrays (format.py)."""
    from lecun_agent.gait.trot import TrotGait
    from lecun_agent.learning.operator import path_blocked
    from lecun_agent.sim.sim import QuadrupedSim

    sim, gait, cost = QuadrupedSim(sim_cfg), TrotGait(gait_cfg), IntrinsicCost()
    try:
        readings = sim.reset(seed)
        gait.reset()
        program = OUProgram(1.0 / sim_cfg.camera_hz, seed, gait_cfg)
        rec, cmd, fell, step_twist = _Recorder(cost), np.zeros(3), False, StepMean()
        for _ in range(int(round(episode_s * sim_cfg.control_hz))):
            if sim.camera_due():
                cmd = program.next(blocked=lambda target: path_blocked(sim, target))
                rec.add(sim.render_camera(), readings, cmd, step_twist.take(base_twist(readings)))
            sim.set_joint_targets(gait.step(cmd, readings, sim_cfg.control_dt))
            readings = sim.step()
            step_twist.add(base_twist(readings))
            if sim.fallen():
                fell = True
                break
    finally:
        sim.close()
    ep = rec.arrays()
    ep["terminated"], ep["seed"] = np.array(fell), np.array(seed, dtype=np.int64)
    return ep


def _worker(args: tuple) -> tuple[int, int, bool]:
    index, seed, cfg, out_dir, spec = args
    ep = run_episode(seed, cfg.episode_s, SimConfig(), GaitConfig())
    write_episode(episode_path(out_dir, index), ep, spec)
    return seed, len(ep["images"]), bool(ep["terminated"])


def collect(out_dir: Path | str, cfg: CollectConfig) -> dict[str, float]:
    """Collect cfg.episodes episodes (seeds seed_start..) into out_dir -> rate summary."""
    out_dir = Path(out_dir)
    spec = dataset_spec(SimConfig(), GaitConfig(), IntrinsicCost())
    write_spec(out_dir, spec)
    jobs = [(s, s, cfg, out_dir, spec) for s in range(cfg.seed_start, cfg.seed_start + cfg.episodes)]
    start, steps, falls = time.monotonic(), 0, 0
    with tqdm(total=len(jobs), desc="collect", unit="ep") as bar:
        if cfg.workers > 1:
            with ProcessPoolExecutor(cfg.workers) as pool:
                results = pool.map(_worker, jobs)
                for _, n, fell in results:
                    steps, falls = steps + n, falls + fell
                    bar.update(1)
        else:
            for job in jobs:
                _, n, fell = _worker(job)
                steps, falls = steps + n, falls + fell
                bar.update(1)
    seconds = time.monotonic() - start
    summary = {
        "episodes": cfg.episodes,
        "transitions": steps,
        "falls": falls,
        "seconds": seconds,
        "transitions_per_s": steps / max(seconds, 1e-9),
    }
    log.info("collected %s", summary)
    return summary
