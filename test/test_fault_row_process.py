"""The fault harness runs each row's episode in a process of its own (faults/row.py): a middleware deadlock
in that process's teardown (seen twice: Fast DDS destroying a publisher) costs a grace period, not the run.
The row process here is a stand-in script; the real one runs in test_fault_injection.py."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from lecun_agent.faults import harness
from lecun_agent.faults.catalog import faults_for

FAULT = faults_for("straight")[0]


def stand_in(monkeypatch, script: str) -> list[subprocess.Popen]:
    """Row processes run `script` (python; OUT is the row's folder) instead of an episode; -> those started."""
    started = []
    real_popen = subprocess.Popen

    def popen(cmd, **kwargs):
        assert cmd[1:3] == ["-m", "lecun_agent.faults.row"] and cmd[3] == FAULT.name
        started.append(real_popen([sys.executable, "-c", f"OUT = {cmd[4]!r}\n" + script], **kwargs))
        return started[-1]

    monkeypatch.setattr(harness.subprocess, "Popen", popen)
    monkeypatch.setattr(harness, "judge", lambda fault, out: json.loads((out / "fault.json").read_text()))
    return started


def test_a_row_process_hung_after_writing_its_row_is_killed_and_the_row_kept(tmp_path, monkeypatch):
    started = stand_in(monkeypatch, "import json, pathlib, time\n"
                       "pathlib.Path(OUT, 'fault.json').write_text(json.dumps({'walked_before_fault': True}))\n"
                       "time.sleep(600)  # the teardown deadlock\n")
    monkeypatch.setattr(harness, "TEARDOWN_GRACE_S", 1.0)
    t0 = time.monotonic()
    row = harness.run_fault(FAULT, tmp_path / FAULT.slug)
    assert row == {"walked_before_fault": True} and time.monotonic() - t0 < 60
    assert started[0].poll() is not None  # killed, not left behind


def test_a_row_process_that_did_not_start_its_episode_is_started_again(tmp_path, monkeypatch):
    started = stand_in(monkeypatch, "import json, pathlib, sys\n"
                       "tried = pathlib.Path(OUT).parent / 'tried'  # outside OUT, which the retry renames\n"
                       "if not tried.exists():\n"
                       "    tried.write_text('')\n"
                       "    pathlib.Path(OUT, 'episode.log').write_text('cost_node exited with code -11')\n"
                       f"    sys.exit({harness.NOT_STARTED_EXIT})\n"
                       "pathlib.Path(OUT, 'fault.json').write_text(json.dumps({'walked_before_fault': True}))\n")
    row = harness.run_fault(FAULT, tmp_path / FAULT.slug)
    assert row == {"walked_before_fault": True} and len(started) == 2
    assert (tmp_path / f"{FAULT.slug}.attempt1" / "episode.log").exists()  # the failed start's folder, kept


def test_a_row_process_that_failed_is_an_error_that_names_the_fault(tmp_path, monkeypatch):
    stand_in(monkeypatch, "import sys\nsys.exit(1)\n")
    with pytest.raises(RuntimeError, match="exited with code 1") as err:
        harness.run_fault(FAULT, tmp_path / FAULT.slug)
    assert FAULT.name in str(err.value)


def test_a_row_left_by_an_earlier_run_is_not_taken_for_this_ones(tmp_path, monkeypatch):
    out = tmp_path / FAULT.slug
    out.mkdir()
    (out / "fault.json").write_text(json.dumps({"ok": "old"}))
    stand_in(monkeypatch, "import sys\nsys.exit(1)\n")  # dies before writing its own
    with pytest.raises(RuntimeError):
        harness.run_fault(FAULT, out)
