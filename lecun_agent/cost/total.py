"""The intrinsic cost: the configured list of terms and their weighted sum.

    total = sum_i (weight_i * term_i) ** power_i        (power 1 by default, so sum_i w_i * term_i)

`IntrinsicCost.evaluate` scores measured (lead shape ()) and predicted (lead shape (B, H))
features with the same code, like Nav2 MPPI's critic manager.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch

from lecun_agent.cost.energy import EnergyTerm
from lecun_agent.cost.fall import FallTerm
from lecun_agent.cost.features import Features, validate
from lecun_agent.cost.force import ForceTerm
from lecun_agent.cost.limits import BodyLimits
from lecun_agent.cost.pain import PainTerm
from lecun_agent.cost.task import GoalDistanceTerm, ProgressTerm, UprightTerm
from lecun_agent.cost.term import CostData, CostTerm
from lecun_agent.cost.weights import DEFAULT_FLOORS, DEFAULT_WEIGHTS, TERM_NAMES, weight_problem


@dataclass(frozen=True)
class TermSettings:
    """The structural constants of the term definitions (read-only parameters of cost_node)."""

    joint_margin: float = 0.1  # fraction of half-range where joint-limit pain starts
    torque_ratio: float = 0.8  # fraction of the effort limit where torque pain starts
    torque_gain: float = 0.1  # pain per joint at its effort limit
    tilt_threshold: float = 0.35  # rad, tilt pain starts
    fall_tilt: float = 1.0  # rad, counted as fallen
    fall_height: float = 0.15  # m, base this low counts as lying down (the sim uses the same)
    force_multiple: float = 1.5  # body weights per leg before force cost starts
    heat_coeff: float = 0.0  # W/(N*m)^2, Joule heat in the energy term
    progress_speed: float = 0.5  # m/s wanted towards the goal

    @classmethod
    def docs(cls) -> dict[str, tuple[str, float, float]]:
        """field -> (description, low, high): what cost_node declares as read-only terms.<field>."""
        return {f.name: SETTING_DOCS[f.name] for f in fields(cls)}


SETTING_DOCS: dict[str, tuple[str, float, float]] = {
    "joint_margin": ("fraction of each joint's half-range, next to the limit, where pain starts", 0.01, 1.0),
    "torque_ratio": ("fraction of the effort limit where torque pain starts", 0.0, 0.99),
    "torque_gain": ("pain per joint at its effort limit", 0.0, 10.0),
    "tilt_threshold": ("tilt where tilt pain starts, rad", 0.0, 3.0),
    "fall_tilt": ("tilt counted as a fall, rad", 0.1, 3.14),
    "fall_height": ("base height counted as lying down, m", 0.0, 2.0),
    "force_multiple": ("body weights one foot may carry before force cost starts", 0.1, 20.0),
    "heat_coeff": ("Joule-heat coefficient R/k_t^2 in the energy term, W/(N*m)^2", 0.0, 100.0),
    "progress_speed": ("speed towards the goal the progress drive wants, m/s", 0.0, 5.0),
}


def build_terms(limits: BodyLimits, settings: TermSettings, weights: dict[str, float]) -> list[CostTerm]:
    """Every intrinsic term, in TERM_NAMES order, with the given weights."""
    w = {**DEFAULT_WEIGHTS, **weights}
    s = settings
    terms: list[CostTerm] = [
        PainTerm(limits, w["pain"], joint_margin=s.joint_margin, torque_ratio=s.torque_ratio,
                 tilt_threshold=s.tilt_threshold, fall_tilt=s.fall_tilt, torque_gain=s.torque_gain),
        FallTerm(w["fall"], fall_tilt=s.fall_tilt, fall_height=s.fall_height),
        ForceTerm(limits, w["force"], multiple=s.force_multiple),
        EnergyTerm(w["energy"], heat_coeff=s.heat_coeff),
        GoalDistanceTerm(w["goal_distance"]),
        ProgressTerm(w["progress"], v_ref=s.progress_speed),
        UprightTerm(w["upright"]),
    ]
    assert tuple(t.name for t in terms) == TERM_NAMES
    return terms


class IntrinsicCost:
    """The hard-wired intrinsic cost. Only the weights change, and only through `set_weights`."""

    def __init__(
        self,
        limits: BodyLimits | None = None,
        settings: TermSettings | None = None,
        weights: dict[str, float] | None = None,
        floors: dict[str, float] | None = None,
    ) -> None:
        self.limits = limits or BodyLimits.default()
        self.settings = settings or TermSettings()
        self.floors = dict(DEFAULT_FLOORS if floors is None else floors)
        self.terms = build_terms(self.limits, self.settings, {})
        self.set_weights({**DEFAULT_WEIGHTS, **(weights or {})})

    @property
    def term_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.terms)

    @property
    def weights(self) -> dict[str, float]:
        return {t.name: t.weight for t in self.terms}

    def set_weights(self, weights: dict[str, float]) -> None:
        """Apply all of `weights` or, if any is invalid, none (ValueError with every reason)."""
        reasons = [r for n, v in weights.items() if (r := weight_problem(n, v, self.floors))]
        if reasons:
            raise ValueError("; ".join(reasons))
        for term in self.terms:
            if term.name in weights:
                term.weight = float(weights[term.name])

    def term(self, name: str) -> CostTerm:
        return next(t for t in self.terms if t.name == name)

    @torch.no_grad()
    def evaluate(self, features: Features, check: bool = True) -> CostData:
        """Score every term; `data.costs` is the total, (*lead,)."""
        if check:
            validate(features)
        data = CostData.for_features(features)
        for term in self.terms:
            term.score(data)
        return data
