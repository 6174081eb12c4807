"""`lecun-agent faults --resume`: a table run that stopped (Ctrl-C, a middleware that hung in teardown) goes
on from its rows.jsonl; the rows kept are not run again and the table has every fault, in catalog order.
And a run whose stack did not start is started again instead of ending the table."""

from __future__ import annotations

import argparse
import json

import pytest

from lecun_agent.cli import faults as cli
from lecun_agent.faults import harness
from lecun_agent.faults.catalog import faults_for


def row(name: str, wall_s: float = 10.0) -> dict:
    return {"fault": name, "kind": "silence", "expect": "none", "reaction_s": None, "bound_s": None,
            "max_tilt_deg": 5.0, "falls": 0, "collisions": 0, "unsafe_cmds": 0, "recovered": "yes (never stopped)",
            "ok": True, "wall_s": wall_s, "start_retries": 0}


def test_resume_runs_only_the_faults_without_a_row_and_keeps_the_rest(tmp_path, monkeypatch):
    every = faults_for("straight")
    kept = [row(f.name) for f in every[:3]]
    (tmp_path / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in kept) + '{"fault": "cut sh')
    ran = []

    def fake_run_faults(faults, out, rows_path, short_waits, agent):
        ran.extend(f.name for f in faults)
        return [row(f.name, 1.0) for f in faults]

    monkeypatch.setattr(harness, "run_faults", fake_run_faults)
    monkeypatch.setattr(cli, "isolate", lambda: None)
    args = argparse.Namespace(agent="straight", list=False, fast=False, only=None, rejudge=False, resume=True,
                              out=tmp_path, default_waits=False, write_docs=False)
    assert cli._run(args) == 0
    assert ran == [f.name for f in every[3:]]  # the line cut short by the crash runs again
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["faults"] == len(every) and summary["ok"] == len(every)
    assert summary["wall_s"] >= 30  # the kept rows' wall time counts
    table = (tmp_path / "table.md").read_text().splitlines()[2:]
    assert [line.split(" | ")[0].lstrip("| ") for line in table] == [f.name for f in every]


def test_a_run_that_did_not_start_is_started_again_and_counted(tmp_path, monkeypatch):
    """A node that crashed before the first step (EpisodeNotStarted) costs one attempt, not the whole table."""
    fault = faults_for("straight")[0]
    calls = []

    def fake_run_once(fault, out, short_waits, agent, retries):
        calls.append(retries)
        out.mkdir(parents=True)
        if retries == 0:
            raise harness.EpisodeNotStarted("the episode did not start: cost_node exited with code -11")
        return {**row(fault.name), "walked_before_fault": True, "start_retries": retries}

    monkeypatch.setattr(harness, "_run_once", fake_run_once)
    out = tmp_path / fault.slug
    got = harness.run_fault(fault, out)
    assert calls == [0, 1] and got["start_retries"] == 1 and got["ok"]
    assert (tmp_path / f"{fault.slug}.attempt1").is_dir()  # the failed start's logs are kept


def test_a_run_that_never_starts_is_raised_after_every_attempt(tmp_path, monkeypatch):
    fault = faults_for("straight")[0]

    def never(fault, out, short_waits, agent, retries):
        raise harness.EpisodeNotStarted("the episode did not start")

    monkeypatch.setattr(harness, "_run_once", never)
    with pytest.raises(harness.EpisodeNotStarted):
        harness.run_fault(fault, tmp_path / fault.slug)
