"""Does a dearer `weights.energy` pick plans whose power the world model underestimates?

Run: scripts/with_venv.sh python benchmarks/energy_prediction_bias.py --weights 0.01 0.02 [--seeds 0 1 ...]
In-process goal episodes (the same as benchmarks/actor_in_process.py) at each energy weight. At every
tick it keeps the chosen plan's predicted raw energy term for its first step (W, the power the planner
priced) and, after the episode, the power the sim measured over that step (the energy term on every
control step in that model step, averaged). It prints, per weight, the two means and their ratio, over
all ticks and by the command that went out: forward, backward, turning on the spot, sideways. A planner
that minimises predicted power selects the plans the model prices lowest, errors included (the
optimiser's curse); if a dearer step buys more of that error, measured over predicted rises with the
weight.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from lecun_agent.episodes.actor_agent import actor_agent
from lecun_agent.episodes.in_process import GoalEpisode, run_goal_episode
from lecun_agent.heap import keep_freed_memory
from lecun_agent.stack.eval_actor import eval_actor


def command_kind(vx: float, vy: float, wz: float) -> str:
    if vx < -0.1:
        return "backward"
    if abs(vy) > 0.15 and abs(vy) > abs(vx):
        return "sideways"
    if abs(vx) < 0.1 and abs(wz) > 0.3:
        return "turning on the spot"
    return "forward"


def measure(weight: float, seeds: list[int]) -> list[tuple[str, float, float]]:
    """(command kind, predicted W, measured W) per tick over `seeds` at `weights.energy` = weight."""
    actor = eval_actor("full", "", {}, {"energy": weight})
    step_s = actor.planner.scorer.dt  # the model's step: the plan's first step covers this much time after the tick
    planned: list[tuple[float, str, float]] = []  # (tick time, kind, predicted W)
    agent = actor_agent(actor, lambda obs, latent, r: planned.append(
        (obs.t, command_kind(*(float(v) for v in r.actions[0])), float(r.predicted["energy"][0]))))
    episode, rows = GoalEpisode(), []
    for seed in seeds:
        planned.clear()
        run = run_goal_episode(agent, seed, episode)
        t, power = np.asarray(run.log["t"], dtype=float), np.asarray(run.log["energy_w"], dtype=float)
        for tick, kind, predicted in planned:
            step = (t > tick) & (t <= tick + step_s + 1e-9)
            if step.any():
                rows.append((kind, predicted, float(power[step].mean())))
        print(f"  weight {weight} seed {seed}: {run.metrics['ended_by']}, "
              f"{run.metrics['energy_per_meter'] or float('nan'):.0f} J/m", flush=True)
    episode.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=float, nargs="+", default=[0.01, 0.02])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(20)))
    args = parser.parse_args()
    torch.set_num_threads(1)
    keep_freed_memory()
    results = {w: measure(w, args.seeds) for w in args.weights}
    kinds = ["all", "forward", "backward", "turning on the spot", "sideways"]
    print(f"{'weights.energy':>14} {'commands':>20} {'ticks':>6} {'share':>6} {'predicted W':>11} "
          f"{'measured W':>10} {'measured / predicted':>20}")
    for w, rows in results.items():
        for kind in kinds:
            picked = [r for r in rows if kind == "all" or r[0] == kind]
            if not picked:
                continue
            predicted = np.mean([r[1] for r in picked])
            measured = np.mean([r[2] for r in picked])
            print(f"{w:14g} {kind:>20} {len(picked):6d} {len(picked) / len(rows):6.1%} {predicted:11.1f} "
                  f"{measured:10.1f} {measured / predicted:20.2f}")


if __name__ == "__main__":
    main()
