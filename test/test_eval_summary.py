"""`lecun-agent eval`'s summary and table from episode rows: the interface keys, split by blocked line."""

from __future__ import annotations

import json

import pytest

from lecun_agent.cli import main
from lecun_agent.stack import evaluate
from lecun_agent.stack.evaluate import markdown_table, summarize


def row(seed: int, success: bool, blocked: bool, **over) -> dict:
    base = {"seed": seed, "success": success, "ended_by": "success" if success else "time_limit",
            "line_blocked": blocked, "falls": 0, "collisions": 1, "time_to_goal_s": 5.0 if success else None,
            "energy_per_meter": 120.0, "mean_power_w": 60.0 + seed,
            "guardrail_interventions": {"clamp:acceleration": 2},
            "sync_timeouts": 0, "plan_ms_p50": 30.0 + seed, "plan_ms_p99": 40.0 + seed, "deadline_misses": seed,
            "detours": seed % 2, "plan_vetoes": 1, "vetoes_then_fall": 0}
    return {**base, **over}


def test_summary_holds_the_interface_keys_and_the_planner_numbers():
    rows = [row(0, True, False), row(1, False, True, falls=1, plan_vetoes=2, vetoes_then_fall=1),
            row(2, True, True)]
    s = summarize("full", rows)
    assert s["success_rate"] == 2 / 3 and s["success_rate_blocked"] == 0.5 and s["success_rate_free"] == 1.0
    assert (s["falls"], s["collisions"], s["mean_time_to_goal_s"]) == (1, 3, 5.0)
    assert s["guardrail_interventions"] == {"clamp:acceleration": 6}
    assert (s["plan_ms_p50"], s["plan_ms_p99"]) == (31.0, 42.0)  # median of medians, worst p99
    assert s["mean_power_w"] == 61.0
    assert (s["deadline_misses"], s["detours"], s["plan_vetoes"], s["vetoes_then_fall"]) == (3, 1, 4, 1)
    table = markdown_table(s)
    assert "detours 1, plan vetoes 4 (followed by a fall within 1 s: 1)" in table
    assert "energy 120.0 J/m (61.0 W)" in table
    assert table.count("\n| ") == 1 + len(rows)  # header + one line per episode


def test_an_agent_that_does_not_plan_reports_no_plan_numbers():
    rows = [row(0, True, False, plan_ms_p50=None, plan_ms_p99=None, deadline_misses=0, plan_vetoes=0)]
    s = summarize("straight", rows)
    assert s["plan_ms_p50"] is None and s["plan_vetoes"] == 0
    assert "plan time" not in markdown_table(s)


def episode_commands(monkeypatch) -> list[list[str]]:
    """The `lecun-agent sim` command of every episode the eval runs from now on (each answered with a success)."""
    commands: list[list[str]] = []

    def fake_row(cmd, env, seed, out, procs=None):
        commands.append(cmd)
        return row(seed, True, False)

    monkeypatch.setattr(evaluate, "episode_row", fake_row)
    return commands


@pytest.mark.parametrize(("flag", "value", "key", "default"), [("--arena", "corridor", "arena", "goal"),
                                                          ("--profile", "dense_goals", "profile", "")])
def test_eval_runs_every_episode_in_the_arena_or_profile_asked_for(tmp_path, monkeypatch, flag, value, key, default):
    """`lecun-agent eval --arena corridor` or `--profile dense_goals` (another arena through the same nodes): each
    episode's `lecun-agent sim` gets it, the summary says it."""
    commands = episode_commands(monkeypatch)
    summary_file = tmp_path / "eval.json"
    assert main(["eval", "--agent", "straight", "--episodes", "2", flag, value, "--json", str(summary_file)]) == 0
    assert len(commands) == 2 and all(c[c.index(flag) + 1] == value for c in commands)
    assert json.loads(summary_file.read_text())[key] == value
    plain_file = tmp_path / "plain.json"
    main(["eval", "--agent", "straight", "--episodes", "1", "--json", str(plain_file)])
    assert flag not in commands[-1] and json.loads(plain_file.read_text())[key] == default


def test_an_eval_profile_is_named_in_the_table_a_path_passed_whole_a_missing_one_refused(tmp_path, monkeypatch,
                                                                                           capsys):
    """A profile path reaches every episode as an absolute path; a profile that does not exist stops the eval
    before any episode runs."""
    commands = episode_commands(monkeypatch)
    assert main(["eval", "--agent", "straight", "--episodes", "1", "--profile", "dense_goals",
                 "--json", str(tmp_path / "eval.json")]) == 0
    assert (tmp_path / "eval.md").read_text().startswith("**straight** (lock-step, profile dense_goals)")
    own = tmp_path / "mine.yaml"
    own.write_text("/**/sim_node:\n  ros__parameters:\n    arena:\n      size_m: 12.0\n")
    monkeypatch.chdir(tmp_path)
    assert main(["eval", "--agent", "straight", "--episodes", "1", "--profile", "mine.yaml",
                 "--json", str(tmp_path / "mine_eval.json")]) == 0
    assert commands[-1][commands[-1].index("--profile") + 1] == str(own.resolve())
    assert main(["eval", "--agent", "straight", "--episodes", "1", "--profile", "no_such_profile",
                 "--json", str(tmp_path / "missing_eval.json")]) == 2
    assert "no profile 'no_such_profile'" in capsys.readouterr().err and len(commands) == 2


def test_a_results_name_without_json_or_with_a_dot_keeps_every_file_apart(tmp_path, monkeypatch):
    """`--json runs/energy_0.005` (no .json, a dot in the name): the summary, rows and table go beside the
    episodes' folder under that whole name. The summary once went to the episodes' folder itself and the run
    ended in IsADirectoryError after every episode had run; a dot cut the name short."""
    monkeypatch.setattr(evaluate, "episode_row", lambda cmd, env, seed, out, procs=None: row(seed, True, False))
    for given in ("energy_0.005", "energy_0.02.json"):
        assert main(["eval", "--agent", "straight", "--episodes", "2", "--json", str(tmp_path / given)]) == 0
    for name in ("energy_0.005", "energy_0.02"):
        assert json.loads((tmp_path / f"{name}.json").read_text())["episodes"] == 2
        assert len((tmp_path / f"{name}.jsonl").read_text().splitlines()) == 2
        assert (tmp_path / f"{name}.md").read_text().startswith("**straight**")


def test_an_eval_never_overwrites_an_earlier_evals_results(tmp_path, monkeypatch, capsys):
    commands = episode_commands(monkeypatch)
    summary_file = tmp_path / "eval.json"
    assert main(["eval", "--agent", "straight", "--episodes", "1", "--json", str(summary_file)]) == 0
    before = summary_file.read_text()
    assert main(["eval", "--agent", "straight", "--episodes", "1", "--json", str(summary_file)]) == 2
    assert "hold(s) an earlier eval's results" in capsys.readouterr().err
    assert summary_file.read_text() == before and len(commands) == 1


def test_an_eval_whose_stack_refuses_its_parameters_stops_at_the_first_refusal(tmp_path, monkeypatch, capsys):
    """A profile with a parameter a node refuses: every episode would be refused, so the eval stops with the
    node's reason and exit 2 (before, each seed was started three times and the eval exited 0 at success 0)."""
    said = "lecun-agent sim: error: cost_node refused to start: cost_node: cannot start: unknown parameters"
    seeds: list[int] = []

    def refused_row(cmd, env, seed, out, procs=None):
        seeds.append(seed)
        return {"seed": seed, "success": False, "ended_by": evaluate.REFUSED_ROW, "error": said, "wall_s": 1.0}

    monkeypatch.setattr(evaluate, "episode_row", refused_row)
    assert main(["eval", "--agent", "straight", "--episodes", "6", "--workers", "1",
                 "--json", str(tmp_path / "eval.json")]) == 2
    assert seeds == [0] and said in capsys.readouterr().err
    assert json.loads((tmp_path / "eval.json").read_text())["episodes_failed_to_run"] == 1


def test_an_eval_in_which_no_episode_ran_exits_1_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(evaluate, "episode_row", lambda cmd, env, seed, out, procs=None: {
        "seed": seed, "success": False, "ended_by": "error (did not start)", "error": "x", "wall_s": 1.0})
    assert main(["eval", "--agent", "straight", "--episodes", "2", "--json", str(tmp_path / "eval.json")]) == 1
    assert "no episode ran" in capsys.readouterr().err
    assert "**episodes that did not run 2**" in (tmp_path / "eval.md").read_text()


def test_an_eval_with_a_profile_sim_node_would_refuse_stops_before_any_episode(tmp_path, monkeypatch, capsys):
    commands = episode_commands(monkeypatch)
    own = tmp_path / "mine.yaml"
    own.write_text("/**/sim_node:\n  ros__parameters:\n    arena:\n      size_m: abc\n")
    assert main(["eval", "--agent", "straight", "--episodes", "1", "--profile", str(own),
                 "--json", str(tmp_path / "eval.json")]) == 2
    assert "arena.size_m: 'abc'" in capsys.readouterr().err and commands == []


def test_eval_passes_its_checkpoint_to_every_episode_and_names_the_one_they_loaded(tmp_path, monkeypatch):
    """`eval --checkpoint DIR` (docs/world_model.md passes the chosen checkpoint to sim, eval and up; eval had no such
    flag): each episode's `sim` gets the directory as an absolute path, and the summary and table name the model the
    episodes' metrics say they loaded."""
    from lecun_agent.paths import default_checkpoint_dir

    commands = episode_commands(monkeypatch)
    loaded = str(default_checkpoint_dir().resolve())
    monkeypatch.setattr(evaluate, "episode_row", lambda cmd, *a, **k: commands.append(cmd) or row(0, True, False,
                                                                                                   checkpoint=loaded))
    monkeypatch.chdir(default_checkpoint_dir().parent)
    assert main(["eval", "--agent", "straight", "--episodes", "1", "--checkpoint", "default",
                 "--json", str(tmp_path / "eval.json")]) == 0
    assert commands[-1][commands[-1].index("--checkpoint") + 1] == loaded
    assert json.loads((tmp_path / "eval.json").read_text())["checkpoint"] == loaded
    assert f"checkpoint {loaded})" in (tmp_path / "eval.md").read_text()
