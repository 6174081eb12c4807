"""Which weights exist, their defaults and floors, and the rules every weight change must pass.

The intrinsic cost is immutable except for the relative weights. Safety terms (pain, fall,
force) carry floors: no change may set their weight below the floor, and so none may
switch them off. cost_node validates parameter changes with `weight_problem`; the
configurator clips its profiles with `clip_to_floors` before it pushes them.
"""

from __future__ import annotations

import math

TERM_NAMES = ("pain", "fall", "force", "energy", "goal_distance", "progress", "upright")
SAFETY_TERMS = ("pain", "fall", "force")
MAX_WEIGHT = 1000.0

DEFAULT_WEIGHTS: dict[str, float] = {
    "pain": 1.0,
    "fall": 100.0,
    "force": 1.0,
    "energy": 0.01,  # 100 W of joint power weighs as much as 1.0 of pain
    "goal_distance": 1.0,
    "progress": 1.0,
    "upright": 1.0,
}
DEFAULT_FLOORS: dict[str, float] = {"pain": 0.5, "fall": 50.0, "force": 0.5}


def weight_problem(name: str, value: float, floors: dict[str, float]) -> str | None:
    """Why `value` may not be the weight of term `name`, or None when it may.

    The reason says what is wrong and what is allowed, since `ros2 param set` prints it.
    """
    if name not in TERM_NAMES:
        return f"unknown cost term {name!r}; terms are {', '.join(TERM_NAMES)}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"weights.{name} must be a number, got {type(value).__name__}"
    if not math.isfinite(value):
        return f"weights.{name} must be finite, got {value}; allowed [{floors.get(name, 0.0)}, {MAX_WEIGHT}]"
    floor = floors.get(name, 0.0)
    if value < 0:
        return f"weights.{name}={value} is negative; allowed [{floor}, {MAX_WEIGHT}]"
    if name in SAFETY_TERMS and value == 0:
        return (
            f"weights.{name}=0 would switch off safety term {name}; "
            f"it cannot be switched off, allowed [{floor}, {MAX_WEIGHT}]"
        )
    if value < floor:
        return f"weights.{name}={value} is below its floor {floor}; allowed [{floor}, {MAX_WEIGHT}]"
    if value > MAX_WEIGHT:
        return f"weights.{name}={value} is above the maximum; allowed [{floor}, {MAX_WEIGHT}]"
    return None


def floor_problem(name: str, value: float) -> str | None:
    """Why `value` is not a valid floor for `name` (floors are set at launch only)."""
    if name not in SAFETY_TERMS:
        return f"floors exist only for the safety terms {', '.join(SAFETY_TERMS)}, not {name!r}"
    if not math.isfinite(value) or value <= 0 or value > MAX_WEIGHT:
        return f"floors.{name}={value} must be in (0, {MAX_WEIGHT}] so the term can never be off"
    return None


def clip_to_floors(weights: dict[str, float], floors: dict[str, float]) -> tuple[dict[str, float], list[str]]:
    """The weights with every safety weight raised to at least its floor, and the names raised."""
    clipped, raised = {}, []
    for name, value in weights.items():
        floor = floors.get(name, 0.0)
        value = min(max(float(value), 0.0), MAX_WEIGHT)
        if value < floor:
            value, _ = floor, raised.append(name)
        clipped[name] = value
    return clipped, raised
