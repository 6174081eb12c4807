"""The 30-minute real-time soak (issue 13): RSS of every node grows < 5% from minute 5 to minute 30.

Outside the default suite (`-m soak`, about 31 minutes of wall time). It runs benchmarks/soak.py,
which writes its result file; the committed one is docs/soak/<date>.json (+ .png).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.soak, pytest.mark.ros, pytest.mark.timeout(45 * 60)]
REPO = Path(__file__).resolve().parents[1]


def test_rss_grows_less_than_five_percent_in_thirty_minutes(tmp_path):
    subprocess.run([sys.executable, str(REPO / "benchmarks/soak.py"), "--minutes", "30", "--out", str(tmp_path),
                    "--logs", str(tmp_path / "logs")], check=True, cwd=REPO)
    result = json.loads(next(tmp_path.glob("*.json")).read_text())
    growth = {name: s["growth_pct"] for name, s in result["summary"].items()}
    assert all(g < 5.0 for g in growth.values()), growth
    assert not result["respawns"], result["respawns"]
