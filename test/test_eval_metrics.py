"""What eval-model measures for planning: rank statistics, contact-ahead and displacement scores,
the no-camera baseline, and seed hygiene (a clear refusal, no traceback)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lecun_agent.dataset.synthetic import make_synthetic_dataset
from lecun_agent.dataset.windows import load_episodes
from lecun_agent.learning.baselines import (
    baseline_inputs,
    contact_labels,
    fit_contact_baseline,
    load_baseline,
    save_baseline,
)
from lecun_agent.learning.evaluate import contact_scores, displacement_scores
from lecun_agent.learning.seeds import SeedOverlapError, check_heldout, overlapping, seed_ranges
from lecun_agent.learning.stats import roc_auc, spearman
from lecun_agent.world_model.config import WorldModelConfig
from lecun_agent.world_model.model import WorldModel


def test_roc_auc_matches_pair_counting_with_ties():
    rng = np.random.default_rng(0)
    scores, labels = rng.integers(0, 5, 200).astype(float), rng.random(200) < 0.3
    pos, neg = scores[labels], scores[~labels]
    brute = ((pos[:, None] > neg[None]).sum() + 0.5 * (pos[:, None] == neg[None]).sum()) / (
        len(pos) * len(neg)
    )
    assert roc_auc(scores, labels) == pytest.approx(brute)
    assert roc_auc(np.arange(4.0), np.array([0, 0, 1, 1], bool)) == 1.0
    assert roc_auc(np.arange(4.0), np.zeros(4, bool)) is None


def test_spearman_is_rank_based():
    x = np.arange(50.0)
    assert spearman(x, np.exp(x / 5)) == pytest.approx(1.0)
    assert spearman(x, -(x**3)) == pytest.approx(-1.0)
    assert abs(spearman(x, np.random.default_rng(0).permutation(x))) < 0.3


def test_seed_ranges_and_the_refusal():
    ranges = seed_ranges([5, 3, 4, 10, -1, 11])
    assert ranges == [[3, 5], [10, 11]]
    assert overlapping(range(0, 20), ranges) == [3, 4, 5, 10, 11]
    check_heldout([100, 101, -1], ranges)  # disjoint and real-robot seeds: fine
    with pytest.raises(SeedOverlapError, match=r"2 evaluation episode seed\(s\).*4, 5.*--seed-start 12"):
        check_heldout([4, 5, 6], ranges)


def test_contact_scores_perfect_and_blind():
    labels = np.zeros((6, 3), bool)
    labels[3:, 1:] = True  # windows 3..5 touch at step 2
    step_prob = np.zeros((6, 3))
    step_prob[3:, 1] = 0.9
    res = contact_scores(step_prob, labels, None, None, None, None)
    assert res["contact_auc"]["2"] == 1.0 and res["contact_auc"]["1"] is None  # no positive yet at 1
    assert res["contact_positive_rate"]["3"] == 0.5 and res["contact_auc_baseline"]["3"] is None
    assert contact_scores(np.full((6, 3), 0.3), labels, None, None, None, None)["contact_auc"]["3"] == 0.5


def test_displacement_scores_compare_prediction_and_command_with_odometry(tmp_path):
    make_synthetic_dataset(tmp_path, episodes=2, steps=20)
    data = load_episodes(tmp_path)
    model = WorldModel(WorldModelConfig(latent_dim=8, hidden=16, ensemble=2))
    starts = data.window_starts(4)
    idx = torch.from_numpy(starts[:, None] + np.arange(5)[None])
    labels = contact_labels(data, starts, 4, 1.0)
    truth = torch.from_numpy(data.features["base_velocity"])[idx[:, 1:]]
    res = displacement_scores(model, truth, data, idx, labels, None)  # the prediction is the truth
    assert res["displacement_error_m"]["4"] == pytest.approx(0.0, abs=1e-6)
    assert res["displacement_error_command_m"]["4"] > 0.01  # the synthetic robot lags its command
    stopped = displacement_scores(model, torch.zeros_like(truth), data, idx, labels, None)
    assert stopped["displacement_error_m"]["4"] > 0.0
    if labels[:, -1].any():
        assert stopped["displacement_error_m_contact"]["4"] is not None


def test_no_camera_baseline_sees_only_proprio_and_commands(tmp_path):
    make_synthetic_dataset(tmp_path, episodes=6, steps=40, seed=1)
    data = load_episodes(tmp_path)
    starts = data.window_starts(3)
    x = baseline_inputs(data, starts, 3)
    assert x.shape == (len(starts), data.proprio.shape[1] + 3 + 9)
    assert np.array_equal(x[:, -9:-6], data.actions[starts])  # first future command = a_t
    assert "images" not in baseline_inputs.__code__.co_names
    base = fit_contact_baseline(data, 3, 1.0, seed=0, epochs=10, batch_size=64)
    p = base.predict(data, starts)
    assert p.shape == (len(starts), 3) and ((p >= 0) & (p <= 1)).all()
    labels = contact_labels(data, starts, 3, 1.0)
    assert roc_auc(p[:, -1], labels[:, -1]) > 0.7  # a blocked robot (pushing, not moving) shows in proprio
    save_baseline(tmp_path, base)
    again = load_baseline(tmp_path, data.proprio.shape[1], 3)
    assert np.array_equal(again.predict(data, starts), p)


def test_eval_model_refuses_training_seeds_with_a_clear_error(tmp_path, capsys):
    from lecun_agent.cli import main
    from lecun_agent.learning.train import TrainConfig, train

    make_synthetic_dataset(tmp_path / "train", episodes=2, steps=12, seed_start=40)
    make_synthetic_dataset(tmp_path / "held", episodes=1, steps=12, seed=1, seed_start=42)
    tiny = WorldModelConfig(latent_dim=8, hidden=16, ensemble=2, horizon=3)
    train(tmp_path / "train", tmp_path / "ck", TrainConfig(steps=1, batch_size=2, threads=1), tiny)
    argv = [
        "eval-model",
        "--checkpoint",
        str(tmp_path / "ck"),
        "--horizon",
        "3",
        "--json",
        str(tmp_path / "r.json"),
    ]
    assert main([*argv, "--data", str(tmp_path / "train")]) == 2
    err = capsys.readouterr().err
    assert "used to train this checkpoint (40, 41)" in err and "Traceback" not in err
    assert not (tmp_path / "r.json").exists()
    assert main([*argv, "--seed-start", "41", "--episodes", "3"]) == 2  # refused before collecting
    assert "41" in capsys.readouterr().err
    assert main([*argv, "--data", str(tmp_path / "held")]) == 0
    assert (tmp_path / "r.json").exists() and (tmp_path / "r_contact.png").exists()
    dotted = [a if a != str(tmp_path / "r.json") else str(tmp_path / "lr_0.5") for a in argv]
    assert main([*dotted, "--data", str(tmp_path / "held")]) == 0  # a name with a dot keeps its dot
    assert {p.name for p in tmp_path.glob("lr_0.5*")} == {
        "lr_0.5", "lr_0.5.png", "lr_0.5_contact.png", "lr_0.5_paths.png"}


def test_eval_model_refuses_data_of_another_step_length(tmp_path, capsys):
    """A model steps one period ahead; scored on steps of another length its numbers mean nothing."""
    import json

    from lecun_agent.cli import main
    from lecun_agent.learning.train import TrainConfig, train

    make_synthetic_dataset(tmp_path / "train", episodes=2, steps=12, seed_start=40)
    make_synthetic_dataset(tmp_path / "held", episodes=1, steps=12, seed=1, seed_start=42)
    spec = json.loads((tmp_path / "held" / "spec.json").read_text())
    (tmp_path / "held" / "spec.json").write_text(json.dumps({**spec, "step_dt": 0.053}))
    tiny = WorldModelConfig(latent_dim=8, hidden=16, ensemble=2, horizon=3)
    train(tmp_path / "train", tmp_path / "ck", TrainConfig(steps=1, batch_size=2, threads=1), tiny)
    argv = ["eval-model", "--checkpoint", str(tmp_path / "ck"), "--horizon", "3", "--data", str(tmp_path / "held"),
            "--json", str(tmp_path / "r.json")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "held" / "spec.json") in err and "0.053 s" in err and "0.1 s" in err
    assert not (tmp_path / "r.json").exists()
