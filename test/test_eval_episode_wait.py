"""`lecun-agent eval` waits for each episode process: an exit is its answer, and one stuck in its teardown
after writing its metrics (a Fast DDS shutdown deadlock was seen once) is killed instead of hanging the eval.
An episode that did not start (a node crashed before the first sim step) is started again, its logs kept."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lecun_agent.cli import main
from lecun_agent.stack import episode
from lecun_agent.stack.evaluate import (
    NOT_STARTED_EXIT,
    REFUSED_ROW,
    START_ATTEMPTS,
    episode_row,
    summarize,
    wait_for_episode,
)
from lecun_agent.stack.exit_codes import REFUSED_START, StartRefused


def python(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code])


def test_an_exit_is_returned_as_it_is(tmp_path):
    proc = python("import sys; sys.exit(3)")
    assert wait_for_episode(proc, tmp_path / "metrics.json", grace_s=0.5, poll_s=0.05) == 3


def test_a_process_stuck_after_writing_its_metrics_is_killed_and_counts_as_finished(tmp_path):
    metrics = tmp_path / "metrics.json"
    proc = python(f"import pathlib, time; pathlib.Path({str(metrics)!r}).write_text('{{}}'); time.sleep(600)")
    assert wait_for_episode(proc, metrics, grace_s=0.5, poll_s=0.05) == 0
    assert proc.returncode is not None and proc.returncode < 0  # it was killed, not left running


def test_a_long_episode_without_metrics_is_waited_for(tmp_path):
    proc = python("import time; time.sleep(1.5)")  # longer than the grace: still not killed
    assert wait_for_episode(proc, tmp_path / "metrics.json", grace_s=0.2, poll_s=0.05) == 0
    assert proc.returncode == 0


def fake_episode(out, fails: int) -> list[str]:
    """A command that, like `lecun-agent sim`, says the episode did not start on its first `fails` runs (each
    writing a node log first), then writes its metrics and exits 0."""
    code = f"""
import json, pathlib, sys
out = pathlib.Path({str(out)!r})
runs = out / "runs"
n = int(runs.read_text()) + 1 if runs.exists() else 1
runs.write_text(str(n))
(out / "logs").mkdir(exist_ok=True)
(out / "logs" / "cost_node.log").write_text(f"run {{n}}")
print(f"run {{n}}")
if n <= {fails}:
    sys.exit({NOT_STARTED_EXIT})
(out / "metrics.json").write_text(json.dumps({{"success": True, "ended_by": "success", "collisions": 0}}))
"""
    return [sys.executable, "-c", code]


def test_an_episode_that_did_not_start_is_started_again_and_its_logs_kept(tmp_path):
    row = episode_row(fake_episode(tmp_path, fails=1), {}, 7, tmp_path)
    assert (row["success"], row["ended_by"], row["start_retries"]) == (True, "success", 1)
    assert (tmp_path / "episode.attempt1.log").read_text().strip() == "run 1"
    assert (tmp_path / "logs.attempt1" / "cost_node.log").read_text() == "run 1"
    assert (tmp_path / "logs" / "cost_node.log").read_text() == "run 2"
    assert summarize("full", [row])["start_retries"] == 1


def test_an_episode_that_never_starts_is_a_failed_row_after_the_last_attempt(tmp_path):
    row = episode_row(fake_episode(tmp_path, fails=START_ATTEMPTS), {}, 7, tmp_path)
    assert (row["success"], row["ended_by"], row["start_retries"]) == (False, "error (did not start)",
                                                                      START_ATTEMPTS - 1)
    assert (tmp_path / "runs").read_text() == str(START_ATTEMPTS)


COUNTED_EXIT = ("import pathlib, sys; p = pathlib.Path(sys.argv[1]); p.write_text(p.read_text() + 'x') if p.exists() "
                "else p.write_text('x'); print('lecun-agent sim: error: ' + sys.argv[3]); sys.exit(int(sys.argv[2]))")


def test_a_crash_after_the_start_is_not_run_again(tmp_path):
    row = episode_row([sys.executable, "-c", COUNTED_EXIT, str(tmp_path / "runs"), "3", "boom"], {}, 7, tmp_path)
    assert (row["ended_by"], row["start_retries"]) == ("error (exit 3)", 0)
    assert row["error"] == "lecun-agent sim: error: boom"
    assert (tmp_path / "runs").read_text() == "x"


def test_a_stack_that_refused_its_parameters_is_a_refused_row_not_run_again(tmp_path):
    row = episode_row([sys.executable, "-c", COUNTED_EXIT, str(tmp_path / "runs"), str(REFUSED_START),
                       "cost_node refused to start"], {}, 7, tmp_path)
    assert (row["ended_by"], row["start_retries"]) == (REFUSED_ROW, 0)
    assert row["error"].endswith("cost_node refused to start") and (tmp_path / "runs").read_text() == "x"


def test_lecun_agent_sim_exits_not_started_when_no_step_ran(tmp_path, monkeypatch, capsys):
    def not_started(*_args, **_kwargs):
        raise episode.EpisodeNotStarted("the episode did not start: cost_node exited with code -11")

    monkeypatch.setattr(episode, "run_episode", not_started)
    assert main(["sim", "--seed", "3", "--out", str(tmp_path), "--no-record-video"]) == NOT_STARTED_EXIT
    assert "cost_node exited with code -11" in capsys.readouterr().err


def test_lecun_agent_sim_exits_2_without_a_retry_hint_when_a_node_refused_its_parameters(tmp_path, monkeypatch,
                                                                                        capsys):
    def refused(*_args, **_kwargs):
        raise StartRefused("cost_node refused to start: cost_node: cannot start: unknown parameters ['x']")

    monkeypatch.setattr(episode, "run_episode", refused)
    assert main(["sim", "--seed", "3", "--out", str(tmp_path), "--no-record-video"]) == REFUSED_START
    err = capsys.readouterr().err
    assert "cannot start: unknown parameters ['x']" in err and "run again" not in err


def test_lecun_agent_sim_never_overwrites_a_finished_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(episode, "run_episode", lambda *a, **k: pytest.fail("an episode ran into a finished run"))
    (tmp_path / "metrics.json").write_text("{}")
    assert main(["sim", "--seed", "3", "--out", str(tmp_path), "--no-record-video"]) == 2
    assert "holds a finished run" in capsys.readouterr().err and (tmp_path / "metrics.json").read_text() == "{}"
