"""Training: one step on a tiny batch, determinism from a seed, resume, and the time budget."""

import csv

import pytest
import torch

from lecun_agent.dataset.synthetic import make_synthetic_dataset
from lecun_agent.dataset.windows import WindowSampler, load_episodes
from lecun_agent.learning.train import TrainConfig, fit_normalisers, train, train_step
from lecun_agent.world_model.checkpoint import load_checkpoint
from lecun_agent.world_model.config import WorldModelConfig
from lecun_agent.world_model.model import WorldModel

TINY = WorldModelConfig(latent_dim=8, hidden=32, ensemble=2, horizon=4, chunk=2)


def test_train_step_on_tiny_batch(tmp_path):
    torch.manual_seed(0)
    make_synthetic_dataset(tmp_path, episodes=2, steps=12)
    data = load_episodes(tmp_path)
    model = WorldModel(TINY)
    fit_normalisers(model, data)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    before = [p.detach().clone() for p in model.parameters()]
    metrics = train_step(model, opt, WindowSampler(data, TINY.horizon, 4, seed=0).sample(), TrainConfig())
    assert set(metrics) >= {"loss", "consistency", "var", "cov", "heads", "critic", "chunk", "grad_norm"}
    assert all(torch.isfinite(torch.tensor(v)) for v in metrics.values())
    assert any(not torch.equal(a, p) for a, p in zip(before, model.parameters(), strict=True))


def _weights(path):
    return load_checkpoint(path)[0].state_dict()


def test_seeded_runs_are_identical_and_resume_continues(tmp_path):
    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=12)
    cfg = TrainConfig(steps=4, batch_size=4, log_every=1, threads=1)
    train(tmp_path / "data", tmp_path / "a", cfg, TINY)
    train(tmp_path / "data", tmp_path / "b", cfg, TINY)
    wa, wb = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert all(torch.equal(wa[k], wb[k]) for k in wa)

    cfg6 = TrainConfig(steps=6, batch_size=4, log_every=1, threads=1)
    out = train(tmp_path / "data", tmp_path / "a", cfg6, resume=True)
    assert out["steps"] == 6
    rows = list(csv.DictReader((tmp_path / "a" / "metrics.csv").open()))
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    train(tmp_path / "data", tmp_path / "c", cfg6, TINY)  # resumed run == uninterrupted run
    wa, wc = _weights(tmp_path / "a"), _weights(tmp_path / "c")
    assert all(torch.equal(wa[k], wc[k]) for k in wa)


def test_time_budget_stops_training(tmp_path):
    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=12)
    out = train(
        tmp_path / "data", tmp_path / "ck", TrainConfig(steps=10**6, minutes=0.02, batch_size=2), TINY
    )
    assert 0 < out["steps"] < 10**6 and (tmp_path / "ck" / "model.pt").exists()
    assert load_checkpoint(tmp_path / "ck")[2]["train"]["steps"] == out["steps"]


def test_collect_then_eval_on_the_sim(tmp_path):
    """The in-process collector writes a valid dataset and eval-model scores a checkpoint on it."""
    from lecun_agent.learning.collect import CollectConfig, collect
    from lecun_agent.learning.evaluate import eval_checkpoint
    from lecun_agent.learning.plots import plot_eval

    summary = collect(tmp_path / "data", CollectConfig(episodes=2, seed_start=123, episode_s=2.5))
    assert summary["transitions"] > 10
    data = load_episodes(tmp_path / "data")
    assert data.images.shape[1:] == (64, 64, 3) and data.finite.all()
    train(tmp_path / "data", tmp_path / "ck", TrainConfig(steps=2, batch_size=4, threads=1), TINY)
    res = eval_checkpoint(tmp_path / "ck", 0, 0, horizon=4, data_dir=tmp_path / "data")
    assert set(res["error_by_horizon"]) == {"1", "2", "3", "4"}
    assert set(res["r2"]) == {"base_velocity", "tilt", "foot_force"} and "1" in res["r2"]["tilt"]
    assert plot_eval(res, tmp_path / "eval.png").stat().st_size > 1000


@pytest.mark.slow
def test_torchrun_two_ranks(tmp_path):
    """`torchrun --nproc_per_node 2 -m lecun_agent.cli train` runs with no code change (gloo, CPU).

    Slow only because it starts two interpreters plus the launcher (about 6 s idle, more under load)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=20)
    torchrun = Path(sys.executable).with_name("torchrun")
    cmd = [
        str(torchrun),
        "--nproc_per_node",
        "2",
        "-m",
        "lecun_agent.cli",
        "train",
        "--data",
        str(tmp_path / "data"),
        "--out",
        str(tmp_path / "ck"),
        "--steps",
        "3",
        "--batch-size",
        "4",
        "--threads",
        "1",
    ]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=240, env={**os.environ, "OMP_NUM_THREADS": "1"}
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    meta = load_checkpoint(tmp_path / "ck")[2]
    assert meta["train"]["steps"] == 3 and meta["train"]["samples"] == 3 * 4 * 2
