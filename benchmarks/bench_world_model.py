"""Benchmark the learning loop: collection rate, training throughput, time to quality.

    python benchmarks/bench_world_model.py collect --episodes 4
    python benchmarks/bench_world_model.py throughput --data DATA --steps 50
    python benchmarks/bench_world_model.py quality --data DATA --eval-data HELDOUT --out CKPT \
        --minutes 30 --segment 5
    python benchmarks/bench_world_model.py plan-speed [--checkpoint CKPT] [--samples 512 --horizon 16]

`quality` trains in segments (resuming), scores the held-out set after each one with the same code
as `lecun-agent eval-model`, and prints the wall-clock training time at which every acceptance
check first passes, and the three budget numbers: transitions trained on, training minutes,
checkpoint megabytes. `plan-speed` times the planning path (open-loop `next` + `plan_heads` for N
samples over H steps on one thread) with every member and with one member. Pin threads with
--threads to compare machines fairly.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from lecun_agent.bench.learning import collection_rate, training_rate
from lecun_agent.dataset.windows import load_episodes
from lecun_agent.learning.baselines import load_baseline
from lecun_agent.learning.evaluate import evaluate_model
from lecun_agent.learning.seeds import check_heldout
from lecun_agent.learning.train import TrainConfig, train
from lecun_agent.world_model.checkpoint import load_checkpoint
from lecun_agent.world_model.config import WorldModelConfig
from lecun_agent.world_model.layers import EnsembleLinear


def bench_collect(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        return collection_rate(Path(tmp), args.episodes, args.episode_seconds, args.workers, args.seed_start)


def bench_throughput(args) -> dict:
    return training_rate(args.data, args.steps, args.threads, args.batch_size)


def bench_quality(args) -> dict:
    heldout = load_episodes(args.eval_data)
    model_cfg = None
    if args.config:
        model_cfg = WorldModelConfig.from_dict(
            {**WorldModelConfig().to_dict(), **json.loads(args.config.read_text())}
        )

    def used_min(summary) -> float:  # training time so far on the chosen clock
        if args.clock == "cpu":
            return summary["cpu_seconds"] / args.threads / 60
        return summary["seconds"] / 60

    history, done_at, s, seg = [], None, {"seconds": 0.0, "cpu_seconds": 0.0}, 0
    while used_min(s) < args.minutes - 0.02:
        minutes = min(args.segment, args.minutes - used_min(s))
        cfg = TrainConfig(
            steps=10**9,  # the clock is the budget (TrainConfig's default step count would end it early)
            batch_size=args.batch_size,
            threads=args.threads,
            seed=args.seed,
            **{"cpu_minutes" if args.clock == "cpu" else "minutes": minutes},
        )
        steps_before = s.get("steps", 0)
        s = train(args.data, args.out, cfg, model_cfg, resume=seg > 0)
        seg += 1
        if s["steps"] <= steps_before:
            raise RuntimeError(f"segment {seg} trained no step (steps {s['steps']}): nothing would ever change")
        model, _, meta = load_checkpoint(args.out)
        check_heldout(heldout.seeds, meta["train"]["seeds"], "held-out")
        baseline = load_baseline(args.out, heldout.proprio.shape[1], heldout.actions.shape[1])
        res = evaluate_model(model, heldout, baseline=baseline)
        acc = res["acceptance"]
        row = {
            "train_minutes": round(s["seconds"] / 60, 2),
            "train_cpu_minutes_per_thread": round(s["cpu_seconds"] / args.threads / 60, 2),
            "steps": s["steps"],
            "error_ratio": acc["error_ratio_vs_copy_at_10"],
            "r2_bv_1": res["r2"]["base_velocity"]["1"],
            "r2_bv_10": res["r2"]["base_velocity"]["10"],
            "effective_rank": res["effective_rank"],
            "contact_auc_10": res["contact_auc"]["10"],
            "contact_auc_baseline_10": res["contact_auc_baseline"]["10"],
            "displacement_ratio_all_10": acc["displacement_ratio_all_at_10"],
            "displacement_ratio_contact_10": acc["displacement_ratio_contact_at_10"],
            "r2_energy_10": res["r2"]["energy"]["10"],
            "r2_force_10": res["r2"]["force"]["10"],
            "uncertainty_spearman": res["uncertainty_error_spearman"],
            "failing": [k for k, v in acc.items() if k.endswith("_ok") and not v],
        }
        history.append(row)
        logging.info("quality %s", row)
        if done_at is None and all(v for k, v in acc.items() if k.endswith("_ok")):
            done_at = round(used_min(s), 2)
    files = [args.out / n for n in ("model.pt", "meta.json", "baselines.pt")]
    budget = {
        "transitions": int(meta["train"]["transitions"]),
        "training_minutes": round(used_min(s), 2),
        "clock": args.clock,
        "wall_minutes": round(s["seconds"] / 60, 2),
        "cpu_minutes_per_thread": round(s["cpu_seconds"] / args.threads / 60, 2),
        "checkpoint_mb": round(sum(f.stat().st_size for f in files if f.exists()) / 2**20, 3),
        "limits": {"transitions": 150000, "training_minutes": 45, "checkpoint_mb": 10},
    }
    print(
        f"budget: {budget['transitions']} transitions (<= 150000), {budget['training_minutes']} min of "
        f"training on {args.threads} threads, {args.clock} clock (<= 45; wall {budget['wall_minutes']} min, "
        f"CPU {budget['cpu_minutes_per_thread']} min per thread), "
        f"checkpoint {budget['checkpoint_mb']} MB (<= 10)"
    )
    return {"time_to_quality_min": done_at, "budget": budget, "history": history}


def plan_macs(model) -> dict[str, int]:
    """Multiply-accumulates per sample and step of the planning path, from the layer shapes."""
    dyn = sum(m.weight.numel() for m in model.dynamics.modules() if isinstance(m, EnsembleLinear))
    head = sum(m.weight.numel() for m in model.plan.modules() if isinstance(m, torch.nn.Linear))
    return {"dynamics_all_members": dyn, "dynamics_one_member": dyn // model.cfg.ensemble, "plan_head": head}


@torch.no_grad()
def bench_plan_speed(args) -> dict:
    model = load_checkpoint(args.checkpoint)[0]
    n, h, d = args.samples, args.horizon, model.cfg.latent_dim
    s0, actions = torch.randn(n, d), torch.rand(h, n, model.cfg.action_dim) * 0.6 - 0.3

    def all_members():
        s = s0
        for a in actions:
            s = model.next(s, a)
            model.plan_heads(s)

    def one_member():
        s = s0
        for a in actions:
            s = model.next_member(s, a, 0)
            model.plan_heads(s)

    macs, out = plan_macs(model), {"samples": n, "horizon": h, "threads": torch.get_num_threads()}
    for name, fn, per_step in (
        ("all_members", all_members, macs["dynamics_all_members"]),
        ("one_member", one_member, macs["dynamics_one_member"]),
    ):
        for _ in range(3):
            fn()
        times = []
        for _ in range(args.reps):
            t = time.perf_counter()
            fn()
            times.append(1e3 * (time.perf_counter() - t))
        gflop = 2 * (per_step + macs["plan_head"]) * n * h / 1e9
        p50, p99 = float(np.percentile(times, 50)), float(np.percentile(times, 99))
        out[name] = {
            "ms_p50": round(p50, 2),
            "ms_p99": round(p99, 2),
            "gflop": round(gflop, 3),
            "gflop_per_s": round(gflop / (p50 / 1e3), 1),
        }
    out["macs_per_sample_step"] = macs
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["collect", "throughput", "quality", "plan-speed"])
    p.add_argument("--episodes", type=int, default=4)
    p.add_argument("--seed-start", type=int, default=900000)
    p.add_argument("--episode-seconds", type=float, default=10.0)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--data", type=Path)
    p.add_argument("--eval-data", type=Path)
    p.add_argument("--out", type=Path, help="quality: the checkpoint directory it trains (others write none)")
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--segment", type=float, default=5.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--config", type=Path, default=None, help="JSON file of WorldModelConfig overrides")
    p.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="quality: budget in wall minutes, or in minutes of --threads busy cores (CPU time)",
    )
    p.add_argument("--checkpoint", type=Path, default=None, help="plan-speed: checkpoint (default: shipped)")
    p.add_argument("--samples", type=int, default=512)
    p.add_argument("--horizon", type=int, default=16)
    p.add_argument("--reps", type=int, default=50)
    p.add_argument("--json", type=Path, default=None, help="also write the result here (quality: for "
                   "`lecun-agent bench --quality FILE`)")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    torch.set_num_threads(args.threads)
    fn = {
        "collect": bench_collect,
        "throughput": bench_throughput,
        "quality": bench_quality,
        "plan-speed": bench_plan_speed,
    }[args.what]
    result = fn(args)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
