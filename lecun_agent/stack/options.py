"""StackOptions as CLI flags and as launch arguments, both generated from the fields' metadata.

`lecun-agent up/sim` and `ros2 launch lecun_agent sim.launch.py` take the same options with the
same defaults, descriptions and choices, because neither lists them: they read `StackOptions`.
A flag is the field name with dashes (`--record-dir`); a field whose default is true becomes
`--no-<name>` (`--no-gait`); a launch argument is the field name (`record_dir:=...`).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lecun_agent.settings import Spec, specs
from lecun_agent.world_model.checkpoint_meta import read_meta

from .description import StackOptions

TRUE_WORDS = ("1", "true", "yes", "on")


def _specs(names: Iterable[str] | None = None) -> list[Spec]:
    wanted = None if names is None else set(names)
    return [s for s in specs(StackOptions) if wanted is None or s.name in wanted]


def add_flags(parser: argparse.ArgumentParser, names: Iterable[str]) -> None:
    """Add a flag for each named option (in StackOptions' order)."""
    for spec in _specs(names):
        flag = spec.name.replace("_", "-")
        if isinstance(spec.default, bool):
            action = "store_false" if spec.default else "store_true"
            parser.add_argument(f"--no-{flag}" if spec.default else f"--{flag}", dest=spec.name,
                                action=action,
                                help=f"turn off, where it is on by default: {spec.doc}" if spec.default else spec.doc)
        else:
            parser.add_argument(f"--{flag}", dest=spec.name, type=_parse_for(spec), default=spec.default,
                                choices=spec.choices, help=spec.doc)


def _parse_for(spec: Spec):
    """The flag's type: the default's, and an allowed value (argparse names the flag on an error)."""

    def parse(text: str):
        value = type(spec.default)(text)  # a ValueError here: argparse's "invalid int value: ..."
        problem = spec.problem(value)
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return value

    parse.__name__ = type(spec.default).__name__
    return parse


def from_flags(args: argparse.Namespace, **fixed: Any) -> StackOptions:
    """The options a parsed command line chose (flags it does not have keep their defaults). A checkpoint that
    is not one is a CheckpointError (a ValueError) here, before any node starts, not a node that dies at start."""
    chosen = {s.name: getattr(args, s.name) for s in _specs() if hasattr(args, s.name)}
    options = StackOptions(**{**chosen, **fixed})
    if options.checkpoint:
        read_meta(Path(options.checkpoint))
    return options


# Options only the simulator reads: robot.launch.py does not declare them (`--show-args` lists what acts).
SIM_ONLY = ("realtime", "gui", "arena", "seed", "record_dir", "record_video")


def launch_arguments(target: str) -> list[tuple[str, str, str]]:
    """(name, default as launch text, description) for every option the target's launch file declares."""
    exclude = ("target", *(SIM_ONLY if target == "robot" else ()))
    out = []
    for spec in _specs():
        if spec.name in exclude:
            continue
        default = str(spec.default).lower() if isinstance(spec.default, bool) else str(spec.default)
        choices = f" (one of: {', '.join(repr(c) for c in spec.choices)})" if spec.choices else ""
        out.append((spec.name, default, spec.doc + choices))
    return out


def from_launch(values: dict[str, str], **fixed: Any) -> StackOptions:
    """The options from launch-argument text (`gui:=true seed:=3`); a bad value is a ValueError."""
    parsed: dict[str, Any] = {}
    for spec in _specs(values):
        text = values[spec.name].strip()
        if isinstance(spec.default, bool):
            parsed[spec.name] = text.lower() in TRUE_WORDS
        elif isinstance(spec.default, int):
            parsed[spec.name] = int(text)
        else:
            parsed[spec.name] = text
        problem = spec.problem(parsed[spec.name])
        if problem:
            raise ValueError(f"launch argument {spec.name}:={text}: {problem}")
    return StackOptions(**{**parsed, **fixed})
