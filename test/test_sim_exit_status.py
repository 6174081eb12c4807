"""`lecun-agent sim`'s exit status says whether its metrics describe a whole episode: a goal episode that
stopped before success, a fall or its time limit exited 0 with metrics of 0.4 s (QA, 2026-12-07)."""

from __future__ import annotations

import os
import sys

import pytest

from lecun_agent.cli import main
from lecun_agent.stack import episode


def metrics(**values) -> dict:
    return {"success": False, "ended_by": "time_limit", "sim_seconds": 40.0, "crashed_nodes": [], **values}


@pytest.mark.parametrize("ran, status, said", [
    (metrics(success=True, ended_by="success", sim_seconds=5.4), 0, None),
    (metrics(), 0, None),  # a failed episode is a result, not an error
    (metrics(ended_by="fall", sim_seconds=3.0), 0, None),
    (metrics(ended_by=None, sim_seconds=0.4), 1, "the episode stopped at 0.40 s of sim time before success"),
    (metrics(ended_by=None, sim_seconds=0.4, crashed_nodes=["cost_node"]), 1, None),  # the runner named the crash
    ({"distance_m": 1.2, "sim_seconds": 10.0, "crashed_nodes": []}, 0, None),  # a program run has no ending
    (metrics(ended_by=None, sim_seconds=1.28, interrupted=True), 130, "interrupted at 1.28 s of sim time"),
])
def test_sim_exits_non_zero_only_when_the_run_did_not_finish_an_episode(tmp_path, monkeypatch, capsys,
                                                                        ran, status, said):
    monkeypatch.setattr(episode, "run_episode", lambda *a, **k: ran)
    assert main(["sim", "--out", str(tmp_path / "run"), "--no-record-video"]) == status
    err = capsys.readouterr().err
    assert (said in err) if said else "error" not in err, err


@pytest.mark.parametrize("factor, said", [(0.8, "realtime_factor: 0.80 sim s per wall s (below 0.9: this machine"),
                                           (0.97, "realtime_factor: 0.97 sim s per wall s\n")])
def test_a_real_time_run_says_how_close_to_the_wall_clock_it_ran(tmp_path, monkeypatch, capsys, factor, said):
    """QA (2026-12-08): a run at 0.8x the wall clock read as a plain success; only /diagnostics said it was slow."""
    monkeypatch.setattr(episode, "run_episode", lambda *a, **k: metrics(success=True, realtime_factor=factor))
    assert main(["sim", "--realtime", "--out", str(tmp_path / "run")]) == 0
    assert said in capsys.readouterr().out


def test_sim_never_writes_beside_another_runs_files(tmp_path, monkeypatch, capsys):
    """QA (2026-12-08): a run stopped by a second Ctrl-C leaves its video and no metrics.json; the next `sim`
    into that folder wrote its metrics beside the other episode's video."""
    monkeypatch.setattr(episode, "run_episode", lambda *a, **k: pytest.fail("an episode ran"))
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "video.mp4").write_bytes(b"another episode")
    assert main(["sim", "--out", str(tmp_path / "run")]) == 2
    assert "is not empty (video.mp4; no metrics.json: a run that stopped before its end" in capsys.readouterr().err


def test_an_eval_counts_an_episode_that_stopped_before_an_ending_as_one_that_did_not_run(tmp_path):
    from lecun_agent.stack.evaluate import STOPPED_EARLY_ROW, episode_row

    out = tmp_path / "seed_000003"
    write = (f"import json, pathlib; pathlib.Path({str(out)!r}, 'metrics.json').write_text(json.dumps("
             "{'success': False, 'ended_by': None, 'sim_seconds': 0.4})); raise SystemExit(1)")
    row = episode_row([sys.executable, "-c", write], {**os.environ, "ROS_DOMAIN_ID": "0"}, 3, out)
    assert row["ended_by"] == STOPPED_EARLY_ROW and row["success"] is False and row["sim_seconds"] == 0.4


def test_an_eval_episode_runs_sim_in_the_folder_that_holds_the_runner_s_own_log(tmp_path):
    """Found running `lecun-agent eval --realtime` (2026-12-08): eval's runner opens episode.log in the episode's
    folder and runs `sim --out` there, and sim refused every episode as 'not empty'. The real sim CLI runs here,
    in a process of its own, with only the episode itself stood in for; a failed start's files are kept too."""
    from lecun_agent.stack.evaluate import episode_row

    out = tmp_path / "seed_000003"
    out.mkdir()
    (out / "episode.attempt1.log").write_text("an earlier start")
    (out / "logs.attempt1").mkdir()
    sim = ("import json, sys; from lecun_agent.cli import main; from lecun_agent.stack import episode; "
           "episode.run_episode = lambda out, *a, **k: (out.mkdir(parents=True, exist_ok=True), "
           "(out / 'metrics.json').write_text(json.dumps(m := {'success': True, 'ended_by': 'success', "
           "'sim_seconds': 5.0, 'crashed_nodes': []})))[-1] and m; "
           f"sys.exit(main(['sim', '--seed', '3', '--out', {str(out)!r}, '--no-record-video']))")
    row = episode_row([sys.executable, "-c", sim], {**os.environ, "ROS_DOMAIN_ID": "0"}, 3, out)
    assert row["success"] is True and row["ended_by"] == "success", (out / "episode.log").read_text()


def test_sim_still_refuses_a_folder_with_another_run_s_files_beside_the_runner_s_log(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(episode, "run_episode", lambda *a, **k: pytest.fail("an episode ran"))
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "episode.log").write_text("the runner's")
    (tmp_path / "run" / "video.mp4").write_bytes(b"another episode")
    assert main(["sim", "--out", str(tmp_path / "run")]) == 2
    assert "is not empty (video.mp4;" in capsys.readouterr().err
