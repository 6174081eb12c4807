"""WorldModelConfig: every size and loss weight of the world model, saved with each checkpoint."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# Cost-core feature names the heads predict, with their widths. Width-1 features come out of
# `cost_heads` without the trailing axis, like `features_from_readings` makes them.
DEFAULT_HEAD_FEATURES: dict[str, int] = {
    "tilt": 1,
    "height": 1,
    "body_contact_force": 1,
    "foot_force": 4,
    "joint_pos": 12,
    "joint_vel": 12,
    "joint_effort": 12,
    "base_velocity": 3,
}

# Intrinsic-cost terms the planning head predicts directly (raw, unweighted, as the cost core
# defines them), so a planner weighs them with the live weights without running the full heads.
TERM_HEADS: tuple[str, ...] = ("pain", "energy", "force")


@dataclass
class WorldModelConfig:
    # Sizes (defaults fit 2 CPU cores).
    latent_dim: int = 32
    proprio_dim: int = 55
    action_dim: int = 3
    image_size: int = 64
    channels: tuple[int, int, int, int] = (16, 32, 32, 32)
    hidden: int = 256  # encoder fusion, full feature heads, critic
    dynamics_hidden: int = 128  # predictor members: the per-step cost of planning
    plan_hidden: int = 64  # planning head (twist, contact, cost terms): called at every planned step
    ensemble: int = 4  # dynamics members; their spread is the model's epistemic uncertainty
    bootstrap: float = 0.5  # share of each batch each member trains on (1.0: all members see all)
    step_dt: float = 0.1  # s per model step (the dataset's), for integrating the twist
    contact_n: float = 1.0  # N of measured non-foot force that makes a step a contact (the label)
    head_features: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_HEAD_FEATURES))
    # Training objective.
    horizon: int = 10  # open-loop rollout length of the consistency loss
    rho: float = 0.95  # per-step weight decay of the rollout loss
    discount: float = 0.95  # critic discount (per model step)
    w_consistency: float = 1.0
    w_heads: float = 1.0
    w_var: float = 1.0  # VICReg variance hinge
    w_cov: float = 1.0  # VICReg covariance (already divided by D)
    w_critic: float = 0.1
    w_contact: float = 1.0  # contact classifier (BCE) on encoded and predicted latents
    w_terms: float = 1.0  # pain / energy / force heads (normalised MSE)
    w_displacement: float = (
        1.0  # integrated predicted twist vs integrated measured twist, per metre^2 / 0.1^2
    )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorldModelConfig:
        """The config of `data` (JSON's types: a list for a tuple); ValueError naming an unknown key or a value
        not of its default's type (an int is taken for a float)."""
        defaults = cls().to_dict()
        unknown = set(data) - set(defaults)
        if unknown:
            raise ValueError(f"unknown world-model config keys: {sorted(unknown)}")
        for key, value in data.items():
            if not _same_type(defaults[key], value):
                raise ValueError(f"world-model config key {key!r}: {value!r} is not of the type of its default "
                                 f"{defaults[key]!r}")
        data = {k: float(v) if isinstance(defaults[k], float) else v for k, v in data.items()}
        if "channels" in data:
            data["channels"] = tuple(data["channels"])
        return cls(**data)


def _same_type(default: Any, value: Any) -> bool:
    """Whether `value` can stand for `default`: the same type, an int for a float, a list for a tuple of the
    same length, a name -> value mapping for a dict; the items of the same type as the default's."""
    if isinstance(value, bool) or isinstance(default, bool):  # a bool is an int to Python: only a bool for a bool
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, tuple):
        return (isinstance(value, (list, tuple)) and len(value) == len(default)
                and all(_same_type(d, v) for d, v in zip(default, value, strict=True)))
    if isinstance(default, dict):
        item = next(iter(default.values()))
        return isinstance(value, dict) and all(_same_type(item, v) for v in value.values())
    return isinstance(value, type(default))

