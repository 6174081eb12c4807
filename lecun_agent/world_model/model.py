"""WorldModel: the JEPA-style world model of the agent, one method per part.

- `encode(images, proprio)`: perception E, obs -> latent s (D,).
- `next(s, a)`: predictor P, s_t, a_t -> s_t+1 as the mean of an ensemble of residual MLPs;
  `next_ensemble` gives every member and `uncertainty` their spread (the latent-variable role).
- `chunk_next(S, a_chunk)`: the slow level, pooled latent of k steps -> pooled latent of the
  next k steps, given the k commands in between.
- `cost_heads(s)`: the cost core's features predicted from a latent, in physical units, so cost
  terms run on predicted states.
- `critic(s)`: discounted future intrinsic cost from s.

Callers use only these methods; `rollout` is `next` looped over a horizon. Every input or
output shape keeps any leading batch axes.
"""

from __future__ import annotations

import torch
from torch import nn

from lecun_agent.perception.encoder import Encoder, EncoderConfig
from lecun_agent.world_model.config import WorldModelConfig
from lecun_agent.world_model.layers import EnsembleMLP, mlp


class WorldModel(nn.Module):
    def __init__(self, cfg: WorldModelConfig):
        super().__init__()
        self.cfg = cfg
        d, a = cfg.latent_dim, cfg.action_dim
        self.encoder = Encoder(
            EncoderConfig(cfg.image_size, cfg.proprio_dim, d, tuple(cfg.channels), fuse_hidden=cfg.hidden)
        )
        self.dynamics = EnsembleMLP(cfg.ensemble, d + a, cfg.hidden, d)
        self.slow = mlp(d + cfg.chunk * a, cfg.hidden, d)
        self.heads = mlp(d, cfg.hidden, sum(cfg.head_features.values()))
        self.value = mlp(d, cfg.hidden, 1)
        # Normalisers fitted on the training set; part of the state_dict so a checkpoint is complete.
        head_width = sum(cfg.head_features.values())
        self.register_buffer("action_scale", torch.ones(a))
        self.register_buffer("feature_mean", torch.zeros(head_width))
        self.register_buffer("feature_std", torch.ones(head_width))
        self.register_buffer("cost_scale", torch.ones(()))

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

    def uncertainty(self, s: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """(...,) disagreement of the ensemble: member std, averaged over latent dimensions."""
        return self.next_ensemble(s, a).std(0).mean(-1)

    def chunk_next(self, pooled: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """pooled (..., D) mean latent of k steps, actions (..., k, A) -> next chunk's pooled latent."""
        a = (actions / self.action_scale).flatten(-2)
        return pooled + self.slow(torch.cat([pooled, a], dim=-1))

    def cost_heads(self, s: torch.Tensor) -> dict[str, torch.Tensor]:
        """s (..., D) -> {feature name: (...,) or (..., width)} in physical units."""
        flat = self.heads_normalised(s) * self.feature_std + self.feature_mean
        return self.split_features(flat)

    def critic(self, s: torch.Tensor) -> torch.Tensor:
        """s (..., D) -> (...,) predicted discounted sum of future intrinsic cost."""
        return self.value(s).squeeze(-1) * self.cost_scale / (1.0 - self.cfg.discount)

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
        """s (..., D) -> (..., F) head outputs in training-normalised units (the loss's units)."""
        return self.heads(s)

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
