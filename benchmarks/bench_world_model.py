"""Benchmark the learning loop: collection rate, training throughput, time to quality.

    python benchmarks/bench_world_model.py collect --episodes 4
    python benchmarks/bench_world_model.py throughput --data DATA --steps 50
    python benchmarks/bench_world_model.py quality --data DATA --eval-data HELDOUT --out CKPT \
        --minutes 30 --segment 5

`quality` trains in segments (resuming), scores the held-out set after each one with the same code
as `lecun-agent eval-model`, and prints the wall-clock training time at which every acceptance
check first passes. Pin threads with --threads to compare machines fairly.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

import torch

from lecun_agent.dataset.windows import load_episodes
from lecun_agent.learning.collect import CollectConfig, collect
from lecun_agent.learning.evaluate import evaluate_model
from lecun_agent.learning.train import TrainConfig, train
from lecun_agent.world_model.checkpoint import load_checkpoint


def bench_collect(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        s = collect(tmp, CollectConfig(args.episodes, args.seed_start, args.episode_seconds, args.workers))
    return {
        "collect_transitions_per_s": s["transitions_per_s"],
        "sim_steps_per_s": 5 * s["transitions_per_s"],
        "workers": args.workers,
        **s,
    }


def bench_throughput(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        train(
            args.data, tmp, TrainConfig(steps=3, batch_size=args.batch_size, threads=args.threads)
        )  # warm-up
        t = time.monotonic()
        s = train(
            args.data,
            tmp,
            TrainConfig(
                steps=3 + args.steps, batch_size=args.batch_size, threads=args.threads, ckpt_every=10**9
            ),
            resume=True,
        )
    return {
        "train_samples_per_s": s["samples_per_s"],
        "batch_size": args.batch_size,
        "threads": args.threads,
        "seconds": time.monotonic() - t,
    }


def bench_quality(args) -> dict:
    heldout = load_episodes(args.eval_data)
    history, done_at = [], None
    for seg in range(int(args.minutes / args.segment)):
        cfg = TrainConfig(
            minutes=args.segment, batch_size=args.batch_size, threads=args.threads, seed=args.seed
        )
        s = train(args.data, args.out, cfg, resume=seg > 0)
        model = load_checkpoint(args.out)[0]
        res = evaluate_model(model, heldout)
        acc = res["acceptance"]
        row = {
            "train_minutes": s["seconds"] / 60,
            "steps": s["steps"],
            "error_ratio": acc["error_ratio_vs_copy_at_10"],
            "r2_bv_1": res["r2"]["base_velocity"]["1"],
            "r2_bv_10": res["r2"]["base_velocity"]["10"],
            "effective_rank": res["effective_rank"],
        }
        history.append(row)
        logging.info("quality %s", row)
        if done_at is None and all(v for k, v in acc.items() if k.endswith("_ok")):
            done_at = row["train_minutes"]
    return {"time_to_quality_min": done_at, "history": history}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["collect", "throughput", "quality"])
    p.add_argument("--episodes", type=int, default=4)
    p.add_argument("--seed-start", type=int, default=900000)
    p.add_argument("--episode-seconds", type=float, default=10.0)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--data", type=Path)
    p.add_argument("--eval-data", type=Path)
    p.add_argument("--out", type=Path)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--segment", type=float, default=5.0)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    torch.set_num_threads(args.threads)
    fn = {"collect": bench_collect, "throughput": bench_throughput, "quality": bench_quality}[args.what]
    print(json.dumps(fn(args), indent=2))


if __name__ == "__main__":
    main()
