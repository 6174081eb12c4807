"""The intrinsic cost: the configured list of terms and their weighted sum.

    total = sum_i (weight_i * term_i) ** power_i        (power 1 by default, so sum_i w_i * term_i)

`IntrinsicCost.evaluate` scores measured (lead shape ()) and predicted (lead shape (B, H))
features with the same code, like Nav2 MPPI's critic manager.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass

import torch

from lecun_agent.cost.energy import EnergyTerm
from lecun_agent.cost.fall import FallTerm
from lecun_agent.cost.features import Features, validate
from lecun_agent.cost.force import ForceTerm
from lecun_agent.cost.limits import BodyLimits
from lecun_agent.cost.pain import PainTerm
from lecun_agent.cost.task import GoalDistanceTerm, ProgressTerm, UprightTerm
from lecun_agent.cost.term import CostData, CostTerm
from lecun_agent.cost.veto import VetoLimits, breaches
from lecun_agent.cost.weights import TERM_NAMES, CostWeights
from lecun_agent.settings import setting


@dataclass(frozen=True)
class TermSettings:
    """The structural constants of the term definitions (read-only `terms.<field>` of cost_node).

    The safety constants are ranged so that they can only make pain, fall and force cost more.
    """

    joint_margin: float = setting(0.1, "fraction of each joint's half-range, next to the limit, where pain "
                                  "starts", low=0.1, high=1.0)
    torque_ratio: float = setting(0.8, "fraction of the effort limit where torque pain starts", low=0.0,
                                  high=0.8)
    torque_gain: float = setting(0.1, "pain per joint at its effort limit", low=0.1, high=10.0)
    tilt_threshold: float = setting(0.35, "tilt where tilt pain starts, rad", low=0.0, high=0.35)
    fall_tilt: float = setting(1.0, "tilt counted as a fall, rad", low=0.1, high=1.0)
    fall_height: float = setting(0.15, "base height counted as lying down, m (the sim uses the same)",
                                 low=0.15, high=2.0)
    force_multiple: float = setting(1.5, "body weights one foot may carry before force cost starts",
                                    low=0.1, high=1.5)
    heat_coeff: float = setting(0.0, "Joule-heat coefficient R/k_t^2 in the energy term, W/(N*m)^2",
                                low=0.0, high=100.0)
    progress_speed: float = setting(0.5, "speed towards the goal the progress drive wants, m/s", low=0.0,
                                    high=5.0)


def build_terms(limits: BodyLimits, settings: TermSettings, weights: CostWeights) -> list[CostTerm]:
    """Every intrinsic term, in TERM_NAMES order, with the given weights."""
    w, s = asdict(weights), settings
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
    """The hard-wired intrinsic cost. Only the weights change (`set_weights`); each lives in its term."""

    def __init__(
        self,
        limits: BodyLimits | None = None,
        settings: TermSettings | None = None,
        weights: CostWeights | None = None,
        veto: VetoLimits | None = None,
    ) -> None:
        self.limits = limits or BodyLimits.default()
        self.settings = settings or TermSettings()
        self.veto = veto or VetoLimits()
        self.terms = build_terms(self.limits, self.settings, weights or CostWeights())

    @property
    def term_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.terms)

    @property
    def weights(self) -> dict[str, float]:
        return {t.name: t.weight for t in self.terms}

    def set_weights(self, weights: dict[str, float]) -> None:
        """Set the named terms' weights (the caller validated them: cost_node's parameter ranges)."""
        unknown = set(weights) - set(self.term_names)
        if unknown:
            raise ValueError(f"unknown cost terms {sorted(unknown)}; terms are {', '.join(self.term_names)}")
        for term in self.terms:
            if term.name in weights:
                term.weight = float(weights[term.name])

    def term(self, name: str) -> CostTerm:
        return next(t for t in self.terms if t.name == name)

    @torch.no_grad()
    def evaluate(self, features: Features, check: bool = True) -> CostData:
        """Score every term; `data.costs` is the total and `data.fail_flag` the veto, both (*lead,)."""
        if check:
            validate(features)
        data = CostData.for_features(features)
        for term in self.terms:
            term.score(data)
        return self._vetoed(data)

    @torch.no_grad()
    def rescore(self, data: CostData, features: Features, terms: Collection[str]) -> CostData:
        """`evaluate(features, check=False)` for features that differ from `data.features` only in what
        the named terms read: those terms are scored again, the others' values are kept, and the total is
        summed in the same order, so the result is bit for bit evaluate's, for a fraction of its passes."""
        again = CostData.for_features(features)
        for term in self.terms:
            if term.name in terms:
                term.score(again)  # a disabled term scores nothing, as in evaluate
            elif term.enabled:
                again.raw[term.name], again.weighted[term.name] = data.raw[term.name], data.weighted[term.name]
                again.costs = again.costs + data.weighted[term.name]
        return self._vetoed(again)

    def _vetoed(self, data: CostData) -> CostData:
        data.breaches = breaches({**data.features, **data.raw}, self.veto)
        for mask in data.breaches.values():
            data.fail_flag = data.fail_flag | mask
        return data
