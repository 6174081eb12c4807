"""Encoder E: a 64x64 RGB camera frame plus proprioception -> latent state s (D values).

A small strided CNN (sized for 2 CPU cores) and an MLP on normalised proprioception are fused
by an MLP. Input checking lives here so every caller (training, eval, perception_node) gets the
same clear error for a wrong image size, dtype or NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class EncoderConfig:
    image_size: int = 64
    proprio_dim: int = 55
    latent_dim: int = 64
    channels: tuple[int, int, int, int] = (16, 32, 32, 32)
    proprio_hidden: int = 128
    fuse_hidden: int = 256


def check_obs(images: torch.Tensor, proprio: torch.Tensor, cfg: EncoderConfig) -> None:
    """Raise ValueError with the reason when an observation batch cannot be encoded."""
    size = cfg.image_size
    if images.dtype != torch.uint8:
        raise ValueError(f"images must be uint8 RGB, got {images.dtype}")
    if images.dim() < 4 or tuple(images.shape[-3:]) != (size, size, 3):
        raise ValueError(f"images must be (..., {size}, {size}, 3) uint8 RGB, got {tuple(images.shape)}")
    if proprio.shape[-1] != cfg.proprio_dim:
        raise ValueError(f"proprio must have {cfg.proprio_dim} values, got {proprio.shape[-1]}")
    if images.shape[:-3] != proprio.shape[:-1]:
        raise ValueError(f"batch shapes differ: images {tuple(images.shape)}, proprio {tuple(proprio.shape)}")
    if not torch.isfinite(proprio).all():
        raise ValueError("proprio contains NaN or Inf")


class Encoder(nn.Module):
    """obs (images (..., 64, 64, 3) uint8, proprio (..., P) float) -> s (..., D)."""

    def __init__(self, cfg: EncoderConfig):
        super().__init__()
        self.cfg = cfg
        c1, c2, c3, c4 = cfg.channels
        self.cnn = nn.Sequential(  # 64 -> 31 -> 14 -> 6 -> 2
            nn.Conv2d(3, c1, 4, stride=2), nn.ReLU(),
            nn.Conv2d(c1, c2, 4, stride=2), nn.ReLU(),
            nn.Conv2d(c2, c3, 3, stride=2), nn.ReLU(),
            nn.Conv2d(c3, c4, 3, stride=2), nn.ReLU(),
            nn.Flatten(),
        )  # fmt: skip
        with torch.no_grad():
            cnn_out = self.cnn(torch.zeros(1, 3, cfg.image_size, cfg.image_size)).shape[-1]
        self.proprio_mlp = nn.Sequential(
            nn.Linear(cfg.proprio_dim, cfg.proprio_hidden), nn.LayerNorm(cfg.proprio_hidden), nn.ReLU()
        )
        self.fuse = nn.Sequential(
            nn.Linear(cnn_out + cfg.proprio_hidden, cfg.fuse_hidden),
            nn.LayerNorm(cfg.fuse_hidden),
            nn.ReLU(),
            nn.Linear(cfg.fuse_hidden, cfg.latent_dim),
        )
        # Proprio normalisation from the training set; saved in the state_dict.
        self.register_buffer("proprio_mean", torch.zeros(cfg.proprio_dim))
        self.register_buffer("proprio_std", torch.ones(cfg.proprio_dim))

    def set_proprio_stats(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        self.proprio_mean.copy_(mean)
        self.proprio_std.copy_(std.clamp_min(1e-3))

    def forward(self, images: torch.Tensor, proprio: torch.Tensor) -> torch.Tensor:
        check_obs(images, proprio, self.cfg)
        lead = images.shape[:-3]
        x = images.reshape(-1, *images.shape[-3:]).permute(0, 3, 1, 2).float().div(255.0).sub(0.5)
        img_feat = self.cnn(x)  # (N, F)
        p = ((proprio.reshape(-1, proprio.shape[-1]) - self.proprio_mean) / self.proprio_std).clamp(-10, 10)
        s = self.fuse(torch.cat([img_feat, self.proprio_mlp(p)], dim=-1))  # (N, D)
        return s.reshape(*lead, -1)
