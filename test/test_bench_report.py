"""`lecun-agent bench`: results survive a broken part, results.md says what was measured, and the README's
generated block is exactly what the committed results file renders to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lecun_agent.bench import report
from lecun_agent.cli import bench

REPO = Path(__file__).resolve().parents[1]
COMMITTED = "docs/bench/results.json"


def test_a_broken_part_is_reported_and_the_others_keep_their_numbers(tmp_path, monkeypatch):
    import lecun_agent.bench.sim_speed as sim_speed

    monkeypatch.setattr(sim_speed, "CAMERA_SIZES", (32,))
    monkeypatch.setattr(bench, "PARTS", {**bench.PARTS, "learning": "no_such_part"})
    results = bench.measure(["sim_rtf", "learning"], quick=True, out=tmp_path, quality=None)
    on_disk = json.loads((tmp_path / "results.json").read_text())
    assert on_disk == results
    assert results["machine"]["cores"] >= 1 and results["machine"]["torch"]
    assert results["sim_rtf"]["no_camera_rtf"] > 0 and results["sim_rtf"]["by_camera"][0]["frames"] > 0
    assert "error" in results["learning"] and "no_such_part" in results["learning"]["error"]
    md = report.results_md(results)
    assert "learning: failed" in md and "no camera" in md
    assert (tmp_path / "sim_rtf.png").stat().st_size > 0


def test_results_md_prints_the_acceptance_row_and_every_agent():
    results = {
        "machine": {"cpu": "TestCPU", "cores": 2, "torch": "x", "date": "d", "quick": True},
        "planner": [{"impl": "ours", "n": 512, "h": 16, "d": 32, "iterations": 1, "ms_p50": 12.5, "ms_p99": 20.25,
                     "flops_per_plan": 1e9, "fraction_of_limit": 0.6},
                    {"impl": "ours", "n": 128, "h": 8, "d": 32, "iterations": 1, "ms_p50": 1.0, "ms_p99": 2.0}],
        "competence": {"seeds": [0, 1], "mode": "lock-step",
                       "full": {"success_rate": 0.5, "falls": 1}, "straight": {"success_rate": 0.25, "falls": 2}},
    }
    md = report.results_md(results)
    assert "TestCPU" in md and "| ours | 32 | 1 | 12.50 | 20.25 |" in md and "| ours | 32 | 1 | 1.00" not in md
    assert "| full | 0.50 |" in md and "| straight | 0.25 |" in md


def test_update_readme_needs_its_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# x\n")
    with pytest.raises(ValueError, match="no generated bench block"):
        report.update_readme(readme, {}, "r.json")
    readme.write_text(f"# x\n{report.README_BEGIN}\nold\n{report.README_END}\ntail\n")
    assert report.update_readme(readme, {"machine": {"cpu": "C"}}, "r.json")
    text = readme.read_text()
    assert "old" not in text and "C," in text and text.endswith("tail\n")


def test_the_readme_tables_are_generated_from_the_committed_results():
    results = json.loads((REPO / COMMITTED).read_text())
    text = (REPO / "README.md").read_text()
    assert report.readme_block(results, COMMITTED) in text, (
        "README.md's bench block is stale: run lecun-agent bench --render docs/bench/results.json --readme README.md")


def test_re_measuring_one_part_keeps_the_others_and_says_when_each_was_measured(tmp_path, monkeypatch):
    import lecun_agent.bench.sim_speed as sim_speed

    monkeypatch.setattr(sim_speed, "CAMERA_SIZES", (32,))
    earlier = {"machine": {"date": "2026-01-01 00:00 UTC", "cpu": "x"}, "scaling": {"rows": [{"obstacles": 3}]},
               "durations_s": {"scaling": 5.0, "total": 9.0}}
    (tmp_path / "results.json").write_text(json.dumps(earlier))
    results = bench.measure(["sim_rtf"], quick=True, out=tmp_path, quality=None)
    assert results["scaling"] == earlier["scaling"]  # not re-run, not lost
    assert results["sim_rtf"]["no_camera_rtf"] > 0
    assert results["measured"]["scaling"]["date"] == "2026-01-01 00:00 UTC"
    assert results["measured"]["sim_rtf"]["date"] != "2026-01-01 00:00 UTC"
    assert "total" not in results["durations_s"]  # a partial run has no total time
    # The old part was measured on the file's last machine ("x"); the line names it, as it is not this one.
    assert results["measured"]["scaling"]["cpu"] == "x"
    assert results["measured"]["sim_rtf"]["cpu"] == results["machine"]["cpu"] != "x"
    line = report.machine_line(results)
    assert "scaling on 2026-01-01 00:00 UTC (commit ?, x)" in line and "sim_rtf on " in line
    assert f", {results['machine']['cpu']})" not in line  # this machine's parts need no name


def test_the_bench_s_own_results_do_not_make_the_checkout_dirty(tmp_path, monkeypatch):
    """After the first part the results file is modified; the parts after it ran the same code."""
    import subprocess

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "results.json").write_text("{}")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "start")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out" / "results.json").write_text('{"machine": {}}')
    assert not bench._commit(tmp_path / "out").endswith("+changes")
    (tmp_path / "code.py").write_text("x = 2\n")
    assert bench._commit(tmp_path / "out").endswith("+changes")
