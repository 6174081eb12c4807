"""`lecun-agent`: the user's commands (run the stack, collect, train, evaluate, inspect)."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime
from pathlib import Path


def _default_run_dir() -> Path:
    return Path("runs") / datetime.now().strftime("%Y%m%d-%H%M%S")


def _add_sim(sub) -> None:
    from lecun_agent.sim.programs import PROGRAMS

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


def _add_up(sub) -> None:
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


def _add_report(sub) -> None:
    p = sub.add_parser("report", help="plots (and the onboard video of a recording) from a run dir or MCAP")
    p.add_argument("source", type=Path, help="a `lecun-agent sim` run directory or a .mcap recording")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: beside the source)")
    p.set_defaults(func=_run_report)


def _run_report(args) -> int:
    from lecun_agent.report import report

    for path in report(args.source, args.out):
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lecun-agent", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_sim(sub)
    _add_up(sub)
    _add_report(sub)
    from lecun_agent import cli_learning, cli_param, cli_recording

    cli_learning.add_collect(sub)
    cli_learning.add_train(sub)
    cli_learning.add_eval_model(sub)
    cli_recording.add_record(sub)
    cli_recording.add_convert(sub)
    cli_param.add_param(sub)
    cli_param.add_docs(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        # Bad input (missing files, wrong recordings, mismatched checkpoints) is the user's to
        # fix: say what is wrong, without a traceback. Anything else is our bug and keeps one.
        print(f"lecun-agent {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
