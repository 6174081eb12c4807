"""`lecun-agent sim`, `up` and `report`: run the stack and look at what it did."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path


def _default_run_dir() -> Path:
    return Path("runs") / datetime.now().strftime("%Y%m%d-%H%M%S")


SIM_FLAGS = ("program", "seed", "gui", "realtime", "profile", "checkpoint")
UP_FLAGS = ("target", "namespace", "profile", "program", "seed", "realtime", "gui", "gait", "record", "bag",
            "checkpoint")


def add_sim(sub) -> None:
    from lecun_agent.stack.options import add_flags

    p = sub.add_parser("sim", help="run the simulated stack on a scripted program; video, plot, metrics")
    add_flags(p, SIM_FLAGS)
    p.set_defaults(program="walk")
    p.add_argument("--duration", type=float, default=10.0, help="sim seconds to run")
    p.add_argument("--out", type=Path, default=None, help="output directory (default runs/<timestamp>)")
    p.set_defaults(func=_run_sim)


def _run_sim(args) -> int:
    from lecun_agent.stack.episode import run_episode
    from lecun_agent.stack.options import from_flags

    out = args.out or _default_run_dir()
    metrics = run_episode(out, from_flags(args, target="sim"), duration_s=args.duration)
    print(f"wrote {out}/video.mp4, metrics.json, speed_tilt.png, costs.png, episode.npz")
    for key in ("distance_m", "lateral_error_m", "max_tilt_deg", "falls", "sim_seconds"):
        print(f"  {key}: {metrics[key]}")
    return 0 if not metrics.get("crashed_nodes") else 1


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
    p.add_argument("source", type=Path, help="a `lecun-agent sim` run directory or a .mcap recording")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: beside the source)")
    p.set_defaults(func=_run_report)


def _run_report(args) -> int:
    from lecun_agent.episodes.report import load_run, write_report

    source = Path(args.source)
    if source.is_dir():
        series, out = load_run(source), args.out or source
    else:
        from lecun_agent.recording.series import series_from_recording

        series, out = series_from_recording(source), args.out or source.with_suffix("")
    written = write_report(series, Path(out))
    if not written:
        raise ValueError(f"{source}: nothing to report (no pose, cost or camera data)")
    for path in written:
        print(f"wrote {path}")
    return 0
