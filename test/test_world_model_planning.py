"""What issue 11 added to the world model, checked by behaviour on the synthetic robot:
contact_max survives the dataset format, a briefly trained planning head predicts contact and
twist on episodes it never saw, each ensemble member learns only from its bootstrap share, and
eval-model's planning metrics come out against their baselines on a tiny checkpoint."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lecun_agent.dataset.format import DatasetSpec, episode_path, write_episode, write_spec
from lecun_agent.dataset.synthetic import make_synthetic_dataset, synthetic_episode
from lecun_agent.dataset.windows import WindowSampler, load_episodes, window_batch
from lecun_agent.learning import losses
from lecun_agent.learning.baselines import fit_contact_baseline
from lecun_agent.learning.evaluate import encode_all, evaluate_model
from lecun_agent.learning.stats import roc_auc
from lecun_agent.learning.train import TrainConfig, fit_normalisers, train_step
from lecun_agent.world_model.config import WorldModelConfig
from lecun_agent.world_model.model import TWIST, WorldModel

TINY = WorldModelConfig(
    latent_dim=16, hidden=64, dynamics_hidden=64, plan_hidden=32, ensemble=2, horizon=4
)


def test_contact_max_round_trips_and_is_the_contact_label(tmp_path):
    spec = DatasetSpec()
    write_spec(tmp_path, spec)
    ep = synthetic_episode(np.random.default_rng(0), 12, spec)
    # A touch between two frames: the step's maximum is large while the frame's force is zero.
    ep["contact_max"] = np.zeros(12, np.float32)
    ep["contact_max"][5] = 37.5
    ep["feat_body_contact_force"] = np.zeros(12, np.float32)
    write_episode(episode_path(tmp_path, 0), ep, spec)
    data = load_episodes(tmp_path)
    assert np.array_equal(data.contact_max, ep["contact_max"])
    assert np.flatnonzero(data.contact(1.0)).tolist() == [5]  # the label is contact_max, not the frame
    assert not data.contact(40.0).any()
    for broken in ({k: v for k, v in ep.items() if k != "contact_max"}, {**ep, "contact_max": np.zeros(11)}):
        with pytest.raises(ValueError, match="contact_max"):
            write_episode(episode_path(tmp_path, 1), broken, spec)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(untrained model, briefly trained model, training set, held-out set, baseline): the synthetic
    robot walks into a wall it can see coming; about 150 steps of the real training step."""
    root = tmp_path_factory.mktemp("wm")
    make_synthetic_dataset(root / "train", episodes=30, steps=40, seed=0)
    make_synthetic_dataset(root / "held", episodes=6, steps=40, seed=7)
    data, held = load_episodes(root / "train"), load_episodes(root / "held")
    torch.manual_seed(0)
    untrained = WorldModel(TINY)
    fit_normalisers(untrained, data)
    model = WorldModel(TINY)
    model.load_state_dict(untrained.state_dict())
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    sampler = WindowSampler(data, TINY.horizon, 32, seed=0)
    for _ in range(150):
        train_step(model, opt, sampler.sample(), TrainConfig())
    baseline = fit_contact_baseline(data, TINY.horizon, TINY.contact_n, seed=0, epochs=20, batch_size=64)
    return untrained.eval(), model.eval(), data, held, baseline


@torch.no_grad()
def _contact_auc_and_twist_r2(model: WorldModel, data) -> tuple[float, float]:
    """Encoded latents of every step -> (AUC of contact_logit for "touching now", R2 of the twist)."""
    s = encode_all(model, data)
    plan = model.plan_heads(s)
    twist = torch.from_numpy(data.features[TWIST])
    r2 = 1.0 - (plan[TWIST] - twist).pow(2).sum() / (twist - twist.mean(0)).pow(2).sum()
    return roc_auc(model.contact_logit(s).numpy(), data.contact(model.cfg.contact_n)), float(r2)


def test_planning_head_predicts_contact_and_twist_on_unseen_episodes(trained):
    untrained, model, _, held, _ = trained
    assert held.contact().mean() > 0.05  # the held-out episodes do touch the wall
    auc0, r2_0 = _contact_auc_and_twist_r2(untrained, held)
    auc, r2 = _contact_auc_and_twist_r2(model, held)
    assert auc > 0.9 and auc > auc0 + 0.2, (auc0, auc)
    assert r2 > 0.6 and r2 > r2_0 + 0.5, (r2_0, r2)


def test_contact_ahead_from_predicted_latents(trained):
    """The contact head reads predicted latents too: a window that will hit the wall scores
    higher along its open-loop rollout than one that will not."""
    _, model, _, held, _ = trained
    starts = held.window_starts(TINY.horizon)
    batch = window_batch(held, starts, TINY.horizon)
    with torch.no_grad():
        s0 = model.encode(batch["images"][:, 0], batch["proprio"][:, 0])
        step_prob = model.plan_heads(model.rollout(s0, batch["actions"]))["contact"]  # (M, H)
    ahead = (batch["contact_max"][:, 1:] > TINY.contact_n).any(1).numpy()
    assert 0 < ahead.sum() < len(ahead)
    assert roc_auc(step_prob.max(1).values.numpy(), ahead) > 0.8


def test_each_member_learns_only_from_its_bootstrap_share(monkeypatch):
    """With the member masks fixed, changing the target of a window member 0 does not keep leaves
    member 0's gradient unchanged, and changes member 1's, which keeps it."""
    make = WorldModelConfig(latent_dim=8, hidden=16, ensemble=2, horizon=1)
    weights = {f.name: 0.0 for f in make.__dataclass_fields__.values() if f.name.startswith("w_")}
    cfg = WorldModelConfig(**{**make.to_dict(), **weights, "w_consistency": 1.0})
    torch.manual_seed(0)
    model = WorldModel(cfg)
    keep = torch.tensor([[1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 1.0, 1.0]])  # (K, B): window 2 is member 1's only
    monkeypatch.setattr(losses, "bootstrap_weights", lambda *a, **k: keep)
    spec = DatasetSpec()
    rng = np.random.default_rng(0)
    ep = synthetic_episode(rng, 8, spec)
    batch = {k: torch.from_numpy(np.asarray(v)) for k, v in ep.items() if np.ndim(v) > 0}
    batch = {k: torch.stack([v[i : i + 2] for i in range(4)]) for k, v in batch.items()}  # (B=4, 2, ...)
    batch["actions"] = batch["actions"][:, :1]
    for name in ("pain", "energy", "force"):
        batch[f"term_{name}"] = torch.zeros(4, 2)

    def member_grads(b):
        model.zero_grad()
        losses.world_model_loss(model, b)[0].backward()
        w = model.dynamics.net[0].weight.grad  # (K, inp, hidden)
        return w[0].clone(), w[1].clone()

    g0, g1 = member_grads(batch)
    moved = dict(batch, images=batch["images"].clone())
    moved["images"][2, 1] = 255 - moved["images"][2, 1]  # window 2's future frame, i.e. its target
    h0, h1 = member_grads(moved)
    assert torch.equal(g0, h0)
    assert not torch.allclose(g1, h1)


def test_eval_metrics_against_their_baselines(trained):
    """evaluate_model on a tiny trained checkpoint: every planning metric is computed with its
    baseline, the trained model beats the untrained one and the copy baseline, and the
    acceptance flags say what the numbers say."""
    untrained, model, _, held, baseline = trained
    res = evaluate_model(model, held, TINY.horizon, baseline)
    before = evaluate_model(untrained, held, TINY.horizon, baseline)
    h = str(TINY.horizon)
    assert res["error_by_horizon"]["1"] < res["copy_baseline_by_horizon"]["1"]
    assert res["contact_auc"][h] > before["contact_auc"][h]
    assert 0.5 < res["contact_auc_baseline"][h] <= 1.0  # the baseline is fitted and scored, not absent
    assert res["contact_auc_baseline"][h] == before["contact_auc_baseline"][h]  # independent of the model
    assert res["displacement_error_m"][h] < before["displacement_error_m"][h]
    assert res["displacement_error_command_m"] == before["displacement_error_command_m"]
    assert res["displacement_error_m_contact"][h] is not None
    for term in ("pain", "energy", "force"):
        assert res["r2"][term][h] > before["r2"][term][h], term
    acc = res["acceptance"]
    assert acc["displacement_all_" + h + "_ok"] == (
        res["displacement_error_m"][h] <= res["displacement_error_command_m"][h]
    )
    margin = res["contact_auc"][h] - res["contact_auc_baseline"][h]
    assert acc["contact_auc_margin_" + h + "_ok"] == (margin >= 0.1)
    assert acc["uncertainty_spearman_ok"] == (res["uncertainty_error_spearman"] >= 0.3)
