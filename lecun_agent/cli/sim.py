"""`lecun-agent sim`, `up` and `report`: run the stack and look at what it did."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from lecun_agent.cli.arg_types import seconds


def _default_run_dir() -> Path:
    return Path("runs") / datetime.now().strftime("%Y%m%d-%H%M%S")


SIM_FLAGS = ("agent", "program", "arena", "seed", "gui", "realtime", "profile", "checkpoint", "record_video")
UP_FLAGS = ("target", "namespace", "profile", "agent", "program", "arena", "seed", "realtime", "gui", "gait",
            "record", "bag", "checkpoint")
REALTIME_VIDEO = ("one frame takes about 50 ms to render, in the simulator's own thread, which holds a real-time "
                  "simulation below wall-clock rate and the gait's joint targets a step or two behind")
SHOWN = ("success", "ended_by", "time_to_goal_s", "final_distance_m", "distance_m", "collisions", "falls",
         "energy_per_meter", "mean_power_w", "max_tilt_deg", "sim_seconds", "sync_timeouts")


def add_sim(sub) -> None:
    from lecun_agent.stack.options import add_flags

    p = sub.add_parser("sim", help="one simulated episode through ROS (a goal episode with the agent, or a "
                       "scripted program); video, plots, metrics")
    add_flags(p, SIM_FLAGS)
    p.add_argument("--duration", type=seconds(0.0, 86400.0), default=None,
                   help="sim seconds: a program runs this long (default 10); a goal episode ends on success, a "
                        "fall or this time limit (default: the profile's episode.time_limit_s, else 40)")
    p.add_argument("--out", type=Path, default=None, help="output directory (default runs/<timestamp>)")
    add_weights_flag(p)
    p.set_defaults(func=_run_sim)


def add_weights_flag(p) -> None:
    from lecun_agent.stack.set_weights import weight_item

    p.add_argument("--weights", nargs="+", type=weight_item, default=[], metavar="TERM=VALUE",
                   help="cost weights to set on /cost_node through its parameter service (as `ros2 param set "
                        "/cost_node weights.TERM VALUE`) before the episode starts; the actor plans with them")


def _run_sim(args) -> int:
    from lecun_agent.sim.config import SLOW_PACE
    from lecun_agent.stack.episode import EpisodeNotStarted, WeightsRefused, run_episode
    from lecun_agent.stack.evaluate import NOT_STARTED_EXIT, is_runner_file, stopped_early
    from lecun_agent.stack.options import from_flags

    out = args.out or _default_run_dir()
    if (out / "metrics.json").exists():
        raise FileExistsError(f"{out} holds a finished run (metrics.json); give another --out, or delete it first")
    # A run stopped before its metrics: its video must not sit beside ours (eval's runner's own log may: it runs us).
    others = sorted(p.name for p in out.iterdir() if not is_runner_file(p.name)) if out.is_dir() else []
    if others:
        raise FileExistsError(f"{out} is not empty ({', '.join(others)}; no "
                              "metrics.json: a run that stopped before its end, or files of yours); give another "
                              "--out, or delete them first")
    if args.realtime and args.record_video:
        args.record_video = False
        print(f"lecun-agent sim: real time, so no chase video: {REALTIME_VIDEO}; run lock-step for the video",
              file=sys.stderr)
    duration = args.duration if args.duration is not None else (10.0 if args.program else None)
    try:
        metrics = run_episode(out, from_flags(args, target="sim"), duration_s=duration, weights=dict(args.weights))
    except WeightsRefused as err:
        print(f"lecun-agent sim: error: {err}", file=sys.stderr)
        return 2
    except EpisodeNotStarted as err:
        print(f"lecun-agent sim: error: {err}; nothing ran, so it can be run again", file=sys.stderr)
        return NOT_STARTED_EXIT
    written = ["metrics.json", "costs.png", "top_down.png", "speed_tilt.png"]
    written += ["video.mp4"] if args.record_video else []
    print(f"wrote {out}/: {', '.join(written)}")
    for key in SHOWN:
        if key in metrics:
            value = metrics[key]  # metrics.json keeps full precision; the summary reads as measured
            print(f"  {key}: {round(value, 3) if isinstance(value, float) else value}")
    if metrics.get("plan_ms_p50") is not None:  # a planner ran (real time: misses cost it the goal, QA 2026-12-07)
        print(f"  plan_ms p50/p99: {metrics['plan_ms_p50']:.1f}/{metrics['plan_ms_p99']:.1f}  deadline_misses: "
              f"{metrics['deadline_misses']}")
    if metrics.get("realtime_factor") is not None:
        factor = metrics["realtime_factor"]
        print(f"  realtime_factor: {factor:.2f} sim s per wall s" + ("" if factor >= SLOW_PACE else
              f" (below {SLOW_PACE}: this machine ran the sim slower than the wall clock, so the agent had more "
              "time per tick than on the robot; timings are not the robot's)"))
    if metrics.get("interrupted"):
        print(f"lecun-agent sim: interrupted at {metrics['sim_seconds']:.2f} s of sim time: its metrics describe no "
              "whole episode (metrics.json says \"interrupted\": true)", file=sys.stderr)
        return 130
    if metrics.get("crashed_nodes"):
        return 1
    if stopped_early(metrics):
        print(f"lecun-agent sim: error: the episode stopped at {metrics['sim_seconds']:.2f} s of sim time before "
              f"success, a fall or its time limit, so its metrics describe no whole episode (node logs in "
              f"{out / 'logs'})", file=sys.stderr)
        return 1
    return 0


def add_up(sub) -> None:
    from lecun_agent.stack.options import add_flags

    p = sub.add_parser("up", help="bring the whole stack up (simulation by default) until Ctrl-C")
    add_flags(p, UP_FLAGS)
    p.add_argument("--logs", type=Path, default=None, help="node log folder (default runs/<time>/logs)")
    p.set_defaults(func=_run_up)


def _run_up(args) -> int:
    from lecun_agent.stack.bringup import run_until_stopped
    from lecun_agent.stack.options import from_flags

    return run_until_stopped(from_flags(args), args.logs or _default_run_dir() / "logs")


def add_report(sub) -> None:
    p = sub.add_parser("report", help="plots (and the onboard video of a recording) from a run dir or MCAP")
    p.add_argument("source", type=Path,
                   help="a `lecun-agent sim` run directory, a .mcap recording, or a rosbag2 folder holding one")
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default: a run directory itself; beside a recording: run.mcap -> run/, a "
                        "rosbag2 folder run1 -> run1_report/)")
    p.set_defaults(func=_run_report)


def _run_report(args) -> int:
    from lecun_agent.episodes.report import EPISODE_FILE, load_run, write_report

    source = Path(args.source)
    if source.is_dir() and not (source / EPISODE_FILE).exists() and not any(source.glob("*.mcap")):
        raise FileNotFoundError(f"{source} holds neither a `lecun-agent sim` run ({EPISODE_FILE}) nor a recording "
                                "(*.mcap)")
    if source.is_dir() and (source / EPISODE_FILE).exists():  # a run folder; else a rosbag2 folder, with or without
        # its metadata.yaml (convert reads such a folder too)
        series, out = load_run(source), args.out or source
    else:
        from lecun_agent.recording.series import series_from_recording

        beside = source.parent / f"{source.name}_report" if source.is_dir() else source.with_suffix("")
        series, out = series_from_recording(source), args.out or beside
    written = write_report(series, Path(out))
    if not written:
        raise ValueError(f"{source}: nothing to report (no pose, cost or camera data)")
    for path in written:
        print(f"wrote {path}")
    return 0
