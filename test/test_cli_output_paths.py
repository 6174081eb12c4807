"""A learning command's output path that cannot be written is refused before any work, in one line, exit 2.

Found by QA: `eval-model --json <directory>` crashed after the whole evaluation, `distill --out <directory>`
after the distillation (leaving a stray .tmp), `distill --out afile/m.pt` said "Parent directory does not exist".
"""

from __future__ import annotations

import pytest

from lecun_agent.cli import main
from lecun_agent.cli.output_paths import check_output_dir, check_output_file


def test_output_file_checks(tmp_path):
    (tmp_path / "afile").write_text("")
    with pytest.raises(ValueError, match=f"^--json {tmp_path} is a directory; give a file name$"):
        check_output_file(tmp_path, "--json")
    with pytest.raises(ValueError, match=f"^--out {tmp_path}/afile/m.pt: {tmp_path}/afile is not a directory$"):
        check_output_file(tmp_path / "afile" / "m.pt", "--out", parents_made=False)
    with pytest.raises(ValueError, match=f"{tmp_path}/afile is not a directory$"):
        check_output_file(tmp_path / "afile" / "sub" / "r.json", "--json")  # the nearest existing parent
    with pytest.raises(ValueError, match=f"^--out {tmp_path}/new/m.pt: directory {tmp_path}/new does not exist$"):
        check_output_file(tmp_path / "new" / "m.pt", "--out", parents_made=False)
    check_output_file(tmp_path / "new" / "sub" / "r.json", "--json")  # the command makes the parents
    check_output_file(tmp_path / "afile", "--json")  # an existing file is replaced


def test_output_dir_checks(tmp_path):
    (tmp_path / "afile").write_text("")
    with pytest.raises(ValueError, match=f"^--out {tmp_path}/afile is a file; give a directory$"):
        check_output_dir(tmp_path / "afile", "--out")
    with pytest.raises(ValueError, match=f"{tmp_path}/afile is not a directory$"):
        check_output_dir(tmp_path / "afile" / "ck", "--out")
    check_output_dir(tmp_path / "new" / "ck", "--out")
    check_output_dir(tmp_path, "--out")


@pytest.mark.parametrize("argv, said", [
    (["eval-model", "--json", "{d}"], "--json {d} is a directory"),
    (["eval-model", "--json", "{f}/r.json"], "--json {f}/r.json: {f} is not a directory"),
    (["train", "--data", "{d}", "--out", "{f}"], "--out {f} is a file"),
    (["collect", "--episodes", "1", "--out", "{f}/data"], "--out {f}/data: {f} is not a directory"),
    (["select", "ck", "--json", "{d}"], "--json {d} is a directory"),
    (["distill", "--out", "{d}"], "--out {d} is a directory"),
    (["distill-heads", "--out", "{f}/h.pt"], "--out {f}/h.pt: {f} is not a directory"),
], ids=["eval-model-dir", "eval-model-under-file", "train", "collect", "select", "distill", "distill-heads"])
def test_a_command_refuses_its_output_path_before_working(tmp_path, capsys, argv, said):
    (tmp_path / "afile").write_text("")
    names = {"d": tmp_path, "f": tmp_path / "afile"}
    assert main([a.format(**names) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"lecun-agent {argv[0]}: error: {said.format(**names)}") and err.count("\n") == 1, err


@pytest.mark.parametrize("argv, kept", [
    (["eval-model", "--json", "{d}/r.json"], "r.json"),
    (["eval-model", "--json", "{d}/r.json"], "r_paths.png"),  # a plot of the earlier run counts as its result too
    (["select", "ck", "--json", "{d}/r.json"], "r.json"),
    (["distill", "--out", "{d}/r.json"], "r.json"),
    (["distill-heads", "--out", "{d}/r.json"], "r.json"),
    (["distill-dynamics", "--out", "{d}/r.json"], "r.json"),
], ids=["eval-model", "eval-model-plot", "select", "distill", "distill-heads", "distill-dynamics"])
def test_a_command_never_overwrites_an_earlier_result(tmp_path, capsys, argv, kept):
    """QA (2026-12-07): a second eval-model replaced the first's results without a word, and distill-heads a better
    planning_heads.pt with a worse one."""
    (tmp_path / kept).write_text("earlier")
    assert main([a.format(d=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / kept) in err and err.count("\n") == 1, err
    assert (tmp_path / kept).read_text() == "earlier"


@pytest.mark.parametrize("command", ["distill", "distill-heads", "distill-dynamics"])
def test_distilling_with_no_checkpoint_keeps_the_shipped_file(capsys, command):
    """With no --checkpoint and no --out a distillation writes beside the shipped world model, where the shipped
    file lies: refused before any episode, so the package is never changed by accident."""
    assert main([command, "--episodes", "1", "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert "checkpoints/default/" in err and "--replace" in err, err


def test_replace_lets_a_distillation_overwrite_its_file(tmp_path):
    from lecun_agent.cli.learning import _check_distilled_output

    (tmp_path / "mode1.pt").write_text("earlier")
    with pytest.raises(FileExistsError, match="pass --replace"):
        _check_distilled_output(tmp_path / "mode1.pt", replace=False)
    _check_distilled_output(tmp_path / "mode1.pt", replace=True)
    _check_distilled_output(tmp_path / "new.pt", replace=False)
