"""`lecun-agent record` and `lecun-agent convert`: the ROS path of the data pipeline.

Register with `add_record(subparsers)` and `add_convert(subparsers)` from the main parser.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lecun_agent.cli.arg_types import seconds


def add_record(sub) -> None:
    p = sub.add_parser("record", help="record topics of the running stack to a rosbag2-compatible MCAP file")
    p.add_argument("--out", type=Path, required=True, help="MCAP file to write (e.g. run1.mcap); must not exist yet")
    p.add_argument("--topics", nargs="+", default=None,
                   help="topics to record (default: every topic of the contract)")
    p.add_argument("--duration", type=seconds(0.0, 86400.0, low_included=True), default=0.0,
                   help="seconds to record, counted from the first message recorded but diagnostics and /clock (sim "
                   "time with --use-sim-time); until then it waits, warning which topics have no publisher or message; "
                   "0 = until Ctrl-C")
    p.add_argument("--namespace", default="", help="namespace the stack runs in")
    p.add_argument("--use-sim-time", action="store_true", help="stamp messages with /clock (simulation)")
    p.set_defaults(func=_run_record)


def _run_record(args: argparse.Namespace) -> int:
    from rclpy.parameter import Parameter

    from lecun_agent.nodes import recorder_node
    from lecun_agent.recording.bag_reader import BagReader
    from lecun_agent.recording.topics import CONTRACT_TOPICS, resolve

    if args.out.exists():
        raise ValueError(f"{args.out} exists: a recording is never overwritten; choose another --out")
    overrides = [Parameter("output", value=str(args.out)),
                 Parameter("duration_s", value=float(args.duration)),
                 Parameter("use_sim_time", value=bool(args.use_sim_time))]
    if args.topics:
        overrides.append(Parameter("topics", value=list(args.topics)))
    recorder_node.main(args=None, parameter_overrides=overrides, namespace=args.namespace or None)
    counts = BagReader(args.out).message_counts
    if not recorder_node.heard_the_stack(counts):
        kinds = ["/clock"] * bool(counts.get("/clock")) + ["diagnostics"] * any(
            count for topic, count in counts.items() if recorder_node.is_diagnostics(topic))
        held = f"only {' and '.join(kinds)} messages" if kinds else "no message"
        print(f"lecun-agent record: {args.out} holds {held}: is the stack running, in this ROS_DOMAIN_ID and "
              "namespace?", file=sys.stderr)
        return 1
    wanted = {resolve(t, args.namespace) for t in args.topics or CONTRACT_TOPICS}
    missing = recorder_node.missing_for_convert(counts, wanted, args.namespace)
    print(f"wrote {args.out}" + (f" (no message of {missing}: `lecun-agent convert` cannot use it)" if missing else ""))
    return 0


def add_convert(sub) -> None:
    p = sub.add_parser("convert", help="turn an MCAP recording of the stack into a world-model dataset")
    p.add_argument("bag", type=Path, help="MCAP file recorded with `lecun-agent record` or `ros2 bag record` "
                   "(or the rosbag2 folder holding one)")
    p.add_argument("--out", type=Path, required=True,
                   help="dataset directory (created or appended to, after its last episode); a recording "
                   "already converted into it, or a checkpoint directory, is refused")
    p.add_argument("--namespace", default="", help="namespace the recorded topics live in")
    p.add_argument("--step", type=seconds(0.0, 60.0), default=None,
                   help="seconds per step, a whole number of camera periods (default: the camera period, from the "
                        "frames' stamps)")
    p.set_defaults(func=_run_convert)


def _run_convert(args: argparse.Namespace) -> int:
    from lecun_agent.recording.to_dataset import NOT_STEPS, convert_bag

    summary = convert_bag(args.bag, args.out, namespace=args.namespace, step_dt=args.step)
    dropped = ", ".join(f"{summary[key]} {why}" for key, why in NOT_STEPS.items() if summary[key])
    if not summary["episodes"]:
        print(f"lecun-agent convert: no episode in {args.bag}: none of its {summary['frames']} camera frames became a "
              f"step of one ({dropped or 'no frame'}); nothing written to {args.out}", file=sys.stderr)
        return 1
    print(f"wrote {summary['episodes']} episode(s), {summary['steps']} steps to {args.out} from {summary['frames']} "
          "camera frames" + (f"; not steps: {dropped}" if dropped else ""))
    return 0
