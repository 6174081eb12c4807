"""The CLI's count and duration flags refuse bad values naming the flag (no traceback from a node later)."""

from __future__ import annotations

import pytest

from lecun_agent.cli import build_parser


@pytest.mark.parametrize("argv, says", [
    (["sim", "--duration", "-1"], "argument --duration: must be seconds in (0, 86400], got -1"),
    (["sim", "--duration", "nan"], "got nan"),
    (["sim", "--duration", "0"], "got 0"),
    (["record", "--duration", "-1"], "argument --duration: must be seconds in [0, 86400], got -1"),
    (["eval", "--episodes", "0", "--json", "x"], "argument --episodes: must be a positive integer, got 0"),
    (["eval", "--seed-start", "-2", "--json", "x"], "argument --seed-start: must be 0 or more, got -2"),
])
def test_a_bad_count_or_duration_is_refused_naming_the_flag(argv, says, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(argv)
    assert exit_.value.code == 2 and says in capsys.readouterr().err


def test_good_values_parse():
    assert build_parser().parse_args(["sim", "--duration", "2.5"]).duration == 2.5
    assert build_parser().parse_args(["record", "--duration", "0", "--out", "x.mcap"]).duration == 0.0
    args = build_parser().parse_args(["eval", "--episodes", "3", "--seed-start", "0", "--json", "x"])
    assert (args.episodes, args.seed_start) == (3, 0)


@pytest.mark.parametrize("argv, flag", [
    (["collect", "--episodes", "0", "--out", "x"], "--episodes"),
    (["train", "--data", "d", "--out", "o", "--steps", "-3"], "--steps"),
    (["select", "a", "--goal-slack", "-1"], "--goal-slack"),
])
def test_learning_commands_refuse_bad_counts(argv, flag, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(argv)
    assert f"argument {flag}: must be" in capsys.readouterr().err
