"""`lecun-agent sim`, `up` and `report`: run the stack and look at what it did."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path


def _default_run_dir() -> Path:
    return Path("runs") / datetime.now().strftime("%Y%m%d-%H%M%S")


def add_sim(sub) -> None:
    from lecun_agent.programs.scripted import PROGRAMS

    p = sub.add_parser("sim", help="run the simulated stack on a scripted program; video, plot, metrics")
    p.add_argument("--program", choices=sorted(PROGRAMS), default="walk", help="velocity program")
    p.add_argument("--seed", type=int, default=0, help="arena layout and noise seed")
    p.add_argument("--duration", type=float, default=10.0, help="sim seconds to run")
    p.add_argument("--out", type=Path, default=None, help="output directory (default runs/<timestamp>)")
    p.add_argument("--gui", action="store_true", help="open the PyBullet window")
    p.add_argument("--realtime", action="store_true", help="run at wall-clock rate instead of lock-step")
    p.add_argument("--profile", default="", help="config/profiles/<name>.yaml to overlay")
    p.set_defaults(func=_run_sim)


def _run_sim(args) -> int:
    from lecun_agent.stack.episode import run_episode

    out = args.out or _default_run_dir()
    metrics = run_episode(
        out, program=args.program, seed=args.seed, duration_s=args.duration, gui=args.gui,
        realtime=args.realtime, profile=args.profile,
    )
    print(f"wrote {out}/video.mp4, metrics.json, speed_tilt.png, costs.png, episode.npz")
    for key in ("distance_m", "lateral_error_m", "max_tilt_deg", "falls", "sim_seconds"):
        print(f"  {key}: {metrics[key]}")
    return 0 if not metrics.get("crashed_nodes") else 1


def add_up(sub) -> None:
    p = sub.add_parser("up", help="bring the whole stack up (simulation by default) until Ctrl-C")
    p.add_argument("--target", choices=("sim", "robot"), default="sim", help="sim, or a real robot's driver")
    p.add_argument("--namespace", default="", help="namespace for every node")
    p.add_argument("--profile", default="", help="config/profiles/<name>.yaml to overlay")
    p.add_argument("--program", default="", help="scripted velocity program (walk, turn, stand, square)")
    p.add_argument("--seed", type=int, default=0, help="arena and noise seed (sim)")
    p.add_argument("--realtime", action="store_true", help="sim at wall-clock rate instead of lock-step")
    p.add_argument("--gui", action="store_true", help="open the PyBullet window")
    p.add_argument("--no-gait", action="store_true", help="robots whose own controller takes /cmd_vel")
    p.add_argument("--record", action="store_true", help="record the topic contract to MCAP")
    p.add_argument("--bag", default="", help="MCAP path for --record")
    p.add_argument("--checkpoint", default="", help="world-model checkpoint (default: the shipped one)")
    p.add_argument("--logs", type=Path, default=None, help="node log folder (default runs/<time>/logs)")
    p.set_defaults(func=_run_up)


def _run_up(args) -> int:
    from lecun_agent.stack.bringup import run_until_stopped
    from lecun_agent.stack.description import StackOptions

    options = StackOptions(
        target=args.target, namespace=args.namespace, profile=args.profile, program=args.program,
        seed=args.seed, sim_mode="realtime" if args.realtime else "synchronous", gui=args.gui,
        gait=not args.no_gait, record=args.record, bag=args.bag, checkpoint=args.checkpoint,
    )
    return run_until_stopped(options, args.logs or _default_run_dir() / "logs")


def add_report(sub) -> None:
    p = sub.add_parser("report", help="plots (and the onboard video of a recording) from a run dir or MCAP")
    p.add_argument("source", type=Path, help="a `lecun-agent sim` run directory or a .mcap recording")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: beside the source)")
    p.set_defaults(func=_run_report)


def _run_report(args) -> int:
    from lecun_agent.episodes.report import report

    for path in report(args.source, args.out):
        print(f"wrote {path}")
    return 0
