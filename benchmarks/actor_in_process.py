"""The actor (or an ablation) on seeded goal episodes, in-process: fast tuning beside the ROS eval.

Run: scripts/with_venv.sh python benchmarks/actor_in_process.py [--agent full] [--seed-start 0]
     [--episodes 20 | --seeds 1 3 5] [--set planner.samples=256 ...] [--weights energy=0.05]
     [--guardrail tilt_slow=0.1] [--checkpoint DIR] [--png-dir DIR] [--arena OBSTACLES DISTANCE_M SIZE_M]
Same seeds, arena, gait, cost, guardrail and metrics as `lecun-agent eval`, and the same Actor.act
as actor_node; but no plan veto, no configurator (nothing rests the robot at its goal) and no ROS.
Prints one row per seed, the plan time and a summary split into blocked and free seeds, like
benchmarks/bench_goal_in_process.py does for the baseline. Beside the eval's metrics each row has
`odom`, the goal distance by the robot's own odometry at its last tick (a robot with `left` above
the success radius and `odom` near 0 stands where its odometry puts the goal: drift, not a trap),
and `back`, the share of ticks that commanded walking backward (vx < -0.1 m/s: blind, the camera
looks forward).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from lecun_agent.bench.scaling import goal_arena
from lecun_agent.cost.guardrail import GuardrailConfig
from lecun_agent.episodes.actor_agent import actor_agent
from lecun_agent.episodes.in_process import GoalEpisode, run_goal_episode
from lecun_agent.episodes.top_down import plot_top_down
from lecun_agent.heap import keep_freed_memory
from lecun_agent.sim.config import SimConfig
from lecun_agent.stack.description import MODEL_AGENTS
from lecun_agent.stack.eval_actor import eval_actor
from lecun_agent.stack.set_weights import weight_item

try:
    from bench_goal_in_process import summary
except ImportError:  # run as a module
    from benchmarks.bench_goal_in_process import summary


def parameter_value(text: str):
    """A parameter value as actor_node would take it from the command line: int, float, bool, tuple or text."""
    if "," in text:
        return tuple(parameter_value(part) for part in text.split(","))
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agent", choices=MODEL_AGENTS, default=MODEL_AGENTS[0])
    parser.add_argument("--seed-start", type=int, default=0)
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--seeds", type=int, nargs="*", default=None, help="these seeds instead of a range")
    parser.add_argument("--checkpoint", default="")
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE",
                        help="actor_node parameters, e.g. planner.samples=256 mode=mode1")
    parser.add_argument("--weights", nargs="*", type=weight_item, default=[], metavar="TERM=VALUE",
                        help="cost weights the actor plans with, as `ros2 param set /cost_node weights.TERM` "
                             "would set them (the episode still measures with the defaults)")
    parser.add_argument("--guardrail", nargs="*", default=[], metavar="FIELD=VALUE",
                        help="guardrail settings (cost_node's guardrail.<field>), e.g. tilt_slow=0.1")
    parser.add_argument("--no-homing", action="store_true",
                        help="walk to the goal sent by odometry alone, not moved onto the goal marker seen")
    parser.add_argument("--no-look-around", action="store_true",
                        help="home on the goal marker, but never look around for it near the goal")
    parser.add_argument("--png-dir", type=Path, default=None, help="write top_down_<seed>.png here")
    parser.add_argument("--arena", nargs=3, type=float, default=None, metavar=("OBSTACLES", "DISTANCE_M", "SIZE_M"),
                        help="the bench's scaling arenas (lecun_agent/bench/scaling.py) instead of the eval's")
    args = parser.parse_args()
    torch.set_num_threads(1)
    keep_freed_memory()  # as actor_node does
    overrides = {k: parameter_value(v) for k, v in (item.split("=", 1) for item in args.set)}
    weights = {name.removeprefix("weights."): value for name, value in args.weights}
    actor = eval_actor(args.agent, args.checkpoint, overrides, weights)
    plan_ms: list[float] = []
    backward_ticks = 0
    ticks: list[tuple[float, float]] = []  # this episode's (odometry's goal distance, commanded vx) per tick

    def on_plan(obs, latent, r) -> None:
        plan_ms.append(r.timings_ms.get("total", np.nan))
        ticks.append((float(np.hypot(*(obs.goal - obs.odom[:2]))), float(r.actions[0, 0])))

    agent = actor_agent(actor, on_plan, homing=not args.no_homing, look_around=not args.no_look_around)
    if args.png_dir:
        args.png_dir.mkdir(parents=True, exist_ok=True)
    sim_config = None if args.arena is None else SimConfig(arena=goal_arena(int(args.arena[0]), *args.arena[1:]))
    guardrail = GuardrailConfig(**{k: float(v) for k, v in (item.split("=", 1) for item in args.guardrail)})
    episode, rows, blocked, t0 = GoalEpisode(sim_config, guardrail_config=guardrail), [], {}, time.perf_counter()
    print(f"agent {args.agent} {overrides} weights {weights or 'default'}, goal homing {not args.no_homing}, "
          f"look around {not (args.no_homing or args.no_look_around)}")
    print(f"{'seed':>4} {'line':>7} {'ended_by':>10} {'t (s)':>6} {'path':>6} {'left':>5} {'odom':>5} {'coll':>4} "
          f"{'tilt':>5} {'J/m':>5} {'back':>5}  guardrail")
    seeds = args.seeds if args.seeds is not None else range(args.seed_start, args.seed_start + args.episodes)
    for seed in seeds:
        ticks.clear()
        run = run_goal_episode(agent, seed, episode)
        tick = np.array(ticks).reshape(-1, 2)
        odom_left = tick[-1, 0] if len(tick) else np.nan
        back = tick[:, 1] < -0.1
        backward = float(back.mean()) if len(back) else 0.0
        backward_ticks += int(back.sum())
        m = run.metrics
        rows.append(m)
        blocked[seed] = run.arena.line_blocked
        energy = f"{m['energy_per_meter']:5.0f}" if m["energy_per_meter"] is not None else "    -"
        print(f"{seed:4d} {'blocked' if blocked[seed] else 'free':>7} {m['ended_by']:>10} {m['sim_seconds']:6.1f} "
              f"{m['path_length_m']:6.2f} {m['final_distance_m']:5.2f} {odom_left:5.2f} {m['collisions']:4d} "
              f"{m['max_tilt_deg']:5.1f} {energy} {backward:5.2f}  {m['guardrail_interventions']}", flush=True)
        if args.png_dir:
            plot_top_down(run.arena, run.log["pos"], args.png_dir / f"top_down_{seed}.png",
                          episode.rules.success_radius_m)
    episode.close()
    ms = np.array(plan_ms)
    print(f"all     {summary(rows)}")
    print(f"blocked {summary([r for r in rows if blocked[r['seed']]])}")
    print(f"free    {summary([r for r in rows if not blocked[r['seed']]])}")
    print(f"ticks walking backward {backward_ticks / max(1, len(ms)):.1%} of {len(ms)}")
    print(f"plan ms p50 {np.percentile(ms, 50):.1f} p99 {np.percentile(ms, 99):.1f}; "
          f"wall {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
