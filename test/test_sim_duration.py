"""`lecun-agent sim --duration S` with an agent: the goal episode's time limit, as for a program the run's length.
It used to be read for programs only, so a goal episode ran its full 40 s whatever was asked."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.ros


def test_duration_limits_a_goal_episode(tmp_path):
    out = tmp_path / "short"
    done = subprocess.run([sys.executable, "-m", "lecun_agent.cli", "sim", "--agent", "straight", "--seed", "7",
                           "--duration", "1.5", "--no-record-video", "--out", str(out)], env=dict(os.environ),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["ended_by"] == "time_limit" and abs(metrics["sim_seconds"] - 1.5) < 0.05, metrics
