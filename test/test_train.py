"""Training: one step on a tiny batch, determinism from a seed, resume, and the time budget."""

import csv
import json
import re

import pytest
import torch

from lecun_agent.dataset.synthetic import make_synthetic_dataset
from lecun_agent.dataset.windows import WindowSampler, load_episodes
from lecun_agent.learning.train import TrainConfig, fit_normalisers, train, train_step
from lecun_agent.world_model.checkpoint import CheckpointError, load_checkpoint
from lecun_agent.world_model.config import WorldModelConfig
from lecun_agent.world_model.model import WorldModel

TINY = WorldModelConfig(latent_dim=8, hidden=32, ensemble=2, horizon=4)


def test_train_step_on_tiny_batch(tmp_path):
    torch.manual_seed(0)
    make_synthetic_dataset(tmp_path, episodes=2, steps=12)
    data = load_episodes(tmp_path)
    model = WorldModel(TINY)
    fit_normalisers(model, data)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    before = [p.detach().clone() for p in model.parameters()]
    metrics = train_step(model, opt, WindowSampler(data, TINY.horizon, 4, seed=0).sample(), TrainConfig())
    assert set(metrics) >= {"loss", "consistency", "var", "cov", "heads", "critic", "grad_norm"}
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


def test_rows_a_killed_run_never_saved_are_set_aside_not_continued(tmp_path, caplog):
    """A run killed before its first checkpoint leaves metrics.csv rows; the next run appended to them (steps 25,
    50, 75, then 20). A run killed after one leaves rows past it, which a resume trains again."""
    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=12)
    out = tmp_path / "run"
    out.mkdir()
    header = "step,samples,seconds,cpu_seconds,loss\n"
    (out / "metrics.csv").write_text(header + "25,800,7.0,7.0,1.0\n50,1600,11.7,11.7,0.9\n7")  # cut off
    train(tmp_path / "data", out, TrainConfig(steps=4, batch_size=4, log_every=1, ckpt_every=2, threads=1), TINY)
    rows = list(csv.DictReader((out / "metrics.csv").open()))
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4]
    assert [r["step"] for r in csv.DictReader((out / "metrics.unsaved.csv").open())] == ["25", "50", "7"]
    with (out / "metrics.csv").open("a") as f:  # a continuation killed after step 4 was saved
        f.write("5,20,1.0,1.0,0.5\n")
    (out / "mode1.pt").write_bytes(b"")  # distilled from the step-4 weights
    train(tmp_path / "data", out, TrainConfig(steps=6, batch_size=4, log_every=1, threads=1), resume=True)
    assert "['mode1.pt'] in" in caplog.text and "run distill-heads, distill-dynamics and distill again" in caplog.text
    assert [int(r["step"]) for r in csv.DictReader((out / "metrics.csv").open())] == [1, 2, 3, 4, 5, 6]
    assert [r["step"] for r in csv.DictReader((out / "metrics.unsaved.1.csv").open())] == ["5"]


def test_a_format_3_run_does_not_resume(tmp_path):
    """Its optimizer state holds the slow level's parameters, which this model no longer has."""
    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=12)
    cfg = TrainConfig(steps=2, batch_size=4, log_every=1, threads=1)
    train(tmp_path / "data", tmp_path / "a", cfg, TINY)
    meta = json.loads((tmp_path / "a" / "meta.json").read_text())
    meta["format"] = 3
    (tmp_path / "a" / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="cannot resume a format 3 run"):
        train(tmp_path / "data", tmp_path / "a", TrainConfig(steps=4, batch_size=4, threads=1), resume=True)


def test_resume_with_nothing_to_resume_is_an_error(tmp_path):
    """Not a quiet fresh start: the user meant to continue a run that is not there."""
    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=12)
    want = f"nothing to resume in {tmp_path / 'ck'}: no train_state.pt"
    with pytest.raises(FileNotFoundError, match=re.escape(want)):
        train(tmp_path / "data", tmp_path / "ck", TrainConfig(steps=1, batch_size=2, threads=1), TINY, resume=True)
    assert not (tmp_path / "ck").exists()


@pytest.mark.parametrize("damage", ["junk", "cut short"])
def test_a_damaged_training_state_is_one_line_naming_it(tmp_path, capsys, damage):
    from lecun_agent.cli import main

    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=12)
    train(tmp_path / "data", tmp_path / "ck", TrainConfig(steps=2, batch_size=2, threads=1), TINY)
    state = tmp_path / "ck" / "train_state.pt"
    state.write_bytes(b"junk\n" if damage == "junk" else state.read_bytes()[: state.stat().st_size // 2])
    capsys.readouterr()
    argv = ["train", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "ck"), "--steps", "3", "--resume"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    said = "is not a file this project wrote" if damage == "junk" else "is corrupt or truncated"
    assert err.startswith(f"lecun-agent train: error: {state} {said}") and err.count("\n") == 1, err


def test_a_new_run_never_replaces_a_checkpoint(tmp_path, capsys):
    """Forgetting --resume must not throw the earlier training away."""
    from lecun_agent.cli import main

    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=12)
    train(tmp_path / "data", tmp_path / "ck", TrainConfig(steps=2, batch_size=2, threads=1), TINY)
    before = {p.name: p.read_bytes() for p in (tmp_path / "ck").iterdir()}
    argv = ["train", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "ck"), "--steps", "3"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'ck'} already holds a checkpoint trained 2 steps" in err and "--resume" in err
    assert {p.name: p.read_bytes() for p in (tmp_path / "ck").iterdir()} == before


def test_a_resume_refuses_a_config_it_could_not_apply(tmp_path, capsys):
    """QA (2026-12-07): `train --resume --config latent64.json` went on at latent 32 without a word."""
    from lecun_agent.cli import main

    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=12)
    train(tmp_path / "data", tmp_path / "ck", TrainConfig(steps=2, batch_size=2, threads=1), TINY)
    before = {p.name: p.read_bytes() for p in (tmp_path / "ck").iterdir()}
    (tmp_path / "config.json").write_text('{"latent_dim": 64}')
    capsys.readouterr()
    argv = ["train", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "ck"), "--steps", "3", "--resume",
            "--config", str(tmp_path / "config.json")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("lecun-agent train: error: --config shapes a new model") and err.count("\n") == 1, err
    assert {p.name: p.read_bytes() for p in (tmp_path / "ck").iterdir()} == before


def test_ctrl_c_saves_the_run_where_it_stopped_and_it_resumes(tmp_path, monkeypatch, capsys):
    """Checkpoints come every 500 steps: Ctrl-C must not throw away the steps since the last one."""
    from lecun_agent.cli import main
    from lecun_agent.learning import train as train_module

    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=12)
    step = train_module.train_step
    calls = []

    def interrupted_at_the_fourth(*args):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return step(*args)

    monkeypatch.setattr(train_module, "train_step", interrupted_at_the_fourth)
    argv = ["train", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "ck"), "--steps", "6",
            "--batch-size", "2"]
    assert main(argv) == 130
    lines = [line for line in capsys.readouterr().err.split("\n") if line and not line.startswith("\r")]  # no bar
    assert len(lines) == 1 and f"interrupted at step 3: saved to {tmp_path / 'ck'}" in lines[0]
    assert "--resume" in lines[0]
    assert load_checkpoint(tmp_path / "ck")[2]["train"]["steps"] == 3
    monkeypatch.undo()
    assert main([*argv, "--resume"]) == 0
    assert load_checkpoint(tmp_path / "ck")[2]["train"]["steps"] == 6


def test_time_budget_stops_training(tmp_path):
    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=12)
    out = train(
        tmp_path / "data", tmp_path / "ck", TrainConfig(steps=10**6, minutes=0.02, batch_size=2), TINY
    )
    assert 0 < out["steps"] < 10**6 and (tmp_path / "ck" / "model.pt").exists()
    assert load_checkpoint(tmp_path / "ck")[2]["train"]["steps"] == out["steps"]


def test_training_runs_one_thread_unless_told_and_refuses_a_negative_count(tmp_path):
    """One torch thread by default for a new run (a two-thread team crawls when anything else holds
    a core; benchmarks/bench_train_threads.py), the run's own count on resume; 0 keeps torch's own."""
    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=12)
    previous = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        train(tmp_path / "data", tmp_path / "a", TrainConfig(steps=1, batch_size=2), TINY)
        assert torch.get_num_threads() == 1
        torch.set_num_threads(2)
        train(tmp_path / "data", tmp_path / "b", TrainConfig(steps=1, batch_size=2, threads=0), TINY)
        assert torch.get_num_threads() == 2
        with pytest.raises(ValueError, match="threads must be 0"):
            train(tmp_path / "data", tmp_path / "c", TrainConfig(steps=1, batch_size=2, threads=-1), TINY)
        train(tmp_path / "data", tmp_path / "d", TrainConfig(steps=1, batch_size=2, threads=2), TINY)
        torch.set_num_threads(1)
        train(tmp_path / "data", tmp_path / "d", TrainConfig(steps=2, batch_size=2), TINY, resume=True)
        assert torch.get_num_threads() == 2
        assert load_checkpoint(tmp_path / "d")[2]["train"]["train_config"]["threads"] == 2
    finally:
        torch.set_num_threads(previous)


def test_cpu_budget_stops_training_and_the_checkpoint_knows_its_seeds(tmp_path):
    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=12, seed_start=7)
    cfg = TrainConfig(steps=10**6, cpu_minutes=0.1, batch_size=2, threads=1)
    out = train(tmp_path / "data", tmp_path / "ck", cfg, TINY)
    assert 0 < out["steps"] < 10**6 and out["cpu_seconds"] > 0
    meta = load_checkpoint(tmp_path / "ck")[2]
    assert meta["train"]["seeds"] == [[7, 8]] and meta["train"]["cpu_seconds"] > 0
    assert (tmp_path / "ck" / "baselines.pt").exists()  # the no-camera contact baseline


def test_loss_has_the_planning_terms_and_they_train(tmp_path):
    make_synthetic_dataset(tmp_path, episodes=4, steps=30)
    data = load_episodes(tmp_path)
    torch.manual_seed(0)
    model = WorldModel(TINY)
    fit_normalisers(model, data)
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    sampler = WindowSampler(data, TINY.horizon, 16, seed=0)
    batch = sampler.sample()
    first = train_step(model, opt, batch, TrainConfig())
    for _ in range(60):
        last = train_step(model, opt, batch, TrainConfig())
    for term in ("contact", "terms", "displacement"):
        assert last[term] < first[term], term


def test_collect_then_eval_on_the_sim(tmp_path):
    """The in-process collector writes a valid dataset, eval-model refuses the training seeds and
    scores the checkpoint on held-out ones, with every key issue 11 names, and plots it."""
    from lecun_agent.learning.collect import CollectConfig, collect
    from lecun_agent.learning.evaluate import eval_checkpoint
    from lecun_agent.learning.plots import plot_contact_timeline, plot_eval, plot_paths
    from lecun_agent.learning.seeds import SeedOverlapError

    summary = collect(tmp_path / "data", CollectConfig(episodes=2, seed_start=123, episode_s=2.5))
    assert summary["transitions"] > 10 and summary["program"] == "mixed"
    collect(tmp_path / "heldout", CollectConfig(episodes=1, seed_start=125, episode_s=2.5))
    data = load_episodes(tmp_path / "data")
    assert data.images.shape[1:] == (64, 64, 3) and data.finite.all() and list(data.seeds) == [123, 124]
    train(tmp_path / "data", tmp_path / "ck", TrainConfig(steps=2, batch_size=4, threads=1), TINY)
    with pytest.raises(SeedOverlapError, match="123"):
        eval_checkpoint(tmp_path / "ck", 0, 0, horizon=4, data_dir=tmp_path / "data")
    details = {}
    res = eval_checkpoint(tmp_path / "ck", 0, 0, horizon=4, data_dir=tmp_path / "heldout", details=details)
    horizons = {"1", "2", "3", "4"}
    assert set(res["error_by_horizon"]) == horizons
    assert set(res["r2"]) == {"base_velocity", "tilt", "foot_force", "pain", "energy", "force"}
    for key in (
        "contact_auc",
        "contact_auc_baseline",
        "contact_positive_rate",
        "displacement_error_m",
        "displacement_error_command_m",
        "displacement_error_m_contact",
        "displacement_error_command_m_contact",
    ):
        assert set(res[key]) == horizons, key
    assert -1.0 <= res["uncertainty_error_spearman"] <= 1.0 and res["eval_seeds"] == [125]
    assert plot_eval(res, tmp_path / "eval.png").stat().st_size > 1000
    assert plot_contact_timeline(details, tmp_path / "contact.png").stat().st_size > 1000
    assert plot_paths(details, tmp_path / "paths.png").stat().st_size > 1000


def test_train_names_an_invalid_json_file(tmp_path, capsys):
    """'Expecting value: line 2 column 1' alone does not say which of the command's files is broken."""
    from lecun_agent.cli import main

    make_synthetic_dataset(tmp_path / "data", episodes=1, steps=12)
    (tmp_path / "config.json").write_text('{"latent_dim": 8,\n')
    argv = ["train", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "ck"), "--steps", "1"]
    assert main([*argv, "--config", str(tmp_path / "config.json")]) == 2
    assert f"error: {tmp_path / 'config.json'}: " in capsys.readouterr().err
    for config, said in [("[1, 2]", "a JSON object of WorldModelConfig fields is wanted, not a list"),
                         ('{"latent_dim": "abc"}', "world-model config key 'latent_dim': 'abc' is not of the type"),
                         ('{"bogus_key": 1}', "unknown world-model config keys: ['bogus_key']")]:
        (tmp_path / "config.json").write_text(config)
        assert main([*argv, "--config", str(tmp_path / "config.json")]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"lecun-agent train: error: {tmp_path / 'config.json'}: {said}") and err.count("\n") == 1
    (tmp_path / "data" / "spec.json").write_text("{\n\n")
    assert main(argv) == 2
    assert f"error: {tmp_path / 'data' / 'spec.json'}: " in capsys.readouterr().err


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


def test_resuming_on_data_of_another_step_length_is_refused(tmp_path):
    """A run trained on 0.1 s steps must not go on learning from 0.05 s ones: its dynamics would mix two rates."""
    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=12)
    train(tmp_path / "data", tmp_path / "ck", TrainConfig(steps=2, batch_size=2, threads=1), TINY)
    make_synthetic_dataset(tmp_path / "fast", episodes=2, steps=12)
    spec_file = tmp_path / "fast" / "spec.json"
    spec_file.write_text(json.dumps({**json.loads(spec_file.read_text()), "step_dt": 0.05}))
    before = {p.name: p.read_bytes() for p in (tmp_path / "ck").iterdir()}
    with pytest.raises(CheckpointError, match=r"steps of 0\.05 s, but .* was trained on steps of 0\.1 s"):
        train(tmp_path / "fast", tmp_path / "ck", TrainConfig(steps=4, batch_size=2, threads=1), resume=True)
    assert {p.name: p.read_bytes() for p in (tmp_path / "ck").iterdir()} == before


def test_ctrl_c_while_the_data_loads_exits_quietly_with_nothing_written(tmp_path, monkeypatch, capsys):
    """Before the first step there is nothing to save: one line and exit 130, not a traceback."""
    from lecun_agent.cli import main
    from lecun_agent.learning import train as train_module

    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=12)

    def loading(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "load_episodes", loading)
    assert main(["train", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "ck"), "--steps", "2"]) == 130
    assert capsys.readouterr().err.strip() == "lecun-agent train: interrupted"
    assert not (tmp_path / "ck").exists()


def test_sigterm_saves_the_run_where_it_stopped(tmp_path):
    """`timeout`, systemd and Slurm stop a run with SIGTERM, which ended it with the steps since the last checkpoint
    (every 500) lost: it saves as Ctrl-C does, and exits 143 (128 + 15)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=12)
    (tmp_path / "tiny.json").write_text(json.dumps(TINY.to_dict()))
    proc = subprocess.Popen(
        [sys.executable, "-m", "lecun_agent.cli", "train", "--data", str(tmp_path / "data"), "--out",
         str(tmp_path / "ck"), "--steps", "100000", "--batch-size", "2", "--config", str(tmp_path / "tiny.json")],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    try:
        metrics = tmp_path / "ck" / "metrics.csv"  # a row every 25 steps
        deadline = time.monotonic() + 60
        while not (metrics.exists() and metrics.read_text().count("\n") >= 2) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read()[-2000:]
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        err = proc.communicate(timeout=60)[1]
    finally:
        proc.kill()
    assert proc.returncode == 143, err[-2000:]
    steps = load_checkpoint(tmp_path / "ck")[2]["train"]["steps"]
    assert 25 <= steps < 500, steps
    assert f"terminated (SIGTERM) at step {steps}: saved to {tmp_path / 'ck'}" in err and "--resume" in err, err


def test_data_too_short_for_a_window_is_said_so_before_anything_is_written(tmp_path, capsys):
    """The contact baseline was fitted first and failed in numpy ("cannot reshape array of size 0"), leaving an
    empty --out behind."""
    from lecun_agent.cli import main

    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=3)
    (tmp_path / "tiny.json").write_text(json.dumps(TINY.to_dict()))
    argv = ["train", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "ck"), "--config",
            str(tmp_path / "tiny.json")]
    assert main(argv) == 2
    assert "error: no clean 5-step windows in the dataset (episodes too short?)" in capsys.readouterr().err
    assert not (tmp_path / "ck").exists()


def test_max_transitions_is_that_many_transitions(tmp_path):
    """--max-transitions 15 trained on the whole first episode (100 transitions, QA); the last episode is cut."""
    make_synthetic_dataset(tmp_path / "data", episodes=3, steps=12)
    data = load_episodes(tmp_path / "data", 15)
    assert (len(data), data.num_episodes, len(data.seeds)) == (15, 2, 2)
    assert len(load_episodes(tmp_path / "data", 5)) == 5 and len(load_episodes(tmp_path / "data", 99)) == 36
    train(tmp_path / "data", tmp_path / "ck", TrainConfig(steps=1, batch_size=2, threads=1, max_transitions=15), TINY)
    assert load_checkpoint(tmp_path / "ck")[2]["train"]["transitions"] == 15


def test_a_resume_with_nothing_to_train_says_so_and_the_summary_labels_this_run(tmp_path, caplog):
    """`train --resume --steps N` at or below the run's step did nothing and said nothing (samples_per_s 0.0 beside
    the run's cumulative steps and seconds)."""
    make_synthetic_dataset(tmp_path / "data", episodes=2, steps=12)
    cfg = TrainConfig(steps=3, batch_size=2, threads=1)
    first = train(tmp_path / "data", tmp_path / "ck", cfg, TINY)
    assert (first["steps"], first["steps_this_run"]) == (3, 3) and first["samples_per_s_this_run"] > 0
    again = train(tmp_path / "data", tmp_path / "ck", TrainConfig(steps=2, batch_size=2, threads=1), resume=True)
    assert (again["steps"], again["steps_this_run"], again["samples_per_s_this_run"]) == (3, 0, 0.0)
    assert "the run is at step 3 already, and --steps 2 is where it stops: nothing to train" in caplog.text
    assert "samples_per_s" not in again
