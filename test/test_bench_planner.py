"""The planner part of `lecun-agent bench` (lecun_agent/bench/planner.py, peers.py): behaviour, not speed.

The toy check holds for our planner, the plain loop and every installed peer; the rows of a small
run carry every results.json key with finite values; a missing peer is a skipped row, not a crash.
"""

import json
import math

import pytest
import torch

from lecun_agent.actor.policy import Mode1Policy, PolicyConfig
from lecun_agent.bench import planner as bench
from lecun_agent.world_model.config import WorldModelConfig
from lecun_agent.world_model.model import WorldModel

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # conftest.py

REQUIRED = ("impl", "n", "h", "d", "iterations", "ms_p50", "ms_p99", "flops_per_plan", "fraction_of_limit")
PEER_MODULES = {"pytorch-mppi": "pytorch_mppi", "torchrl": "torchrl"}


def tiny_model() -> WorldModel:
    torch.manual_seed(0)
    cfg = WorldModelConfig(latent_dim=8, channels=(4, 4, 4, 4), hidden=16, dynamics_hidden=16, plan_hidden=8,
                           ensemble=2)  # fmt: skip
    return WorldModel(cfg).eval()


def test_toy_optimum_is_full_speed_then_stop():
    # 1 m at 0.08 m per step: 12 full steps, one of 0.04 m, then on the goal.
    assert bench.toy_optimum(1.0, 20) == pytest.approx(sum(1.0 - 0.08 * k for k in range(1, 13)))
    assert bench.toy_optimum(10.0, 3) == pytest.approx(9.92 + 9.84 + 9.76)


@pytest.mark.parametrize("impl", ["ours", "plain", "pytorch-mppi", "torchrl"])
def test_toy_check_reaches_the_known_optimum(impl):
    if impl in PEER_MODULES:
        pytest.importorskip(PEER_MODULES[impl])
    toy = bench.toy_check(impls=(impl,))
    assert toy["ok"][impl] is True, toy
    assert toy["all_ok"]
    if impl == "plain":
        assert toy["plain_same_update_max_abs"] < 1e-4
    else:
        gap = toy["hold_still"] - toy["optimum"]
        assert toy["optimum"] <= toy["costs"][impl] <= toy["optimum"] + toy["tolerance"] * gap


def test_section_rows_carry_every_key(tmp_path):
    policy = Mode1Policy(PolicyConfig(latent_dim=8)).eval()
    out = bench.section(tmp_path, [(tiny_model(), "random weights", None, None, policy)], [(16, 4), (32, 4)], repeats=2,
                        plain_repeats=1, warmup=1, accept=(16, 4), accept_repeats=3)  # fmt: skip
    json.dumps(out, allow_nan=False)  # plain JSON
    runs = out["runs"]
    ours = {(r["n"], r["h"]): r["repeats"] for r in runs if r["impl"] == "ours"}
    assert ours == {(16, 4): 3, (32, 4): 2}  # the acceptance cell gets more timings for its p99
    measured = [r for r in runs if "skipped" not in r]
    assert {r["impl"] for r in measured} >= {"ours", "ours-no-check", "plain", "mode1"}
    mode1 = next(r for r in measured if r["impl"] == "mode1")
    assert mode1["note"] == "one command from one state, no search" and mode1["gflops_achieved"] > 0
    for r in runs:
        if "skipped" in r:
            assert r["impl"] in bench.PEERS and "pip install .[bench]" in r["skipped"]
            continue
        for key in REQUIRED:
            assert key in r, (r["impl"], key)
            if key != "impl":
                assert math.isfinite(r[key]), (r["impl"], key, r[key])
        assert r["flops_per_plan"] > 0 and r["fraction_of_limit"] > 0
        assert (r["d"], r["iterations"]) == (8, 1)
    acc = out["acceptance"]
    assert (acc["n"], acc["h"]) == (16, 4)
    assert set(acc["faster_p50_than"]) == {"plain", *bench.PEERS}
    assert isinstance(acc["p99_ok"], bool) and isinstance(acc["fraction_ok"], bool)
    assert out["limit_gflops"] > 0
    assert out["toy_check"]["all_ok"]
    assert sorted(out["plots"]) == ["planner_time_vs_h.png", "planner_time_vs_n.png"]
    assert all((tmp_path / name).stat().st_size > 0 for name in out["plots"])


def test_a_missing_peer_is_a_skipped_row(monkeypatch):
    monkeypatch.setattr(bench, "missing", lambda name: f"{name} not installed: pip install .[bench]")
    pm, over = bench.planning_path(tiny_model(), bench.DEFAULT_PATH)
    rows = bench.measure_cell(pm, over, 16, 4, impls=("ours", *bench.PEERS), repeats=1, warmup=0)
    assert [r["impl"] for r in rows] == ["ours", *bench.PEERS]
    for r in rows[1:]:
        assert r["skipped"] == f"{r['impl']} not installed: pip install .[bench]"
        assert {"n", "h", "d", "iterations"} <= set(r) and "ms_p50" not in r
    toy = bench.toy_check(impls=bench.PEERS)
    assert all(v is None for v in toy["ok"].values()) and toy["all_ok"]
