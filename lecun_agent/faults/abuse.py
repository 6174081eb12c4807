"""Abusive parameter sets: what a careless user or a bad script sends to a running node.

For every parameter a node declares, from its descriptor (type, range, read-only), the values that
must be refused: below and above the range, NaN and Inf, the wrong type, any change of a read-only
one, `use_sim_time` switched, and a name the node does not have. The harness sends them through the
parameter services (as `ros2 param set` does, one request per node, and once all together as one
atomic set) while the robot walks, then reads every value back: none may have changed.
"""

from __future__ import annotations

import math
from typing import Any

from rcl_interfaces.msg import ParameterDescriptor, ParameterType

UNKNOWN = "bogus.parameter"


def abusive_values(name: str, descriptor: ParameterDescriptor, current: Any) -> list[Any]:
    """Values of `name` the node must refuse (each would change it, or is of the wrong type)."""
    kind = descriptor.type
    if name == "use_sim_time":
        return [not current, "false"]
    if kind == ParameterType.PARAMETER_DOUBLE:
        out: list[Any] = [math.nan, "0.5"]
        for r in descriptor.floating_point_range:
            out += [r.from_value - abs(r.from_value) - 1.0, r.to_value + abs(r.to_value) + 1.0]
        out += [math.inf, -math.inf] if descriptor.floating_point_range else []
        if descriptor.read_only:
            out.append(_other_double(descriptor, current))
        return out
    if kind == ParameterType.PARAMETER_INTEGER:
        out = [float(current) + 0.5, "1"]
        for r in descriptor.integer_range:
            out += [r.from_value - 1, r.to_value + 1]
        if descriptor.read_only:
            out.append(current + 1 if not descriptor.integer_range or current < descriptor.integer_range[0].to_value
                       else current - 1)
        return out
    if kind == ParameterType.PARAMETER_BOOL:
        return [1, "yes"] + ([not current] if descriptor.read_only else [])
    if kind == ParameterType.PARAMETER_STRING:
        return [3, 2.5, True] + ([current + "_changed"] if descriptor.read_only else [])
    return [object.__name__]  # arrays: a string is the wrong type


def _other_double(descriptor: ParameterDescriptor, current: float) -> float:
    """A different, in-range value (a read-only parameter must refuse even a safer one)."""
    if descriptor.floating_point_range:
        r = descriptor.floating_point_range[0]
        return r.from_value if current != r.from_value else r.to_value
    return current + 1.0


def abuse_list(descriptors: dict[str, ParameterDescriptor], values: dict[str, Any]) -> list[tuple[str, Any]]:
    """(name, value) for every abusive set of one node, and one unknown name."""
    out = [(name, v) for name in sorted(descriptors) for v in abusive_values(name, descriptors[name], values[name])]
    return out + [(UNKNOWN, 1.0)]
