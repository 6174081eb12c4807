"""A few world-model training steps on a dataset folder: proves a dataset trains, quickly."""

from __future__ import annotations

from pathlib import Path

import torch

from lecun_agent.dataset.windows import WindowSampler, load_episodes
from lecun_agent.learning.train import TrainConfig, fit_normalisers, train_step
from lecun_agent.world_model.config import WorldModelConfig
from lecun_agent.world_model.model import WorldModel


def tiny_training_losses(data_dir: Path, steps: int = 3) -> list[float]:
    """Losses of `steps` training steps of a tiny seeded world model on the episodes in `data_dir`."""
    torch.manual_seed(0)
    data = load_episodes(data_dir)
    cfg = WorldModelConfig(latent_dim=8, hidden=32, ensemble=2, horizon=4)
    model = WorldModel(cfg)
    fit_normalisers(model, data)
    optimiser = torch.optim.Adam(model.parameters(), 1e-3)
    sampler = WindowSampler(data, cfg.horizon, 4, seed=0)
    return [train_step(model, optimiser, sampler.sample(), TrainConfig())["loss"] for _ in range(steps)]
