"""The intrinsic cost's weights, the only part of it a user may change, and their safety floors.

The term definitions are code; each term's weight is a `weights.<term>` parameter of cost_node,
owned by the user (docs/tuning.md). The safety terms (pain, fall, force) have floors: the lower
bound of their weight's range is the floor, so rclpy refuses any value below it on every path.
A floor itself can only be raised above the shipped value (by a params file or launch override).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from lecun_agent.settings import setting

MAX_WEIGHT = 1000.0
SAFETY_TERMS = ("pain", "fall", "force")


def _floor(shipped: float, term: str):
    return setting(shipped, f"lowest allowed weights.{term} (safety); may be raised, never lowered",
                   low=shipped, high=MAX_WEIGHT)


@dataclass(frozen=True)
class Floors:
    """Lowest weight of each safety term; read-only, set at launch only."""

    pain: float = _floor(0.5, "pain")
    fall: float = _floor(50.0, "fall")
    force: float = _floor(0.5, "force")


def _weight(default: float, doc: str, floor: float = 0.0):
    return setting(default, doc, low=floor, high=MAX_WEIGHT, runtime=True)


@dataclass(frozen=True)
class CostWeights:
    """Relative weight of each intrinsic term: total = sum_i (weight_i * term_i) ** power_i."""

    pain: float = _weight(1.0, "weight of pain: body contact, joint limits, torque overload, tilt "
                          "(safety: never below floors.pain)", Floors.pain)
    fall: float = _weight(100.0, "weight of the fall term (safety: never below floors.fall)", Floors.fall)
    force: float = _weight(1.0, "weight of foot-force overload (safety: never below floors.force)",
                           Floors.force)
    energy: float = _weight(0.01, "weight of joint mechanical power, per W (100 W weighs as 1.0 of pain)")
    goal_distance: float = _weight(1.0, "weight of the distance to the goal, per m")
    progress: float = _weight(2.0, "weight of the speed shortfall towards the goal, per m/s (at 1.0 the actor "
                              "could find standing cheaper than setting off within its horizon: "
                              "docs/actor_experiments.md)")
    upright: float = _weight(1.0, "weight of 1 - cos(tilt)")


TERM_NAMES = tuple(f.name for f in fields(CostWeights))
