"""Does the actor crab-walk, and does its model price a sidestep right? Planned against measured, per cost term.

Run: scripts/with_venv.sh python benchmarks/sidestep_bias.py [--seeds 0 2 4 6] [--checkpoint DIR] [--every 3]
Runs the full agent on in-process goal episodes (by default free-line seeds of the eval: nothing in
the way, so a sidestep buys nothing) and prints:
- the mean sideways command of its plans and the sideways speed odometry measured;
- for every `--every`-th tick, the plan's predicted cost per term (`Planner.score_plan`, the check's
  exact heads) for the chosen plan, the same plan without its sidestep (vy = 0) and with it mirrored;
- the energy term's input (sum |effort x joint velocity|, W) the sim measures under constant
  commands with and without a sidestep, in an empty arena: what the model's energy should say.
"""

from __future__ import annotations

import argparse
import collections
import logging

import numpy as np
import torch

from lecun_agent.bench.scaling import goal_arena
from lecun_agent.cost.energy import EnergyTerm
from lecun_agent.episodes.actor_agent import run_actor_episodes
from lecun_agent.episodes.in_process import GoalEpisode
from lecun_agent.heap import keep_freed_memory
from lecun_agent.sim.config import SimConfig
from lecun_agent.stack.eval_actor import eval_actor

VARIANTS = {"chosen": (1.0, 1.0, 1.0), "no sidestep": (1.0, 0.0, 1.0), "mirrored sidestep": (1.0, -1.0, 1.0)}
ENERGY = EnergyTerm()  # the term's raw input: sum |effort x joint velocity|, W
COMMANDS = ((0.5, 0.0, 0.0), (0.5, 0.2, 0.0), (0.5, -0.2, 0.0), (0.0, 0.2, 0.0), (0.0, -0.2, 0.0))


def measured_power(episode: GoalEpisode, command: tuple[float, float, float], seeds=(0, 1, 2),
                   settle_ticks: int = 15, ticks: int = 30) -> float:
    """W: the energy term's mean raw value at the ticks of a constant command, after settling."""
    power = []
    for seed in seeds:
        episode.reset(seed)
        for tick in range(settle_ticks + ticks):
            episode.act(np.array(command, dtype=float))
            if tick >= settle_ticks:
                r = episode.readings
                power.append(float(ENERGY.compute({"joint_effort": torch.as_tensor(r.joint_effort),
                                                   "joint_vel": torch.as_tensor(r.joint_vel)})))
    return float(np.mean(power))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 2, 4, 6])
    parser.add_argument("--checkpoint", default="")
    parser.add_argument("--every", type=int, default=3, help="score every n-th tick")
    args = parser.parse_args()
    torch.set_num_threads(1)
    keep_freed_memory()
    actor = eval_actor("full", args.checkpoint)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ticks = []
    run_actor_episodes(actor, args.seeds, lambda obs, latent, r: ticks.append(
        (latent.clone(), obs.odom[:3].copy(), obs.goal.copy(), r.actions.clone(), float(obs.odom[4]))))
    planned_vy = np.mean([float(u[:, 1].mean()) for _, _, _, u, _ in ticks])
    measured_vy = np.mean([t[4] for t in ticks])
    print(f"{len(ticks)} ticks: planned vy {planned_vy:+.3f} m/s, measured vy {measured_vy:+.3f} m/s")
    planner, terms = actor.planner, collections.defaultdict(lambda: collections.defaultdict(list))
    planner.memory.clear()
    scored = ticks[:: args.every]
    for latent, pose, goal, plan, _ in scored:
        for name, scale in VARIANTS.items():
            r = planner.score_plan(latent, plan * torch.tensor(scale), tuple(pose), goal, plan[0])
            terms[name]["total"].append(r.cost)
            for term, values in r.weighted.items():
                terms[name][term].append(float(values.sum()))
    print(f"predicted plan cost per term, mean over {len(scored)} ticks (exact heads):")
    for name in VARIANTS:
        print(f"  {name:>17}: " + "  ".join(f"{t} {np.mean(v):.2f}" for t, v in sorted(terms[name].items())))
    print("measured energy-term input under constant commands (empty arena, 3 seeds):")
    empty = GoalEpisode(SimConfig(arena=goal_arena(0, 30.0, 40.0)))
    for command in COMMANDS:
        print(f"  vx {command[0]:.1f} vy {command[1]:+.1f} wz {command[2]:+.1f}: "
              f"{measured_power(empty, command):.1f} W")
    empty.close()


if __name__ == "__main__":
    main()
