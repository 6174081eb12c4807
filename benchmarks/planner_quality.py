"""Plan quality of the planning paths on a fixed set of recorded states, and the distilled student.

    python benchmarks/planner_quality.py distill --data data/planner_distill \
        --out runs/planner_student.pt
    python benchmarks/planner_quality.py quality --states data/planner_states \
        --student runs/planner_student.pt

`distill` trains the student planning model (actor/distill.py) on teacher rollouts from the encoded
states of --data and reports its open-loop agreement with the teacher on --states.

`quality` replays short segments of recorded episodes (--states, seeds training never saw): at
each step the planner gets the encoded latent, the dead-reckoned pose, a seeded goal 3 m away and
the recorded last command, and keeps its own warm start along the segment. Every option's chosen
plan is re-scored by one fixed evaluator (the full ensemble mean path, spread penalised: what the
world model believes best) beside the plan of a reference planner with 10x the samples and 3
iterations on that same evaluator. Reported: the cost gap to the reference (mean and p90), the
regret as a share of the reference's improvement over holding the current command, and the
first-action distance in box units.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import time
from pathlib import Path

import numpy as np
import torch

from lecun_agent.actor import Planner, PlannerConfig
from lecun_agent.actor.distill import DistillConfig, distill_planning_model, load_student, save_student
from lecun_agent.actor.plan_cost import PlanScorer
from lecun_agent.actor.planning_model import WorldModelAdapter
from lecun_agent.actor.presets import PATHS, planning_path
from lecun_agent.actor.rollout import rollout
from lecun_agent.actor.sampling import ActionSpace
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


def cmd_distill(args) -> dict:
    model = load_checkpoint(args.checkpoint)[0]
    starts = torch.from_numpy(encode_states(model, args.data)["latent"])
    cfg = PlannerConfig()
    space = ActionSpace(cfg.action_low, cfg.action_high, cfg.rate_limit)
    dcfg = DistillConfig(hidden=args.hidden, steps=args.steps, seed=args.seed)
    t = time.monotonic()
    student, losses = distill_planning_model(model, starts, space, dcfg)
    seconds = time.monotonic() - t
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_student(args.out, student, model, dcfg)
    held = torch.from_numpy(encode_states(model, args.states)["latent"])
    return {"train_states": len(starts), "seconds": seconds, "loss_first": float(np.mean(losses[:50])),
            "loss_last": float(np.mean(losses[-50:])), **agreement(model, student, held, space)}  # fmt: skip


@torch.no_grad()
def agreement(model, student, starts, space) -> dict:
    """Student vs teacher over 16 open-loop steps from held-out states: latent error relative to the
    latent's spread, and R^2 of the cost features the planner reads."""
    from lecun_agent.actor.distill import DistilledModel, sample_actions

    gen = torch.Generator().manual_seed(1)
    u = sample_actions(space, starts.shape[0], 16, 0.4, gen)
    teacher = WorldModelAdapter(model)
    pm = DistilledModel(model, student)
    t_roll, s_roll = rollout(teacher, starts, u), rollout(pm, starts, u)
    out = {}
    for name in ("base_velocity", "joint_effort", "joint_vel", "body_contact_force", "tilt", "foot_force"):
        a, b = t_roll.feats[name], s_roll.feats[name]
        out[f"r2_{name}"] = float(
            1 - ((a - b) ** 2).sum() / ((a - a.mean((0, 1))) ** 2).sum().clamp(min=1e-9)
        )
    ls = [model.rollout(starts, u), torch.stack([x for x in _student_latents(pm, starts, u)], 1)]
    out["latent_rel_error_h16"] = float(
        (ls[0][:, -1] - ls[1][:, -1]).norm(dim=-1).mean() / starts.std(0).norm()
    )
    return out


def _student_latents(pm, s, u):
    for h in range(u.shape[1]):
        s = pm.step(s, u[:, h])
        yield s


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


def run_option(planner, states, segs, length: int, warmup: int):
    """Plans along every segment; -> list of (state index, plan (H, A), goal) after the warm-up."""
    plans = []
    for t0, goal in segs:
        planner.reset()
        for k in range(length):
            t = t0 + k
            r = planner.plan(states["latent"][t], states["pose"][t], goal, states["action"][t - 1], seed=k)
            if k >= warmup:
                plans.append((t, r.actions, goal))
    return plans


def cmd_quality(args) -> dict:
    torch.set_num_threads(args.threads)
    model = load_checkpoint(args.checkpoint)[0]
    student = load_student(args.student, model) if args.student else None
    states = encode_states(model, args.states)
    segs = segments(states, args.segments, args.length, args.seed)
    cost = IntrinsicCost()
    base = PlannerConfig(samples=args.samples, horizon=args.horizon)
    evaluator = WorldModelAdapter(model)
    scorer = PlanScorer(cost, evaluator.dt, base.discount, base.critic_weight, base.uncertainty_weight)

    def evaluate(t, u, goal) -> float:
        s0 = torch.from_numpy(states["latent"][t])
        roll = rollout(evaluator, s0, u[None], "mean")
        pose, g = (
            torch.tensor(states["pose"][t], dtype=torch.float32),
            torch.tensor(goal, dtype=torch.float32),
        )
        return float(scorer.score(roll.feats, roll.value, pose, g, roll.spread).total[0])

    ref_cfg = PlannerConfig(
        samples=10 * args.samples, horizon=args.horizon, iterations=3, uncertainty="penalty"
    )
    ref = run_option(Planner(evaluator, cost, ref_cfg), states, segs, args.length, args.warmup)
    j_ref = np.array([evaluate(t, u, g) for t, u, g in ref])
    hold = [torch.as_tensor(states["action"][t - 1]).float().expand(args.horizon, -1) for t, _, _ in ref]
    j_hold = np.array([evaluate(t, u, g) for (t, _, g), u in zip(ref, hold, strict=True)])
    half = torch.tensor(base.action_high) - torch.tensor(base.action_low)
    rows = {"reference": {"cost_mean": float(j_ref.mean()), "hold_cost_mean": float(j_hold.mean())}}
    for name in args.paths:
        if PATHS[name]["fast"] == "student" and student is None:
            continue
        for hier in (False, True) if args.hier_too and not PATHS[name].get("hierarchical") else (False,):
            pm, over = planning_path(model, name, student)
            over["hierarchical"] = over["hierarchical"] or hier
            cfg = PlannerConfig(**{**base.to_dict(), **over, "iterations": args.iterations})
            plans = run_option(Planner(pm, cost, cfg), states, segs, args.length, args.warmup)
            j = np.array([evaluate(t, u, g) for t, u, g in plans])
            gap = j - j_ref
            regret = gap / np.maximum(j_hold - j_ref, 1e-6)
            first = [
                float((2 * (u[0] - ur[0]) / half).norm())
                for (_, u, _), (_, ur, _) in zip(plans, ref, strict=True)
            ]
            key = name + ("+hier" if hier else "")
            rows[key] = {"gap_mean": float(gap.mean()), "gap_p90": float(np.percentile(gap, 90)),
                         "regret_median": float(np.median(regret)), "regret_mean": float(regret.mean()),
                         "first_action_dist_mean": float(np.mean(first))}  # fmt: skip
            log.info("%s %s", key, rows[key])
    return {"plans_per_option": len(ref), "samples": args.samples, "horizon": args.horizon, "rows": rows}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["distill", "quality"])
    p.add_argument("--checkpoint", type=Path, default=None)
    p.add_argument("--data", type=Path, default=Path("data/planner_distill"))
    p.add_argument("--states", type=Path, default=Path("data/planner_states"))
    p.add_argument("--out", type=Path, default=Path("runs/planner_student.pt"))
    p.add_argument("--student", type=Path, default=None)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--paths", nargs="+", default=list(PATHS))
    p.add_argument(
        "--hier-too", action="store_true", help="also run each non-hierarchical path hierarchically"
    )
    p.add_argument("--segments", type=int, default=16)
    p.add_argument("--length", type=int, default=6)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--samples", type=int, default=512)
    p.add_argument("--horizon", type=int, default=16)
    p.add_argument("--iterations", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    torch.set_num_threads(args.threads)
    out = {"distill": cmd_distill, "quality": cmd_quality}[args.what](args)
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()
