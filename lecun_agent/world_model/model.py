"""WorldModel: the JEPA-style world model of the agent, one method per part.

- `encode(images, proprio)`: perception E, obs -> latent s (D,).
- `next(s, a)`: predictor P, s_t, a_t -> s_t+1 as the mean of an ensemble of residual MLPs;
  `next_ensemble` gives every member and `uncertainty` their spread (the latent-variable role).
- `cost_heads(s)`: the cost core's features predicted from a latent, in physical units, so cost
  terms run on predicted states.
- `plan_heads(s)`: what a planner needs at every step, from one small MLP: the step's mean twist
  (to integrate into displacement and heading, `integrate`), the probability of a body contact
  during the step, and the expected raw pain, energy and force terms.
- `critic(s)`: discounted future intrinsic cost from s.

Callers use only these methods; `rollout` is `next` looped over a horizon. Every input or
output shape keeps any leading batch axes. The planning path is `next` (or `next_member` for one
member) plus `plan_heads`; `cost_heads` and `critic` are not needed per step.
"""

from __future__ import annotations

import torch
from torch import nn

from lecun_agent.perception.encoder import Encoder, EncoderConfig
from lecun_agent.world_model.config import TERM_HEADS, WorldModelConfig
from lecun_agent.world_model.layers import EnsembleMLP, mlp
from lecun_agent.world_model.odometry import integrate_twist

TWIST = "base_velocity"  # the head feature that the planning head predicts (integrated by planners)


class WorldModel(nn.Module):
    def __init__(self, cfg: WorldModelConfig):
        super().__init__()
        if cfg.head_features.get(TWIST) != 3:
            raise ValueError(f"head_features must hold {TWIST!r} with width 3 (vx, vy, yaw rate)")
        self.cfg = cfg
        d, a = cfg.latent_dim, cfg.action_dim
        self.encoder = Encoder(
            EncoderConfig(cfg.image_size, cfg.proprio_dim, d, tuple(cfg.channels), fuse_hidden=cfg.hidden)
        )
        self.dynamics = EnsembleMLP(cfg.ensemble, d + a, cfg.dynamics_hidden, d)
        head_width = sum(cfg.head_features.values())
        self.heads = mlp(d, cfg.hidden, head_width - 3)  # every feature but the twist
        self.plan = mlp(d, cfg.plan_hidden, 3 + 1 + len(TERM_HEADS))  # twist, contact logit, terms
        self.value = mlp(d, cfg.hidden, 1)
        # Normalisers fitted on the training set; part of the state_dict so a checkpoint is complete.
        self.register_buffer("action_scale", torch.ones(a))
        self.register_buffer("feature_mean", torch.zeros(head_width))
        self.register_buffer("feature_std", torch.ones(head_width))
        self.register_buffer("term_mean", torch.zeros(len(TERM_HEADS)))
        self.register_buffer("term_std", torch.ones(len(TERM_HEADS)))
        self.register_buffer("cost_scale", torch.ones(()))
        offset = 0  # where the twist sits among the head features
        for name, width in cfg.head_features.items():
            if name == TWIST:
                break
            offset += width
        self._twist_at = offset
        self.dropped_abs_sum = 0.0  # of weights its checkpoint held that this code dropped (checkpoint.py)
        self.weights_id = ""  # of the checkpoint it was loaded from: names its latent space (checkpoint.py)

    # ---- parts -------------------------------------------------------------------------------
    def encode(self, images: torch.Tensor, proprio: torch.Tensor) -> torch.Tensor:
        """images (..., 64, 64, 3) uint8, proprio (..., P) -> s (..., D)."""
        return self.encoder(images, proprio)

    def next_ensemble(self, s: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """s (..., D), a (..., A) -> every member's s_t+1: (K, ..., D)."""
        lead = s.shape[:-1]
        x = torch.cat([s, a / self.action_scale], dim=-1).reshape(-1, s.shape[-1] + a.shape[-1])
        delta = self.dynamics(x)  # (K, N, D)
        return (s.reshape(1, -1, s.shape[-1]) + delta).reshape(self.cfg.ensemble, *lead, -1)

    def next(self, s: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """s (..., D), a (..., A) -> s_t+1 (..., D), the ensemble mean."""
        return self.next_ensemble(s, a).mean(0)

    def next_member(self, s: torch.Tensor, a: torch.Tensor, member: int) -> torch.Tensor:
        """s (..., D), a (..., A) -> member `member`'s s_t+1 (..., D): 1/K of `next`'s cost, for
        planners that search with one member and check the elites with all of them."""
        x = torch.cat([s, a / self.action_scale], dim=-1)
        return s + self.dynamics.member(x, member)

    def uncertainty(self, s: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """(...,) disagreement of the ensemble: member std, averaged over latent dimensions."""
        return self.next_ensemble(s, a).std(0).mean(-1)

    def cost_heads(self, s: torch.Tensor) -> dict[str, torch.Tensor]:
        """s (..., D) -> {feature name: (...,) or (..., width)} in physical units."""
        flat = self.heads_normalised(s) * self.feature_std + self.feature_mean
        return self.split_features(flat)

    def plan_heads(self, s: torch.Tensor) -> dict[str, torch.Tensor]:
        """s (..., D) -> what a planner scores at every step, in physical units:
        "base_velocity" (..., 3) the step's mean twist (vx, vy m/s, yaw rate rad/s, body frame);
        "contact" (...,) probability of a body (non-foot) contact during the step;
        "pain", "energy", "force" (...,) expected raw intrinsic-cost terms (unweighted)."""
        twist_n, logit, terms_n = self._plan_raw(s)
        i = self._twist_at
        out = {
            TWIST: twist_n * self.feature_std[i : i + 3] + self.feature_mean[i : i + 3],
            "contact": torch.sigmoid(logit),
        }
        terms = terms_n * self.term_std + self.term_mean
        out.update({name: terms[..., j] for j, name in enumerate(TERM_HEADS)})
        return out

    def contact_logit(self, s: torch.Tensor) -> torch.Tensor:
        """s (..., D) -> (...,) logit of a body contact during the step that ends at s."""
        return self._plan_raw(s)[1]

    def integrate(self, twist: torch.Tensor) -> torch.Tensor:
        """twist (..., H, 3) from `plan_heads` along a rollout -> poses (..., H, 3) = (x, y, yaw)
        after each step, relative to the start pose (odometry.integrate_twist)."""
        return integrate_twist(twist, self.cfg.step_dt)

    def critic(self, s: torch.Tensor, value: nn.Module | None = None) -> torch.Tensor:
        """s (..., D) -> (...,) predicted discounted sum of future intrinsic cost; `value`: a copy of
        the value net to run instead (a planner's bfloat16 one), s in its dtype."""
        v = (self.value if value is None else value)(s).float()
        return v.squeeze(-1) * self.cost_scale / (1.0 - self.cfg.discount)

    # ---- helpers -------------------------------------------------------------------------------
    def rollout(self, s: torch.Tensor, actions: torch.Tensor, with_spread: bool = False):
        """Open-loop: s (B, D), actions (B, H, A) -> predicted latents (B, H, D) for t+1..t+H.

        Each step continues from the ensemble mean. `with_spread` also returns the members'
        disagreement at each step, (B, H) (as `uncertainty`).
        """
        out, spread = [], []
        for h in range(actions.shape[-2]):
            members = self.next_ensemble(s, actions[..., h, :])  # (K, B, D)
            s = members.mean(0)
            out.append(s)
            spread.append(members.std(0).mean(-1))
        latents = torch.stack(out, dim=-2)
        return (latents, torch.stack(spread, dim=-1)) if with_spread else latents

    def heads_normalised(self, s: torch.Tensor) -> torch.Tensor:
        """s (..., D) -> (..., F) head outputs in training-normalised units (the loss's units); the
        twist comes from the planning head, so there is one twist prediction."""
        rest, i = self.heads(s), self._twist_at
        return torch.cat([rest[..., :i], self._plan_raw(s)[0], rest[..., i:]], dim=-1)

    def _plan_raw(self, s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """s (..., D) -> normalised twist (..., 3), contact logit (...,), normalised terms (..., T)."""
        out = self.plan(s)
        return out[..., :3], out[..., 3], out[..., 4:]

    def split_features(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """(..., F) -> {name: (...,) or (..., width)} following cfg.head_features."""
        out, i = {}, 0
        for name, width in self.cfg.head_features.items():
            part = flat[..., i : i + width]
            out[name] = part.squeeze(-1) if width == 1 else part
            i += width
        return out

    def flatten_features(self, feats: dict[str, torch.Tensor]) -> torch.Tensor:
        """Inverse of split_features: {name: (...,) or (..., w)} -> (..., F)."""
        parts = []
        for name, width in self.cfg.head_features.items():
            parts.append(feats[name].unsqueeze(-1) if width == 1 else feats[name])
        return torch.cat(parts, dim=-1)
