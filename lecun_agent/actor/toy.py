"""A point-mass planning model with known answers, for tests of the planner.

latent s = [x, y, yaw, vx, vy, wz, |a|^2, 0, ...] (D >= 7): pose relative to where planning
starts, the body twist of the last step and the squared size of the command that made it.
The twist follows the command with a first-order lag (v' = v + lag (a - v); lag 1 makes the
twist the command), the pose integrates it exactly as the planner integrates predicted
twists, so planned poses are the toy's true poses.
Actions beyond the first three dimensions move nothing and only cost energy.

Features (physical units, `cost/features.py` names): a standing body everywhere (joints at
their range centres, level, 0.3 m high), energy = sum over the 12 "joints" of |effort * vel|
= 12 * |a|^2 at speed |a| (norm of the whole command), and pits: discs where the body drops to
0.05 m, which the fall term vetoes, and blocks: discs where it predicts a body contact of
`block_force_n`. Member k of the ensemble has lag * (1 + spread * (k - mid)).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from lecun_agent.cost.features import Features
from lecun_agent.cost.limits import BodyLimits


class PointMassModel:
    def __init__(
        self,
        latent_dim: int = 8,
        action_dim: int = 3,
        dt: float = 0.1,
        lag: float = 1.0,
        members: int = 1,
        spread: float = 0.0,
        pits: Sequence[tuple[float, float, float]] = (),  # (x, y, radius) in the planning frame
        blocks: Sequence[tuple[float, float, float]] = (),  # (x, y, radius) in the planning frame
        block_force_n: float = 360.0,
    ) -> None:
        if latent_dim < 7:
            raise ValueError("PointMassModel needs latent_dim >= 7 (pose, twist, command size)")
        self.latent_dim, self.action_dim, self.dt = latent_dim, action_dim, dt
        self.members = members
        mid = (members - 1) / 2
        self.lags = torch.tensor([lag * (1 + spread * (k - mid)) for k in range(members)])  # (K,)
        self.lag = lag
        self.pits = torch.tensor(list(pits), dtype=torch.float32).reshape(-1, 3)  # (P, 3)
        self.blocks = torch.tensor(list(blocks), dtype=torch.float32).reshape(-1, 3)  # (B, 3)
        self.block_force_n = block_force_n
        limits = BodyLimits.default()
        self.joint_centre = torch.as_tensor(
            (limits.joint_upper + limits.joint_lower) / 2, dtype=torch.float32
        )
        self.calls = 0  # step() calls, for tests that count work

    def _twist(self, a: torch.Tensor) -> torch.Tensor:
        """(..., A) -> (..., 3) commanded body twist."""
        out = torch.zeros(*a.shape[:-1], 3, dtype=a.dtype)
        n = min(3, a.shape[-1])
        out[..., :n] = a[..., :n]
        return out

    def _advance(self, s: torch.Tensor, a: torch.Tensor, lag: torch.Tensor | float) -> torch.Tensor:
        v = s[..., 3:6] + lag * (self._twist(a) - s[..., 3:6])  # (..., 3)
        yaw_mid = s[..., 2] + 0.5 * v[..., 2] * self.dt
        c, sn = torch.cos(yaw_mid), torch.sin(yaw_mid)
        x = s[..., 0] + (c * v[..., 0] - sn * v[..., 1]) * self.dt
        y = s[..., 1] + (sn * v[..., 0] + c * v[..., 1]) * self.dt
        yaw = s[..., 2] + v[..., 2] * self.dt
        energy = (a * a).sum(-1, keepdim=True)  # (..., 1) kept in the padding for features()
        out = torch.cat([torch.stack([x, y, yaw], -1), v, s[..., 6:]], -1)
        out[..., 6:7] = energy
        return out

    # ---- PlanningModel -----------------------------------------------------------------------
    def step(self, s: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self._advance(s, a, self.lag)

    def step_members(self, s: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        k = self.members
        s = s.expand(k, *s.shape) if s.dim() == 2 else s
        return self._advance(s, a.expand(k, *a.shape), self.lags.view(k, 1, 1))

    def features(self, s: torch.Tensor, every: int = 1, exact: bool = False) -> Features:  # exact, cheap
        lead = s.shape[:-1]
        speed = s[..., 6].clamp(min=0).sqrt()  # |a| of the step that led here
        height = torch.full(lead, 0.3)
        if len(self.pits):
            d = torch.linalg.vector_norm(s[..., None, 0:2] - self.pits[:, :2], dim=-1)  # (..., P)
            height = torch.where((d < self.pits[:, 2]).any(-1), torch.full(lead, 0.05), height)
        contact = torch.zeros(lead)
        if len(self.blocks):
            d = torch.linalg.vector_norm(s[..., None, 0:2] - self.blocks[:, :2], dim=-1)  # (..., B)
            contact = torch.where((d < self.blocks[:, 2]).any(-1), torch.full(lead, self.block_force_n), contact)
        ones12 = torch.ones(*lead, 12)
        return {
            "tilt": torch.zeros(lead),
            "height": height,
            "body_contact_force": contact,
            "foot_force": torch.zeros(*lead, 4),
            "joint_pos": self.joint_centre.expand(*lead, 12).clone(),
            "joint_vel": ones12 * speed[..., None],
            "joint_effort": ones12 * speed[..., None],
            "base_velocity": s[..., 3:6],
        }

    def critic(self, s: torch.Tensor) -> torch.Tensor:
        return torch.zeros(s.shape[:-1])
