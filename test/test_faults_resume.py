"""`lecun-agent faults --resume`: a table run that stopped (Ctrl-C, a middleware that hung in teardown) goes
on from its rows.jsonl; the rows kept are not run again and the table has every fault, in catalog order."""

from __future__ import annotations

import argparse
import json

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
