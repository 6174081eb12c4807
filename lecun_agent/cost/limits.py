"""The body's physical limits that the intrinsic cost measures against (joint range, torque, mass).

The cost terms take these as plain numbers so the cost core never parses a URDF itself.
`load_body_limits()` fills them from the package URDF through `lecun_agent.body.robot_model`;
`BodyLimits.default()` holds numbers of the same 12 kg class for tests that need no URDF.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lecun_agent.body.readings import JOINT_NAMES

GRAVITY = 9.81  # m/s^2


@dataclass(frozen=True)
class BodyLimits:
    """Joint limits and mass; arrays are (12,) in the order of readings.JOINT_NAMES."""

    mass: float  # kg, whole robot
    joint_lower: np.ndarray  # (12,) rad
    joint_upper: np.ndarray  # (12,) rad
    joint_effort: np.ndarray  # (12,) N*m

    def __post_init__(self) -> None:
        for name in ("joint_lower", "joint_upper", "joint_effort"):
            value = np.asarray(getattr(self, name), dtype=np.float64)
            if value.shape != (len(JOINT_NAMES),):
                raise ValueError(f"BodyLimits.{name} must have shape (12,), got {value.shape}")
            object.__setattr__(self, name, value)
        if not self.mass > 0:
            raise ValueError(f"BodyLimits.mass must be > 0 kg, got {self.mass}")
        if np.any(self.joint_upper <= self.joint_lower):
            raise ValueError("BodyLimits: every joint_upper must be above its joint_lower")

    @property
    def weight(self) -> float:
        """Body weight in N (the scale of every force threshold)."""
        return self.mass * GRAVITY

    @classmethod
    def default(cls) -> BodyLimits:
        """The package URDF's numbers, rounded: 12 kg, hip +-0.8, thigh -1.2..2.6, calf -2.7..-0.6 rad."""
        return cls(
            mass=12.0,
            joint_lower=np.array([-0.8, -1.2, -2.7] * 4),
            joint_upper=np.array([0.8, 2.6, -0.6] * 4),
            joint_effort=np.array([25.0, 30.0, 35.0] * 4),
        )

    @classmethod
    def from_robot_model(cls, model) -> BodyLimits:
        """Build from a `lecun_agent.body.robot_model.RobotModel` (the URDF's limits and total mass)."""
        return cls(
            mass=model.total_mass,
            joint_lower=model.lower,
            joint_upper=model.upper,
            joint_effort=model.effort_limits,
        )


def load_body_limits(urdf: str | None = None) -> BodyLimits:
    """The robot's limits from the package URDF (or `urdf`), via lecun_agent.body.robot_model."""
    from lecun_agent.body.robot_model import load_robot_model

    return BodyLimits.from_robot_model(load_robot_model(urdf))
