"""Per-mode weight profiles, and the clipping that keeps every pushed weight above its floor.

A profile gives the relative weights of the intrinsic cost terms in one mode. The
configurator may shape behaviour only through these; it can never weaken a safety term
below its floor, whatever the profile file says (`weights_for` raises it and says so).
"""

from __future__ import annotations

from lecun_agent.configurator.modes import Mode
from lecun_agent.cost.weights import DEFAULT_FLOORS, DEFAULT_WEIGHTS, TERM_NAMES, clip_to_floors

# mode -> term -> weight; config/configurator_node.yaml overrides any of these.
DEFAULT_PROFILES: dict[Mode, dict[str, float]] = {
    Mode.EXPLORE: {**DEFAULT_WEIGHTS, "energy": 0.005, "goal_distance": 0.0, "progress": 0.0},
    Mode.REACH: {**DEFAULT_WEIGHTS, "energy": 0.01, "goal_distance": 1.0, "progress": 1.0},
    Mode.REST: {**DEFAULT_WEIGHTS, "energy": 0.05, "goal_distance": 0.0, "progress": 0.0, "upright": 2.0},
}


def weights_for(
    profiles: dict[Mode, dict[str, float]], mode: Mode, floors: dict[str, float] | None = None
) -> tuple[dict[str, float], list[str]]:
    """The weights to push for `mode` (every term), and the names raised to their floors."""
    floors = DEFAULT_FLOORS if floors is None else floors
    profile = {**DEFAULT_WEIGHTS, **profiles.get(mode, {})}
    unknown = set(profile) - set(TERM_NAMES)
    if unknown:
        raise ValueError(f"profile {mode} names unknown terms {sorted(unknown)}; terms are {TERM_NAMES}")
    return clip_to_floors({n: profile[n] for n in TERM_NAMES}, floors)


def merge_floors(*sources: dict[str, float]) -> dict[str, float]:
    """The strictest floor per term over several sources (config, cost_node's own parameters)."""
    merged: dict[str, float] = {}
    for source in sources:
        for name, value in source.items():
            merged[name] = max(merged.get(name, 0.0), float(value))
    return merged
