"""Helpers for the perception_node / world_model_node tests: tiny checkpoints and a node spun in a thread."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

import torch
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter

from lecun_agent.dataset.format import DatasetSpec
from lecun_agent.world_model.checkpoint import save_checkpoint
from lecun_agent.world_model.config import WorldModelConfig
from lecun_agent.world_model.model import WorldModel

LATENT_DIM = 16


def tiny_checkpoint(out_dir: Path, seed: int = 0, latent_dim: int = LATENT_DIM) -> WorldModel:
    """Random weights from a small config, saved with the project's own save function."""
    torch.manual_seed(seed)
    model = WorldModel(WorldModelConfig(latent_dim=latent_dim, hidden=32, ensemble=2)).eval()
    save_checkpoint(out_dir, model, DatasetSpec())
    return model


@contextmanager
def spinning(node_class, **parameters):
    """Start `node_class` with parameter overrides and spin it in a background thread."""
    node = node_class(parameter_overrides=[Parameter(k, value=v) for k, v in parameters.items()])
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    thread = threading.Thread(target=executor.spin, daemon=True)
    thread.start()
    try:
        yield node
    finally:
        executor.shutdown()
        thread.join(timeout=5.0)
        node.destroy_node()
