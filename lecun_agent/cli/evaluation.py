"""`lecun-agent eval`: seeded goal episodes through the ROS stack, scored, with a summary and a table."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from lecun_agent.cli.arg_types import non_negative_int, positive_int


def add_eval(sub) -> None:
    from lecun_agent.cli.sim import add_weights_flag
    from lecun_agent.stack.description import AGENTS
    from lecun_agent.stack.options import add_flags

    p = sub.add_parser("eval", help="run N seeded goal episodes through the ROS stack in parallel; summary, "
                       "rows and a markdown table")
    p.add_argument("--agent", choices=tuple(AGENTS), default=next(iter(AGENTS)), help="the agent to evaluate")
    p.add_argument("--episodes", type=positive_int, default=20, help="number of episodes (one seed each)")
    p.add_argument("--seed-start", type=non_negative_int, default=0, help="first arena seed")
    add_flags(p, ("arena", "profile", "checkpoint"))
    p.add_argument("--workers", type=positive_int, default=None,
                   help="episodes run at once (one ROS domain each); default 2 in lock-step, one per 2 cores in "
                        "real time (two real-time stacks on 2 cores missed their deadlines: plan p50 120 ms "
                        "against 80 ms alone, success 0.70 against 0.80)")
    p.add_argument("--video", type=non_negative_int, default=0, help="keep the videos of the first K episodes")
    p.add_argument("--realtime", action="store_true", help="run at wall-clock rate instead of lock-step")
    p.add_argument("--json", type=Path, required=True,
                   help="summary file F.json (or F): the rows go to F.jsonl, the table to F.md, the episodes to the "
                        "folder F")
    add_weights_flag(p)
    p.set_defaults(func=_run_eval)


def _run_eval(args) -> int:
    from lecun_agent.cli.output_paths import refuse_earlier_results
    from lecun_agent.cli.sim import REALTIME_VIDEO
    from lecun_agent.stack.description import stack_nodes
    from lecun_agent.stack.episode import episode_settings
    from lecun_agent.stack.evaluate import result_paths, run_eval
    from lecun_agent.stack.options import from_flags

    if args.realtime and args.video:
        print(f"lecun-agent eval: error: --video with --realtime: {REALTIME_VIDEO}; keep the videos of a lock-step "
              "run instead", file=sys.stderr)
        return 2
    if args.profile:
        from lecun_agent.stack.description import profile_path

        try:  # checked once here, not refused by every episode
            path = profile_path(args.profile)
        except (FileNotFoundError, ValueError) as err:
            print(f"lecun-agent eval: error: {err}", file=sys.stderr)
            return 2
        if args.profile.endswith((".yaml", ".yml")):  # a file, passed whole: episodes need not share our cwd
            args.profile = str(path)
    summary_path, rows_path, table_path, episodes_dir = result_paths(args.json)
    refuse_earlier_results((summary_path, rows_path, table_path, episodes_dir), "--json", "eval")
    if args.checkpoint:  # a directory, passed whole: episodes need not share our cwd
        args.checkpoint = str(Path(args.checkpoint).expanduser().resolve())
    # checked once here, not per episode: the profile's sim settings, the checkpoint, one world model for every node
    options = from_flags(args, target="sim")
    episode_settings(options)
    stack_nodes(options)
    try:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        with rows_path.open("w"):
            pass
    except OSError as err:
        print(f"lecun-agent eval: error: cannot write the results next to {args.json}: {err.strerror}",
              file=sys.stderr)
        return 2
    try:
        workers = args.workers or (max(1, (os.cpu_count() or 2) // 2) if args.realtime else 2)
        summary = run_eval(args.agent, args.episodes, args.seed_start, workers, args.video, args.json,
                           args.realtime, weights=dict(args.weights), arena=args.arena, profile=args.profile,
                           checkpoint=args.checkpoint)
    except KeyboardInterrupt:
        print(f"lecun-agent eval: interrupted; finished episodes are in {rows_path} and summarised in {summary_path}",
              file=sys.stderr)
        return 130
    print(table_path.read_text())
    print(f"wrote {summary_path}, {rows_path}, {table_path} "
          f"({summary['wall_s']} s)")
    print(json.dumps({k: summary[k] for k in ("success_rate", "falls", "collisions", "sync_timeouts")}))
    if summary["episodes_failed_to_run"] == args.episodes:
        print(f"lecun-agent eval: error: no episode ran (each row's `error` says why; logs in {episodes_dir})",
              file=sys.stderr)
        return 1
    return 0
