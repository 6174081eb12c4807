"""Settings: each tunable or structural number's default, description and range, in one place.

A core's configuration dataclass makes each field that users may set with `setting(...)`.
The field's metadata is the setting's whole definition; nodes declare those fields as ROS
parameters with one helper (`lecun_agent/nodes/parameters.py`), the stack options become
launch arguments and CLI flags from the same metadata, and docs/tuning.md is generated from
the running nodes. A plain field (no `setting`) is a code constant, not a parameter.

Ranges are the only validation of a numeric setting: rclpy enforces the range it finds in the
parameter descriptor (finite values inside [low, high], the declared type, read-only), and
`Spec.problem` the same range (and the choices) for CLI flags and launch arguments. Safety
limits are ranged so that a change can only make them safer than the shipped default.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

_KEY = "lecun_agent.setting"


@dataclass(frozen=True)
class Spec:
    """What one setting is: its default, what it is for, and what values it may take."""

    name: str
    default: Any
    doc: str
    low: float | int | None = None
    high: float | int | None = None
    choices: tuple[Any, ...] | None = None
    runtime: bool = False  # may change while the node runs; otherwise fixed after start

    def problem(self, value: Any) -> str | None:
        """Why `value` may not be set: a number outside [low, high] (NaN too), or not one of the choices; None
        when it may. Types are the caller's to check (rclpy's descriptor, a flag's parsing)."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if (self.low is not None and not value >= self.low) or (self.high is not None and not value <= self.high):
                return f"{self.name} {value!r} is outside [{self.low}, {self.high}]"
        if self.choices is not None and value not in self.choices:
            return f"{self.name} must be one of {list(self.choices)}, got {value!r}"
        return None

    def takes_widened(self, value: Any) -> bool:
        """Whether `value` is an integer given for this double setting, to be taken as that double (ROS users
        write 1 for 1.0; rclpy alone refuses it for its type). Nothing else is converted."""
        return isinstance(self.default, float) and isinstance(value, int) and not isinstance(value, bool)


def setting(default: Any, doc: str, *, low: float | int | None = None, high: float | int | None = None,
            choices: tuple[Any, ...] | None = None, runtime: bool = False) -> Any:
    """A dataclass field that is a user setting (a node parameter, a launch argument, a CLI flag)."""
    meta = {_KEY: dict(doc=doc, low=low, high=high, choices=choices, runtime=runtime)}
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def specs(cls: type) -> list[Spec]:
    """The settings of dataclass `cls`, in field order (plain fields are left out)."""
    out = []
    for f in dataclasses.fields(cls):
        if _KEY not in f.metadata:
            continue
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        out.append(Spec(f.name, default, **f.metadata[_KEY]))
    return out
