"""`lecun-agent eval` as a user runs it: one real episode through the ROS stack, in its own process.

Every other eval test stands in for the episode process; so when `sim` began refusing the folder eval's runner
had opened its log in (2026-12-08), every eval stopped at its first episode and the default suite stayed green.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.ros


def test_an_eval_of_one_episode_runs_it_and_writes_its_row_and_summary(tmp_path):
    result = tmp_path / "eval.json"
    done = subprocess.run([sys.executable, "-m", "lecun_agent.cli", "eval", "--episodes", "1", "--seed-start", "0",
                           "--json", str(result)], capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    summary = json.loads(result.read_text())
    (row,) = [json.loads(line) for line in result.with_suffix(".jsonl").read_text().splitlines()]
    assert row["seed"] == 0 and row["success"] is True and row["falls"] == 0, row
    assert summary["episodes"] == 1 and summary["success_rate"] == 1.0, summary
