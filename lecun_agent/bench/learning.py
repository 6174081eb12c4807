"""The learning loop's speed: transitions/s in collection, samples/s in training on 1 and 2 threads.

Collection runs the data programs in the simulator with the camera (learning/collect.py), one
process per worker; training runs the world model's optimiser steps on what was just collected
(learning/train.py). Time to the world-model quality bar takes the 150k-transition data set and
up to 45 minutes, so it is its own command, `benchmarks/bench_world_model.py quality`; a result
file of that command can be carried into results.json (`lecun-agent bench --quality FILE`).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import torch

from lecun_agent.learning.collect import CollectConfig, collect
from lecun_agent.learning.train import TrainConfig, train
from lecun_agent.sim.config import SimConfig

BATCH = 32


def collection_rate(data_dir: Path, episodes: int, seconds: float, workers: int, seed_start: int = 900000) -> dict:
    s = collect(data_dir, CollectConfig(episodes, seed_start, seconds, workers))
    return {"workers": workers, "episodes": episodes, "transitions": s["transitions"],
            "transitions_per_s": round(s["transitions_per_s"], 1),
            "sim_steps_per_s": round(s["transitions_per_s"] * _control_steps_per_transition(), 1)}


def _control_steps_per_transition() -> int:
    cfg = SimConfig()
    return round(cfg.control_hz / cfg.camera_hz)


def training_rate(data_dir: Path, steps: int, threads: int, batch_size: int = BATCH,
                  minutes: float | None = None) -> dict:
    """Optimiser steps on `data_dir` after a warm-up (`steps` of them, or as many as fit in `minutes`);
    -> samples/s (one sample = one training window). threads 0: torch's choice."""
    previous = torch.get_num_threads()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            train(data_dir, tmp, TrainConfig(steps=3, batch_size=batch_size, threads=threads))  # warm-up
            s = train(data_dir, tmp, TrainConfig(steps=3 + steps, minutes=minutes, batch_size=batch_size,
                                                 threads=threads, ckpt_every=10**9), resume=True)
    finally:
        torch.set_num_threads(previous)
    return {"threads": threads, "batch_size": batch_size, "steps": steps,
            "samples_per_s": round(s["samples_per_s_this_run"], 1)}


def run(quick: bool, out: Path, quality: Path | None = None) -> dict:
    episodes, seconds, steps = (2, 6.0, 20) if quick else (8, 20.0, 100)
    with tempfile.TemporaryDirectory() as data:
        collection = [collection_rate(Path(data) / "w1", episodes, seconds, 1)]
        collection.append(collection_rate(Path(data) / "w2", episodes, seconds, 2))
        training = [training_rate(Path(data) / "w1", steps, threads) for threads in (1, 2)]
    section = {"collection": collection, "training": training,
               "training_speedup_2_threads": round(training[1]["samples_per_s"] / training[0]["samples_per_s"], 2)}
    if quality is not None:
        result = json.loads(Path(quality).read_text())
        section["time_to_quality"] = {"minutes": result["time_to_quality_min"], "budget": result["budget"],
                                      "source": str(quality)}
    else:
        section["time_to_quality"] = {"skipped": "takes up to 45 min: benchmarks/bench_world_model.py quality "
                                                 "--json FILE, then lecun-agent bench --quality FILE"}
    return section
