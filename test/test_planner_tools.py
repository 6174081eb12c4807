"""The planner's tools: named planning paths, FLOP counting."""

import pytest
import torch

from lecun_agent.actor import Planner, PlannerConfig, presets
from lecun_agent.actor.flops import record_matmuls, total_flops
from lecun_agent.actor.planning_model import WorldModelAdapter
from lecun_agent.actor.presets import AUTO, PATHS, planning_path, resolve_path
from lecun_agent.actor.toy import PointMassModel
from lecun_agent.cost.total import IntrinsicCost
from lecun_agent.world_model.config import WorldModelConfig
from lecun_agent.world_model.layers import EnsembleMLP
from lecun_agent.world_model.model import WorldModel

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # conftest.py


def tiny_model(seed=0) -> WorldModel:
    torch.manual_seed(seed)
    return WorldModel(WorldModelConfig(latent_dim=8, hidden=16, ensemble=2, channels=(4, 4, 4, 4))).eval()


def test_every_planning_path_builds_and_plans():
    model = tiny_model()
    for name in PATHS:
        pm, over = planning_path(model, name)
        cfg = PlannerConfig(samples=8, horizon=16, elites=2, **over)
        assert Planner(pm, IntrinsicCost(), cfg).plan(torch.randn(8)).actions.shape == (16, 3)
    with pytest.raises(ValueError, match="unknown planning path"):
        planning_path(model, "fastest")


@pytest.mark.parametrize("native", [True, False])
def test_auto_plans_in_bf16_only_where_the_cpu_does_bf16_natively(monkeypatch, native):
    """Emulated bf16 plans several times slower than fp32 (docs/actor.md), so auto picks by the CPU."""
    monkeypatch.setattr(presets, "native_bf16", lambda: native)
    assert resolve_path(AUTO) == ("member-bf16" if native else "member")
    assert resolve_path("ensemble") == "ensemble"
    pm, over = planning_path(tiny_model(), AUTO)
    assert pm.dtype == (torch.bfloat16 if native else torch.float32) and over == {"uncertainty": "elites"}


def test_matmul_flops_are_counted_from_the_shapes():
    lin = torch.nn.Linear(32, 16)
    calls = record_matmuls(lambda: lin(torch.randn(10, 32)))
    assert total_flops(calls) == 2 * 10 * 32 * 16
    ens = EnsembleMLP(3, 8, 16, 4)
    calls = record_matmuls(lambda: ens(torch.randn(5, 8)))
    assert total_flops(calls) == 2 * 3 * 5 * (8 * 16 + 16 * 16 + 16 * 4)
    # One member of the adapter's fast path costs a third of the three-member ensemble.
    model = WorldModel(WorldModelConfig(latent_dim=8, hidden=16, ensemble=3, channels=(4, 4, 4, 4)))
    s, a = torch.randn(5, 8), torch.rand(5, 3)
    full = total_flops(record_matmuls(lambda: WorldModelAdapter(model).step(s, a)))
    one = total_flops(record_matmuls(lambda: WorldModelAdapter(model, (0,)).step(s, a)))
    assert one * 3 == full


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode])
def test_matmul_flops_are_counted_alike_under_no_grad_and_inference_mode(mode):
    """Inference mode hands linear, einsum and matmul to the recorder whole (Planner.plan runs in it)."""
    lin, x = torch.nn.Linear(32, 16), torch.randn(10, 4, 32)
    w, y = torch.randn(10), torch.randn(10, 6, 2)
    with mode():
        calls = record_matmuls(lambda: (lin(x), torch.einsum("n,nha->ha", w, y), torch.matmul(x, torch.randn(32, 2))))
    assert total_flops(calls) == 2 * 40 * 32 * 16 + 2 * 10 * 12 + 2 * 40 * 32 * 2
    model = tiny_model()
    pm, over = planning_path(model, "member")
    planner = Planner(pm, IntrinsicCost(), PlannerConfig(samples=8, horizon=4, elites=2, **over))
    counted = total_flops(record_matmuls(lambda: planner.plan(torch.randn(8), seed=0)))
    with torch.no_grad():
        eager = total_flops(record_matmuls(lambda: Planner.plan.__wrapped__(planner, torch.randn(8), seed=0)))
    assert counted == eager > 0


def test_toy_work_is_counted_per_step():
    toy = PointMassModel()
    Planner(toy, IntrinsicCost(), PlannerConfig(samples=8, horizon=5, iterations=2, uncertainty="none")).plan(
        torch.zeros(8)
    )
    assert toy.calls == 2 * 5 + 5  # two iterations and the check of the mean, one batched call per step
