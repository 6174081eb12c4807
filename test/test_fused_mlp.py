"""The fused linear+ReLU path the planner runs its bfloat16 search nets with: eager's numbers, or eager itself."""

from dataclasses import replace

import pytest
import torch
from search_models import CFG, tiny_model

from lecun_agent.actor import Planner
from lecun_agent.actor import fused_mlp as fm
from lecun_agent.actor.distill import relu_mlp
from lecun_agent.actor.feature_heads import feature_width, search_net
from lecun_agent.actor.flops import record_matmuls, total_flops
from lecun_agent.actor.planning_model import PLAN_OUTPUTS
from lecun_agent.actor.presets import planning_path
from lecun_agent.actor.search_dynamics import dynamics_net
from lecun_agent.cost.total import IntrinsicCost
from lecun_agent.world_model.layers import mlp

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # conftest.py
needs_kernel = pytest.mark.skipif(fm.linear_pointwise() is None, reason="this torch has no oneDNN linear kernel")


def bf16_net(inp=32, hidden=64, out=48):
    torch.manual_seed(0)
    return relu_mlp(inp, hidden, out).eval().requires_grad_(False).to(torch.bfloat16)


@needs_kernel
def test_a_bf16_relu_mlp_runs_fused_and_gives_eagers_numbers_bit_for_bit():
    net = bf16_net()
    run = fm.fused(net)
    assert isinstance(run, fm.FusedReluMLP) and [attr for _, attr in run.layers] == ["relu", "relu", "none"]
    for shape in ((512, 32), (7, 16, 32)):  # a batch, and a batch of sequences (the search heads' input)
        x = torch.randn(*shape).to(torch.bfloat16)
        with torch.no_grad():
            assert torch.equal(run(x), net(x))
    # The same matmuls are counted, so the benchmark's GFLOP/s stay comparable.
    x = torch.randn(64, 32).to(torch.bfloat16)
    assert total_flops(record_matmuls(lambda: run(x))) == total_flops(record_matmuls(lambda: net(x))) > 0


def test_nets_it_would_not_help_or_cannot_run_are_returned_unchanged():
    float_net = relu_mlp(32, 64, 48).eval()
    assert fm.fused(float_net) is float_net  # float32: the fused kernel is no faster at 512 rows
    norm_net = mlp(32, 64, 48).to(torch.bfloat16)
    assert fm.fused(norm_net) is norm_net  # LayerNorm and SiLU: not a ReLU MLP
    ends_in_relu = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU()).to(torch.bfloat16)
    assert fm.fused(ends_in_relu) is ends_in_relu


@pytest.mark.parametrize("kernel", ["missing", "raises", "differs"])
def test_a_kernel_that_is_missing_fails_or_disagrees_on_the_probe_leaves_eager(monkeypatch, kernel):
    def raises(*args):
        raise RuntimeError("no oneDNN here")

    def differs(x, w, b, *options):
        return torch.nn.functional.linear(x, w, b) + 1

    monkeypatch.setattr(fm, "linear_pointwise", {"missing": lambda: None, "raises": lambda: raises,
                                        "differs": lambda: differs}[kernel])
    net = bf16_net()
    assert fm.fused(net) is net


@needs_kernel
def test_the_planner_plans_the_same_with_the_relus_fused_or_not():
    model = tiny_model()
    d, a = model.cfg.latent_dim, model.cfg.action_dim
    torch.manual_seed(1)
    heads = search_net(d, 32, feature_width(model) + PLAN_OUTPUTS).eval().requires_grad_(False)
    dynamics = dynamics_net(model, 32).eval().requires_grad_(False)
    fused_pm, over = planning_path(model, "member-bf16", feature_heads=heads, search_dynamics=dynamics)
    eager_pm, _ = planning_path(model, "member-bf16", feature_heads=heads, search_dynamics=dynamics, fuse_relu=False)
    assert isinstance(fused_pm._run_fast, fm.FusedReluMLP) and isinstance(fused_pm._run_search_heads, fm.FusedReluMLP)
    assert eager_pm._run_fast is eager_pm.fast and eager_pm._run_search_heads is eager_pm._search_heads
    cfg = replace(CFG, **over, deadline_s=0.0)
    fused_plans, eager_plans = Planner(fused_pm, IntrinsicCost(), cfg), Planner(eager_pm, IntrinsicCost(), cfg)
    for tick in range(5):
        s = torch.randn(d)
        got = fused_plans.plan(s, goal=(2.0, 0.5), seed=tick)
        want = eager_plans.plan(s, goal=(2.0, 0.5), seed=tick)
        assert torch.equal(got.actions, want.actions) and got.actions.shape == (cfg.horizon, a)
