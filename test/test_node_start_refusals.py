"""A node started with parameters it cannot take says why in one line and exits 2, without a traceback.

Started as `ros2 run` starts it (the node's own main), with the `-p` overrides a user or a launch
file passes: a value out of range, an integer where a double belongs, a name the node lacks.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.ros
REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("override", "said"), [
    ("weights.energy:=-1.0", "out of range Min: 0.0"),
    ("weights.energy:=1", "1 is an integer, 1.0 a double"),
    ("weights.enrgy:=1.0", "unknown parameters ['weights.enrgy']"),
], ids=["range", "integer", "unknown"])
def test_a_node_refuses_bad_parameters_in_one_line(override, said):
    proc = subprocess.run([sys.executable, "-m", "lecun_agent.nodes.cost_node", "--ros-args", "-p", override],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 2, proc.stderr[-800:]
    assert "Traceback" not in proc.stderr, proc.stderr[-800:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("cost_node: cannot start: ") and said in last, last
