"""Pain: the body being hurt now. Dimensionless, 0 for a robot standing or walking normally.

pain = contact + joint_limit + torque + tilt, where
  contact     = body_contact_force / (m g)                       body weights pressing on non-foot links
  joint_limit = sum_j relu((|q_j - c_j| - (1 - margin) h_j) / (margin h_j))^2
                (c_j, h_j: centre and half-width of joint j's range; 1.0 at the limit, growing past it)
  torque      = torque_gain * sum_j relu((|tau_j| / tau_max_j - ratio) / (1 - ratio))^2
                (torque_gain per joint at the effort limit; 0.1 by default, because a trotting
                 gait brushes its motors' torque cap every step and that must not drown a collision)
  tilt        = relu((tilt - tilt_threshold) / (fall_tilt - tilt_threshold))^2  1.0 at the fall angle
"""

from __future__ import annotations

import torch

from lecun_agent.cost.features import DTYPE, Features
from lecun_agent.cost.limits import BodyLimits
from lecun_agent.cost.term import CostTerm, relu


class PainTerm(CostTerm):
    """Non-foot contact, joint-limit, torque-overload and tilt pain, summed."""

    name = "pain"
    unit = "1"
    safety = True

    def __init__(
        self,
        limits: BodyLimits,
        weight: float = 1.0,
        power: float = 1.0,
        joint_margin: float = 0.1,  # fraction of each joint's half-range where pain starts
        torque_ratio: float = 0.8,  # fraction of the effort limit where pain starts
        tilt_threshold: float = 0.35,  # rad, tilt where pain starts (about 20 deg)
        fall_tilt: float = 1.0,  # rad, tilt counted as a fall (tilt pain is 1.0 there)
        torque_gain: float = 0.1,  # pain per joint at its effort limit
    ) -> None:
        super().__init__(weight, power)
        if not 0.0 < joint_margin <= 1.0 or not 0.0 <= torque_ratio < 1.0 or not tilt_threshold < fall_tilt:
            raise ValueError("PainTerm: need 0 < joint_margin <= 1, 0 <= torque_ratio < 1, tilt < fall")
        self.weight_n = limits.weight
        self.centre = torch.as_tensor((limits.joint_upper + limits.joint_lower) / 2, dtype=DTYPE)  # (12,)
        self.half = torch.as_tensor((limits.joint_upper - limits.joint_lower) / 2, dtype=DTYPE)  # (12,)
        self.effort = torch.as_tensor(limits.joint_effort, dtype=DTYPE)  # (12,)
        self.joint_margin = joint_margin
        self.torque_ratio = torque_ratio
        self.torque_gain = torque_gain
        self.tilt_threshold = tilt_threshold
        self.fall_tilt = fall_tilt

    def components(self, f: Features) -> dict[str, torch.Tensor]:
        """The four pain sources, each (*lead,)."""
        dev = f["joint_pos"].device
        centre, half, effort = self.centre.to(dev), self.half.to(dev), self.effort.to(dev)
        offset = (f["joint_pos"] - centre).abs()  # (*lead, 12)
        limit = relu((offset - (1 - self.joint_margin) * half) / (self.joint_margin * half))
        load = relu((f["joint_effort"].abs() / effort - self.torque_ratio) / (1 - self.torque_ratio))
        tilt = relu((f["tilt"] - self.tilt_threshold) / (self.fall_tilt - self.tilt_threshold))
        return {
            "contact": relu(f["body_contact_force"]) / self.weight_n,
            "joint_limit": (limit**2).sum(-1),
            "torque": self.torque_gain * (load**2).sum(-1),
            "tilt": tilt**2,
        }

    def compute(self, features: Features) -> torch.Tensor:
        parts = self.components(features)
        return parts["contact"] + parts["joint_limit"] + parts["torque"] + parts["tilt"]
