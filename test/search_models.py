"""What the search heads' and the search dynamics' tests share: a tiny world model, a small planner
config, and fitting on one torch thread."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from lecun_agent.actor import PlannerConfig
from lecun_agent.world_model.config import WorldModelConfig
from lecun_agent.world_model.model import WorldModel

TINY = WorldModelConfig(latent_dim=16, hidden=64, dynamics_hidden=32, plan_hidden=16, ensemble=2, horizon=4)
CFG = PlannerConfig(samples=64, horizon=8)


def tiny_model(seed: int = 0) -> WorldModel:
    torch.manual_seed(seed)
    return WorldModel(TINY).eval()


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """Small batches: a second thread only spins while another process holds the core (a fit took over
    300 s with two threads on a busy machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
