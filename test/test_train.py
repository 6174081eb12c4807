"""Training: one step on a tiny batch, determinism from a seed, resume, and the time budget."""

import csv

import torch

from lecun_agent.checkpoint import load_checkpoint
from lecun_agent.dataset.synthetic import make_synthetic_dataset
from lecun_agent.dataset.windows import WindowSampler, load_episodes
from lecun_agent.learning.train import TrainConfig, fit_normalisers, train, train_step
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
