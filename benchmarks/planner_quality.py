"""Plan quality of the planning paths on a fixed set of recorded states, and of mode 1.

    python benchmarks/planner_quality.py quality --states data/planner_states
    python benchmarks/planner_quality.py mode1 --data data/planner_distill --states data/planner_states

(A `distill` command that trained a "student" planning model lived here until 2026-12-05; the search
heads and the search dynamics, `lecun-agent distill-heads` and `distill-dynamics`, took its place.)

`quality` replays short segments of recorded episodes (--states, seeds training never saw): at
each step the planner gets the encoded latent, the dead-reckoned pose, a seeded goal 3 m away and
the recorded last command, and keeps its own warm start along the segment. Every option's chosen
plan is re-scored by one fixed evaluator (the full ensemble mean path, spread penalised: what the
world model believes best) beside the plan of a reference planner with 10x the samples and 3
iterations on that same evaluator. Reported: the cost gap to the reference (mean and p90), the
regret as a share of the reference's improvement over holding the current command, and the
first-action distance in box units.

`mode1` distils the mode-1 policy from the planner's first actions along segments of the --data
episodes (the planner's own warm-started choices, random goals), then scores mode 1 run
closed-loop through the model (`policy_plan`) and the planner on the quality segments, beside
their times.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from lecun_agent.actor import Mode1Policy, Planner, PlannerConfig, PolicyConfig, distill_policy, policy_inputs
from lecun_agent.actor.plan_cost import PlanScorer
from lecun_agent.actor.planning_model import WorldModelAdapter
from lecun_agent.actor.policy import policy_plan
from lecun_agent.actor.presets import PATHS, planning_path
from lecun_agent.actor.rollout import rollout
from lecun_agent.cost.total import IntrinsicCost
from lecun_agent.dataset.windows import load_episodes
from lecun_agent.world_model.checkpoint import load_checkpoint

log = logging.getLogger("planner_quality")


def encode_states(model, data_dir) -> dict[str, np.ndarray]:
    """Latents, dead-reckoned poses, commands and episode ids of every step in data_dir."""
    eps = load_episodes(data_dir)
    lat = []
    with torch.no_grad():
        for i in range(0, len(eps), 256):
            img = torch.from_numpy(eps.images[i : i + 256])
            pro = torch.from_numpy(eps.proprio[i : i + 256])
            lat.append(model.encode(img, pro))
    twist, dt = eps.features["base_velocity"], eps.spec.step_dt
    poses = np.zeros((len(eps), 3))
    for t in range(1, len(eps)):
        if eps.episode_id[t] != eps.episode_id[t - 1]:
            continue
        x, y, yaw = poses[t - 1]
        vx, vy, wz = twist[t]
        mid = yaw + 0.5 * wz * dt
        poses[t] = (x + (math.cos(mid) * vx - math.sin(mid) * vy) * dt,
                    y + (math.sin(mid) * vx + math.cos(mid) * vy) * dt, yaw + wz * dt)  # fmt: skip
    return {"latent": torch.cat(lat).numpy(), "pose": poses, "action": eps.actions, "episode": eps.episode_id}


def segments(states, count: int, length: int, seed: int):
    """`count` (start index, goal (2,)) pairs: segments inside one episode, goals 3 m away."""
    rng = np.random.default_rng(seed)
    ep = states["episode"]
    starts = [t for t in range(len(ep) - length) if ep[t] == ep[t + length] and t > 0]
    picks = rng.choice(starts, size=min(count, len(starts)), replace=False)
    out = []
    for t in sorted(picks):
        x, y, yaw = states["pose"][t]
        bearing = yaw + rng.uniform(-2.0, 2.0)
        out.append((int(t), np.array([x + 3.0 * math.cos(bearing), y + 3.0 * math.sin(bearing)])))
    return out


def run_option(planner, states, segs, args, seed: int = 0):
    """Plans along every segment; -> list of (state index, plan (H, A), goal) after the warm-up."""
    plans = []
    for t0, goal in segs:
        planner.reset()
        for k in range(args.length):
            t = t0 + k
            r = planner.plan(
                states["latent"][t], states["pose"][t], goal, states["action"][t - 1], seed=seed + k
            )
            if k >= args.warmup:
                plans.append((t, r.actions, goal))
    return plans


def parse_variant(text: str) -> dict:
    """ "elites=16,noise_smoothing=0.8" -> {"elites": 16, "noise_smoothing": 0.8}; "" -> {}."""
    out = {}
    for part in filter(None, text.split(",")):
        key, value = part.split("=")
        out[key] = json.loads(value) if value not in ("true", "false") else value == "true"
    return out


def cmd_quality(args) -> dict:
    torch.set_num_threads(args.threads)
    model = load_checkpoint(args.checkpoint)[0]
    states = encode_states(model, args.states)
    segs = segments(states, args.segments, args.length, args.seed)
    cost = IntrinsicCost()
    base = PlannerConfig(samples=args.samples, horizon=args.horizon, iterations=args.iterations)
    evaluator = WorldModelAdapter(model)
    evaluate = Evaluator(evaluator, cost, base, states)

    ref_cfg = replace(base, samples=10 * args.samples, iterations=3, uncertainty="penalty")
    ref = reference_plans(args, evaluator, cost, ref_cfg, states, segs)
    j_ref = evaluate(ref)
    hold = [
        (t, torch.as_tensor(states["action"][t - 1]).float().expand(args.horizon, -1), g) for t, _, g in ref
    ]
    j_hold = evaluate(hold)
    span = torch.tensor(base.action_high) - torch.tensor(base.action_low)
    rows = {
        "reference": {
            "cost_mean": float(j_ref[:, 0].mean()),
            "hold_gap_mean": float((j_hold - j_ref)[:, 0].mean()),
        }
    }
    if args.ref_check:  # a second reference with other seeds: the noise floor of the gaps below
        again = run_option(Planner(evaluator, cost, replace(ref_cfg, seed=1000)), states, segs, args, 1000)
        rows["reference-reseeded"] = summary(evaluate(again), j_ref, j_hold, again, ref, span)
    for name in args.paths:
        for variant in args.variants:
            pm, over = planning_path(model, name)
            cfg = replace(base, **{**over, **parse_variant(variant)})
            t0 = time.monotonic()
            plans = run_option(Planner(pm, cost, cfg), states, segs, args)
            key = name + (f" [{variant}]" if variant else "")
            rows[key] = summary(evaluate(plans), j_ref, j_hold, plans, ref, span)
            rows[key]["seconds"] = time.monotonic() - t0
            log.info("%s %s", key, rows[key])
    return {"plans_per_option": len(ref), "samples": args.samples, "horizon": args.horizon, "rows": rows}


class Evaluator:
    """The fixed judge of every plan: the full ensemble's mean path, scored with the planner's cost.
    -> (P, 2) costs: column 0 with the spread penalty, column 1 without it."""

    def __init__(self, evaluator, cost, cfg: PlannerConfig, states):
        self.model, self.states = evaluator, states
        self.scorer = PlanScorer(cost, evaluator.dt, cfg.discount, cfg.critic_weight, cfg.uncertainty_weight)

    def __call__(self, plans) -> np.ndarray:
        out = []
        for t, u, goal in plans:
            roll = rollout(self.model, torch.from_numpy(self.states["latent"][t]), u[None], "mean")
            pose = torch.tensor(self.states["pose"][t], dtype=torch.float32)
            g = torch.tensor(goal, dtype=torch.float32)
            with_spread = float(self.scorer.score(roll.feats, roll.value, pose, g, roll.spread).total[0])
            without = float(self.scorer.score(roll.feats, roll.value, pose, g, None).total[0])
            out.append((with_spread, without))
        return np.array(out)


def summary(j, j_ref, j_hold, plans, ref, span) -> dict:
    """Cost gap to the reference, regret as a share of the reference's gain over holding the
    current command, first-action distance (box units); gaps also without the spread penalty."""
    gap = j - j_ref  # (P, 2)
    regret = gap[:, 0] / np.maximum(j_hold[:, 0] - j_ref[:, 0], 1e-6)
    first = [
        float((2 * (u[0] - ur[0]) / span).norm()) for (_, u, _), (_, ur, _) in zip(plans, ref, strict=True)
    ]
    return {"gap_mean": float(gap[:, 0].mean()), "gap_p90": float(np.percentile(gap[:, 0], 90)),
            "gap_mean_no_spread": float(gap[:, 1].mean()),
            "regret_median": float(np.median(regret)), "regret_mean": float(regret.mean()),
            "first_action_dist_mean": float(np.mean(first))}  # fmt: skip


def reference_plans(args, evaluator, cost, ref_cfg, states, segs):
    """The reference planner's plans, cached on disk: they cost minutes and do not change."""
    a = args
    key = f"{a.states.name}-{a.segments}-{a.length}-{a.warmup}-{a.samples}-{a.horizon}-{a.seed}"
    path = Path(args.ref_cache) / f"quality_ref_{key}.pt" if args.ref_cache else None
    if path is not None and path.exists():
        blob = torch.load(path, weights_only=True)
        return [(int(t), u, g.numpy()) for t, u, g in zip(blob["t"], blob["u"], blob["goal"], strict=True)]
    ref = run_option(Planner(evaluator, cost, ref_cfg), states, segs, args)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        blob = {"t": torch.tensor([t for t, _, _ in ref]), "u": torch.stack([u for _, u, _ in ref]),
                "goal": torch.tensor(np.stack([g for _, _, g in ref]))}  # fmt: skip
        torch.save(blob, path)
    return ref


def cmd_mode1(args) -> dict:
    """Distil mode 1 from the planner (path --paths[0]) on the --data episodes, then score its
    closed-loop plans and the planner's on the quality segments against the reference."""
    torch.set_num_threads(args.threads)
    model = load_checkpoint(args.checkpoint)[0]
    pm, over = planning_path(model, args.paths[0])
    cfg = replace(
        PlannerConfig(samples=args.samples, horizon=args.horizon, iterations=args.iterations), **over
    )
    cost, pcfg = IntrinsicCost(), PolicyConfig(latent_dim=model.cfg.latent_dim)
    # 1. The planner's choices along segments of the training episodes.
    train = encode_states(model, args.data)
    planner, xs, ys, plan_ms = Planner(pm, cost, cfg), [], [], []
    for t0, goal in segments(train, args.train_segments, args.length, args.seed + 1):
        planner.reset()
        for k in range(args.length):
            t = t0 + k
            r = planner.plan(train["latent"][t], train["pose"][t], goal, train["action"][t - 1], seed=k)
            plan_ms.append(r.timings_ms["total"])
            if k >= 1:
                row = lambda x: torch.as_tensor(np.asarray(x), dtype=torch.float32)[None]  # noqa: E731
                xs.append(policy_inputs(row(train["latent"][t]), row(train["pose"][t]), row(goal),
                                        row(train["action"][t - 1]), pcfg))  # fmt: skip
                ys.append(r.actions[0])
    x, y = torch.cat(xs), torch.stack(ys)
    cut = int(0.8 * len(x))
    torch.manual_seed(args.seed)
    policy = Mode1Policy(pcfg)
    losses = distill_policy(policy, x[:cut], y[:cut], steps=args.bc_steps, seed=args.seed)
    with torch.no_grad():
        held = (policy.to_action(policy(x[cut:])) - y[cut:]).abs().mean(0)
    # 2. Closed-loop mode-1 plans and the planner's plans on the quality segments.
    states = encode_states(model, args.states)
    segs = segments(states, args.segments, args.length, args.seed)
    evaluator = WorldModelAdapter(model)
    ref_cfg = replace(PlannerConfig(samples=args.samples, horizon=args.horizon), samples=10 * args.samples,
                      iterations=3, uncertainty="penalty")  # fmt: skip
    ref = reference_plans(args, evaluator, cost, ref_cfg, states, segs)
    evaluate = Evaluator(evaluator, cost, cfg, states)

    act_ms, mode1 = [], []
    for t, _, g in ref:
        s, pose, last = states["latent"][t], states["pose"][t], states["action"][t - 1]
        t1 = time.perf_counter()
        policy.act(s, pose, g, last)
        act_ms.append((time.perf_counter() - t1) * 1e3)
        mode1.append((t, policy_plan(policy, evaluator, s, pose, g, last, args.horizon), g))
    planned = run_option(Planner(pm, cost, cfg), states, segs, args)
    j_ref = evaluate(ref)
    hold = [
        (t, torch.as_tensor(states["action"][t - 1]).float().expand(args.horizon, -1), g) for t, _, g in ref
    ]
    j_hold = evaluate(hold)
    span = torch.tensor(cfg.action_high) - torch.tensor(cfg.action_low)
    return {
        "path": args.paths[0], "bc_pairs": len(x), "bc_loss_first": float(np.mean(losses[:50])),
        "bc_loss_last": float(np.mean(losses[-50:])), "heldout_abs_error_per_axis": held.tolist(),
        "mode1_act_ms_p50": pct(act_ms, 50), "mode1_act_ms_p99": pct(act_ms, 99),
        "planner_ms_p50": pct(plan_ms, 50), "planner_ms_p99": pct(plan_ms, 99),
        "mode1_closed_loop": summary(evaluate(mode1), j_ref, j_hold, mode1, ref, span),
        "planner": summary(evaluate(planned), j_ref, j_hold, planned, ref, span),
    }  # fmt: skip


def pct(xs, q) -> float:
    return float(np.percentile(np.asarray(xs), q))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["quality", "mode1"])
    p.add_argument("--checkpoint", type=Path, default=None)
    p.add_argument("--data", type=Path, default=Path("data/planner_distill"))
    p.add_argument("--states", type=Path, default=Path("data/planner_states"))
    p.add_argument("--paths", nargs="+", default=list(PATHS))
    p.add_argument("--segments", type=int, default=16)
    p.add_argument("--length", type=int, default=6)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--samples", type=int, default=512)
    p.add_argument("--horizon", type=int, default=16)
    p.add_argument("--iterations", type=int, default=1)
    p.add_argument("--train-segments", type=int, default=200, help="mode1: planner segments to distil from")
    p.add_argument("--bc-steps", type=int, default=3000)
    p.add_argument("--variants", nargs="+", default=[""], help='PlannerConfig overrides, e.g. "elites=8"')
    p.add_argument("--ref-cache", default="runs", help="directory caching the reference plans ('' off)")
    p.add_argument("--ref-check", action="store_true", help="also rerun the reference with other seeds")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    torch.set_num_threads(args.threads)
    commands = {"quality": cmd_quality, "mode1": cmd_mode1}
    out = commands[args.what](args)
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()
