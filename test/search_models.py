"""What the search heads' and the search dynamics' tests share: a tiny world model, a small planner
config, fitting on one torch thread, and the check that a plan found with a stand-in carries the
world model's predictions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import torch

from lecun_agent.actor import Planner, PlannerConfig
from lecun_agent.actor.planning_model import PlanningModel
from lecun_agent.cost.total import IntrinsicCost
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


def assert_chosen_plan_is_the_world_models(fast: PlanningModel, exact: PlanningModel) -> None:
    """A plan found by searching with `fast` carries what `exact` (the world model itself) predicts for it,
    and costs what it costs there: the final check, not the stand-in, decides what the guardrail reads."""
    latent, pose, goal, last = torch.randn(TINY.latent_dim), (0.0, 0.0, 0.0), (2.0, 0.5), (0.2, 0.0, 0.0)
    planned = Planner(fast, IntrinsicCost(), CFG).plan(latent, pose, goal, last, seed=0)
    rescored = Planner(exact, IntrinsicCost(), CFG).score_plan(latent, planned.actions, pose, goal, last)
    assert planned.predicted.keys() == rescored.predicted.keys()
    for name, value in rescored.predicted.items():
        assert torch.allclose(planned.predicted[name], value, atol=1e-5), name
    assert planned.cost == pytest.approx(rescored.cost, rel=1e-4, abs=1e-4)
