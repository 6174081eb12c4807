"""A node started with parameters it cannot take says why in one line and exits 2, without a traceback.

Started as `ros2 run` starts it (the node's own main), with the `-p` overrides a user or a launch
file passes: a value out of range, a string where a double belongs, a name the node lacks, settings each
in range that do not go together (an arena too small for its goal distance), a checkpoint whose files
do not load.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lecun_agent.paths import default_checkpoint_dir

pytestmark = pytest.mark.ros
REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("node", "overrides", "said"), [
    ("cost_node", ["weights.energy:=-1.0"], "out of range Min: 0.0"),
    ("cost_node", ["weights.energy:=high"], "only an integer is taken for a double"),
    ("cost_node", ["weights.energy:=-1"], "out of range Min: 0.0"),  # an integer is taken as its double
    ("cost_node", ["weights.enrgy:=1.0"], "unknown parameters ['weights.enrgy'] in the params file or launch "
                                          "overrides; did you mean ['weights.energy']?"),
    ("sim_node", ["arena.layout:=goal", "arena.size_m:=4.0"], "no room for a goal 3.0-5.0 m"),
    ("sim_node", ["arena.layout:=goal", "arena.goal_obstacles_min:=8"], "goal_obstacles_min 8 is above"),
    ("sim_node", ["physics_hz:=251.0"], "physics_hz 251.0 is not a multiple of control_hz 50.0"),
], ids=["range", "type", "integer-range", "unknown", "arena-too-small", "arena-min-above-max", "physics-rate"])
def test_a_node_refuses_bad_parameters_in_one_line(node, overrides, said):
    args = [a for override in overrides for a in ("-p", override)]
    proc = subprocess.run([sys.executable, "-m", f"lecun_agent.nodes.{node}", "--ros-args", *args],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 2, proc.stderr[-800:]
    assert "Traceback" not in proc.stderr, proc.stderr[-800:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"{node}: cannot start: ") and said in last, last


@pytest.mark.parametrize(("ros_args", "said"), [
    (["--params-file", "{bad}"], "Couldn't parse params file"),
    (["--params-file", "{missing}"], "Error opening YAML file"),
    (["-p", "weights.energy"], "Couldn't parse parameter override rule: '-p weights.energy'"),
], ids=["bad-yaml", "missing-file", "no-value"])
def test_ros_arguments_rcl_cannot_parse_are_a_one_line_refusal(tmp_path, ros_args, said):
    """rcl refuses these in rclpy.init, before any node exists: that was a 19-line RCLError traceback."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("/**/cost_node:\n  ros__parameters:\n    weights: [energy: 1\n")
    args = [a.format(bad=bad, missing=tmp_path / "missing.yaml") for a in ros_args]
    proc = subprocess.run([sys.executable, "-m", "lecun_agent.nodes.cost_node", "--ros-args", *args],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-800:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("cost_node: cannot start: the ROS arguments do not parse: ") and said in last, last
    assert "/project/src" not in last  # rcl's C source locations are left out


@pytest.mark.parametrize(("node", "damaged"), [("world_model_node", "model.pt"), ("actor_node", "mode1.pt")])
def test_a_node_refuses_a_checkpoint_that_does_not_load_in_one_line(tmp_path, node, damaged):
    """Not "checkpoint rejected, keeping the running weights": at start nothing runs yet."""
    for name in ("meta.json", "model.pt"):
        shutil.copy(default_checkpoint_dir() / name, tmp_path / name)
    (tmp_path / damaged).write_text("x\n")
    proc = subprocess.run([sys.executable, "-m", f"lecun_agent.nodes.{node}", "--ros-args", "-p",
                           f"checkpoint:={tmp_path}"], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 2, proc.stderr[-800:]
    assert "Traceback" not in proc.stderr and "keeping the running weights" not in proc.stderr, proc.stderr[-800:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"{node}: cannot start: {tmp_path / damaged} is not a file this project wrote"), last


def test_an_integer_for_a_double_starts_the_node_with_that_double():
    """`-p weights.energy:=1` (or `weights.energy: 1` in a params file) means 1.0, not a refusal."""
    command = [sys.executable, "-m", "lecun_agent.nodes.cost_node", "--ros-args", "-p", "weights.energy:=1"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        started, deadline = b"", time.monotonic() + 120
        while b"ready:" not in started and time.monotonic() < deadline and proc.poll() is None:
            if select.select([proc.stdout], [], [], 1.0)[0]:
                started += os.read(proc.stdout.fileno(), 65536)
        text = started.decode(errors="replace")
        assert "ready:" in text, text[-800:]
        assert "'energy': 1.0" in text, text[-800:]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
