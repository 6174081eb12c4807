"""`lecun-agent select`: checkpoints ranked by the full agent's validation goal episodes."""

from __future__ import annotations

import json
import shutil

from lecun_agent.cli import main
from lecun_agent.learning.select_checkpoint import CandidateScore, rank
from lecun_agent.paths import default_checkpoint_dir


def _score(name: str, goals: int, falls: int, touches: int) -> CandidateScore:
    return CandidateScore(name, 100, goals, falls, touches, 0, [])


def test_falls_rank_first_then_touches_among_those_reaching_about_as_many_goals():
    scores = [
        _score("falls-once", 99, 1, 10),
        _score("touchy", 95, 0, 500),
        _score("careful", 93, 0, 250),  # within 2 goals of the best: fewer touches wins
        _score("timid", 80, 0, 5),  # fewest touches, but gives up goals for them
    ]
    assert [s.checkpoint for s in rank(scores, goal_slack=2)] == ["careful", "touchy", "timid", "falls-once"]
    assert [s.checkpoint for s in rank(scores, goal_slack=0)][0] == "touchy"
    assert [s.checkpoint for s in rank(scores, goal_slack=20)][0] == "timid"


def test_select_runs_each_checkpoints_agent_on_the_same_seeds_and_keeps_every_row(tmp_path, capsys):
    shipped = default_checkpoint_dir()
    copy = tmp_path / "copy"
    shutil.copytree(shipped, copy)
    out = tmp_path / "select.json"
    assert main(["select", str(shipped), str(copy), "--episodes", "1", "--seed-start", "0",
                 "--workers", "2", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    rows = [c["rows"] for c in result["ranked"]]
    assert [r["seed"] for r in rows[0]] == [0]
    assert rows[0] == rows[1]  # the same weights, the same episode, in two processes
    assert rows[0][0]["success"] and rows[0][0]["falls"] == 0  # seed 0: a free line the agent walks
    assert result["selected"] in (str(shipped), str(copy))
    assert f"selected: {result['selected']}" in capsys.readouterr().out


def test_a_checkpoint_that_does_not_load_is_an_error_before_any_episode(tmp_path, capsys):
    assert main(["select", str(default_checkpoint_dir()), str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "missing" in err and "not found" in err
    assert main(["select", str(default_checkpoint_dir()), str(default_checkpoint_dir())]) == 2
    assert "named twice" in capsys.readouterr().err


def test_a_checkpoint_without_its_mode1_or_search_models_is_an_error_not_a_different_agent(tmp_path, capsys):
    bare = tmp_path / "bare"
    shutil.copytree(default_checkpoint_dir(), bare)
    (bare / "mode1.pt").unlink()
    assert main(["select", str(default_checkpoint_dir()), str(bare)]) == 2
    err = capsys.readouterr().err
    assert str(bare) in err and "mode1.pt" in err and "planning_heads.pt" not in err and "distill" in err
    (bare / "planning_heads.pt").unlink()
    (bare / "planning_dynamics.pt").unlink()
    assert main(["select", str(bare)]) == 2
    assert "no mode1.pt or planning_heads.pt or planning_dynamics.pt" in capsys.readouterr().err
