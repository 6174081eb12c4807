"""The straight-line baseline on seeded goal episodes, in-process: the numbers every agent must beat.

Run: scripts/with_venv.sh python benchmarks/bench_goal_in_process.py [--seed-start 0] [--episodes 20]
     [--png-dir DIR]
Prints one row per seed and a summary split into seeds whose straight line is blocked and free;
--png-dir writes each episode's top-down picture. The episodes are the ones `lecun-agent eval`
runs through ROS (same seeds, arena, gait, cost, guardrail and metrics), so the two can be compared.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from lecun_agent.episodes.in_process import GoalEpisode, run_goal_episode, straight_line_agent
from lecun_agent.episodes.top_down import plot_top_down


def summary(rows: list[dict]) -> str:
    """success rate, falls, collisions, mean time to goal, energy per metre and mean power of some rows, as one line."""
    if not rows:
        return "none"
    times = [r["time_to_goal_s"] for r in rows if r["success"]]
    energy = [r["energy_per_meter"] for r in rows if r["energy_per_meter"] is not None]
    power = [r["mean_power_w"] for r in rows if r["mean_power_w"] is not None]
    return (f"{len(rows):2d} episodes  success {np.mean([r['success'] for r in rows]):.0%}  "
            f"falls {sum(r['falls'] for r in rows)}  collisions {sum(r['collisions'] for r in rows)}  "
            f"time to goal {np.mean(times) if times else float('nan'):.1f} s  "
            f"energy {np.mean(energy) if energy else float('nan'):.0f} J/m  "
            f"power {np.mean(power) if power else float('nan'):.0f} W")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-start", type=int, default=0)
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--png-dir", type=Path, default=None, help="write top_down_<seed>.png here")
    args = parser.parse_args()
    if args.png_dir:
        args.png_dir.mkdir(parents=True, exist_ok=True)
    episode = GoalEpisode()
    agent = straight_line_agent()
    rows, blocked, sim_s, t0 = [], {}, 0.0, time.perf_counter()
    print(f"{'seed':>4} {'line':>7} {'ended_by':>10} {'t (s)':>6} {'path':>6} {'left':>5} {'coll':>4} "
          f"{'tilt':>5} {'J/m':>5}  guardrail")
    try:
        for seed in range(args.seed_start, args.seed_start + args.episodes):
            run = run_goal_episode(agent, seed, episode)
            m = run.metrics
            rows.append(m)
            blocked[seed] = run.arena.line_blocked
            sim_s += m["sim_seconds"]
            energy = f"{m['energy_per_meter']:5.0f}" if m["energy_per_meter"] is not None else "    -"
            print(f"{seed:4d} {'blocked' if blocked[seed] else 'free':>7} {m['ended_by']:>10} "
                  f"{m['sim_seconds']:6.1f} {m['path_length_m']:6.2f} {m['final_distance_m']:5.2f} "
                  f"{m['collisions']:4d} {m['max_tilt_deg']:5.1f} {energy}  {m['guardrail_interventions']}",
                  flush=True)
            if args.png_dir:
                title = (f"seed {seed}, line {'blocked' if blocked[seed] else 'free'}: {m['ended_by']} "
                         f"after {m['sim_seconds']:.1f} s, {m['collisions']} collisions")
                plot_top_down(run.arena, run.log["pos"], args.png_dir / f"top_down_{seed}.png",
                              episode.rules.success_radius_m, title)
    finally:
        episode.close()
    wall = time.perf_counter() - t0
    print(f"\nall     {summary(rows)}")
    print(f"blocked {summary([r for r in rows if blocked[r['seed']]])}")
    print(f"free    {summary([r for r in rows if not blocked[r['seed']]])}")
    print(f"{sim_s:.0f} sim s in {wall:.0f} wall s ({sim_s / wall:.1f}x real time, one core)")


if __name__ == "__main__":
    main()
