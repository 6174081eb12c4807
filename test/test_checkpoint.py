"""Checkpoints: round trip with weights_only, and every bad file is a CheckpointError."""

import json
import re

import pytest
import torch

from lecun_agent.actor.policy import Mode1Policy, PolicyConfig, load_policy, save_policy
from lecun_agent.dataset.format import DatasetSpec
from lecun_agent.world_model.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from lecun_agent.world_model.config import WorldModelConfig
from lecun_agent.world_model.model import WorldModel

CFG = WorldModelConfig(latent_dim=8, hidden=16, ensemble=2)


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = WorldModel(CFG)
    model.feature_std.fill_(2.0)
    save_checkpoint(tmp_path, model, DatasetSpec(), {"steps": 3})
    return tmp_path, model


def test_round_trip(saved):
    path, model = saved
    loaded, spec, meta = load_checkpoint(path, expect_spec=DatasetSpec(source="other"))
    assert meta["config"]["latent_dim"] == 8 and meta["train"]["steps"] == 3 and "torch" in meta["versions"]
    for k, v in model.state_dict().items():
        assert torch.equal(v, loaded.state_dict()[k]), k
    assert spec == DatasetSpec()


def test_spec_mismatch(saved):
    with pytest.raises(CheckpointError, match="action_names"):
        load_checkpoint(saved[0], expect_spec=DatasetSpec(action_names=["a", "b", "c"]))


def test_corrupt_weights(saved):
    """Named, with what is wrong: never torch's own message, which advises weights_only=False (running the
    file's code) for a file that is not a weights file."""
    model_file = saved[0] / "model.pt"
    whole = model_file.read_bytes()
    model_file.write_bytes(b"garbage")
    with pytest.raises(CheckpointError) as refused:
        load_checkpoint(saved[0])
    assert str(refused.value).startswith(f"{model_file} is not a file this project wrote"), refused.value
    model_file.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(CheckpointError, match=rf"^{re.escape(str(model_file))} is corrupt or truncated"):
        load_checkpoint(saved[0])
    model_file.unlink()
    with pytest.raises(CheckpointError, match="model.pt not found"):
        load_checkpoint(saved[0])


def test_a_bad_policy_file_is_named_with_what_is_wrong(saved, tmp_path):
    path, model = saved
    policy_file = tmp_path / "mode1.pt"
    policy_file.write_text("x\n")
    with pytest.raises(CheckpointError, match="mode1.pt is not a file this project wrote"):
        load_policy(policy_file, model)
    # the whole command (QA, 2026-12-08: `lecun-agent distill` alone acts on the shipped checkpoint)
    with pytest.raises(ValueError, match=f"model.pt is not a mode-1 policy file; run `lecun-agent distill --checkpoint "
                                         f"{path} --replace`"):
        load_policy(path / "model.pt", model)


def test_config_does_not_match_weights(saved):
    meta = json.loads((saved[0] / "meta.json").read_text())
    meta["config"]["latent_dim"] = 12
    (saved[0] / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="do not match"):
        load_checkpoint(saved[0])


def test_missing_or_bad_meta(tmp_path, saved):
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "nothing")
    (saved[0] / "meta.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="JSON"):
        load_checkpoint(saved[0])


def test_cli_eval_model_reports_a_bad_checkpoint(tmp_path, capsys):
    import argparse

    from lecun_agent.cli import learning as cli_learning

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    cli_learning.add_collect(sub)
    cli_learning.add_train(sub)
    cli_learning.add_eval_model(sub)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "meta.json").write_text("{}")
    args = parser.parse_args(
        ["eval-model", "--checkpoint", str(tmp_path / "bad"), "--json", str(tmp_path / "r.json")]
    )
    assert args.func(args) == 2
    assert "checkpoint format" in capsys.readouterr().err


def test_shipped_default_checkpoint_loads_and_runs():
    from lecun_agent.dataset.format import DatasetSpec

    model, spec, meta = load_checkpoint(None, expect_spec=DatasetSpec())
    s = model.encode(torch.zeros(2, 64, 64, 3, dtype=torch.uint8), torch.zeros(2, spec.proprio_dim))
    assert s.shape == (2, meta["config"]["latent_dim"]) and torch.isfinite(model.critic(s)).all()


def as_format_3(path, with_slow_level=True):
    """Rewrite a saved checkpoint the way format 3 stored it: a slow level in config and weights."""
    meta = json.loads((path / "meta.json").read_text())
    meta["format"] = 3
    meta["config"].update(chunk=5, w_chunk=0.5)
    (path / "meta.json").write_text(json.dumps(meta))
    state = torch.load(path / "model.pt", weights_only=True)
    if with_slow_level:
        state["slow.0.weight"] = torch.ones(16, 8 + 5 * 3)  # hidden 16 x (latent 8 + 5 steps x 3)
    torch.save(state, path / "model.pt")


def test_format_3_loads_without_its_slow_level(saved):
    path, model = saved
    as_format_3(path)
    loaded, _, meta = load_checkpoint(path)
    assert meta["format"] == 3 and not hasattr(loaded, "slow")
    for k, v in model.state_dict().items():
        assert torch.equal(v, loaded.state_dict()[k]), k


def test_format_4_with_slow_weights_does_not_match(saved):
    path, _ = saved
    state = torch.load(path / "model.pt", weights_only=True)
    state["slow.0.weight"] = torch.ones(16, 23)
    torch.save(state, path / "model.pt")
    with pytest.raises(CheckpointError, match="do not match"):
        load_checkpoint(path)


def test_unknown_format_says_which_it_reads(saved):
    meta = json.loads((saved[0] / "meta.json").read_text())
    meta["format"] = 2
    (saved[0] / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="format 2"):
        load_checkpoint(saved[0])


def test_a_policy_distilled_on_a_format_3_model_still_matches_it(saved, tmp_path):
    """Its fingerprint summed the slow level's weights too; loading keeps their sum."""
    path, model = saved
    policy_file = tmp_path / "mode1.pt"
    save_policy(policy_file, Mode1Policy(PolicyConfig(latent_dim=8)), model)
    blob = torch.load(policy_file, weights_only=True)
    blob["model_fingerprint"] += 16 * 23  # the format 3 slow weight written below: 16 x 23 ones
    torch.save(blob, policy_file)
    with pytest.raises(ValueError, match="different world model"):
        load_policy(policy_file, load_checkpoint(path)[0])
    as_format_3(path)
    assert isinstance(load_policy(policy_file, load_checkpoint(path)[0]), Mode1Policy)


@pytest.mark.parametrize("strict, code", [(False, 0), (True, 1)])
def test_eval_model_strict_exits_1_when_a_check_fails_and_writes_the_results_either_way(tmp_path, monkeypatch, capsys,
                                                                                      strict, code):
    import argparse

    from lecun_agent.cli import learning as cli_learning
    from lecun_agent.learning import evaluate, plots

    res = {"acceptance": {"error_ratio_vs_copy_at_10": 0.5, "error_ratio_ok": True, "effective_rank_ok": False}}
    monkeypatch.setattr(evaluate, "eval_checkpoint", lambda *a, **k: res)
    for name in ("plot_eval", "plot_contact_timeline", "plot_paths"):
        monkeypatch.setattr(plots, name, lambda _res, path: path)
    monkeypatch.setattr(cli_learning, "summary_text", lambda _res, _h: "summary")
    parser = argparse.ArgumentParser()
    cli_learning.add_eval_model(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["eval-model", "--json", str(tmp_path / "r.json"), *(["--strict"] if strict else [])])
    assert args.func(args) == code
    assert (tmp_path / "r.json").exists()
    assert ("effective_rank_ok" in capsys.readouterr().err) == strict
    assert cli_learning.failed_checks(res) == ["effective_rank_ok"]
