"""`lecun-agent eval` waits for each episode process: an exit is its answer, and one stuck in its teardown
after writing its metrics (a Fast DDS shutdown deadlock was seen once) is killed instead of hanging the eval."""

from __future__ import annotations

import subprocess
import sys

from lecun_agent.stack.evaluate import wait_for_episode


def python(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code])


def test_an_exit_is_returned_as_it_is(tmp_path):
    proc = python("import sys; sys.exit(3)")
    assert wait_for_episode(proc, tmp_path / "metrics.json", grace_s=0.5, poll_s=0.05) == 3


def test_a_process_stuck_after_writing_its_metrics_is_killed_and_counts_as_finished(tmp_path):
    metrics = tmp_path / "metrics.json"
    proc = python(f"import pathlib, time; pathlib.Path({str(metrics)!r}).write_text('{{}}'); time.sleep(600)")
    assert wait_for_episode(proc, metrics, grace_s=0.5, poll_s=0.05) == 0
    assert proc.returncode is not None and proc.returncode < 0  # it was killed, not left running


def test_a_long_episode_without_metrics_is_waited_for(tmp_path):
    proc = python("import time; time.sleep(1.5)")  # longer than the grace: still not killed
    assert wait_for_episode(proc, tmp_path / "metrics.json", grace_s=0.2, poll_s=0.05) == 0
    assert proc.returncode == 0
