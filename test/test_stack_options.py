"""StackOptions as CLI flags and launch arguments: a value outside an option's range is refused, naming it."""

from __future__ import annotations

import argparse

import pytest

from lecun_agent.paths import default_checkpoint_dir
from lecun_agent.stack.options import SIM_ONLY, add_flags, from_flags, from_launch, launch_arguments


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lecun-agent sim", exit_on_error=False)
    add_flags(p, ("seed", "agent", "gui"))
    return p


def test_flags_in_range_make_the_options():
    assert from_flags(parser().parse_args(["--seed", "931", "--gui"])).seed == 931
    assert from_flags(parser().parse_args([])).seed == 0


@pytest.mark.parametrize("text, says", [("-5", "seed -5 is outside [0, "), ("x", "invalid int value: 'x'"),
                                        (str(2**31), "is outside")])
def test_a_flag_out_of_range_or_not_a_number_is_refused_naming_it(text, says):
    with pytest.raises(argparse.ArgumentError, match="seed") as err:
        parser().parse_args(["--seed", text])
    assert says in str(err.value)


def test_launch_arguments_out_of_range_are_refused_naming_them():
    assert from_launch({"seed": "7"}).seed == 7
    with pytest.raises(ValueError, match="seed -3 is outside"):
        from_launch({"seed": "-3"})


def test_a_program_with_a_chosen_agent_is_refused_on_both_front_ends():
    p = argparse.ArgumentParser()
    add_flags(p, ("agent", "program"))
    assert from_flags(p.parse_args(["--program", "walk"])).program == "walk"  # the default agent stays quiet
    with pytest.raises(ValueError, match="program 'walk' replaces the agent, so agent 'straight' would not run"):
        from_flags(p.parse_args(["--program", "walk", "--agent", "straight"]))
    with pytest.raises(ValueError, match="agent 'mode1' would not run"):
        from_launch({"program": "square", "agent": "mode1"})


def test_a_checkpoint_flag_that_names_no_checkpoint_is_refused_before_any_node_starts(tmp_path):
    p = argparse.ArgumentParser()
    add_flags(p, ("checkpoint",))
    with pytest.raises(ValueError, match=f"{tmp_path}/meta.json not found"):
        from_flags(p.parse_args(["--checkpoint", str(tmp_path)]))
    shipped = default_checkpoint_dir()
    assert from_flags(p.parse_args(["--checkpoint", str(shipped)])).checkpoint == str(shipped)


def test_the_robot_launch_file_declares_no_argument_only_the_sim_reads():
    sim = [name for name, _, _ in launch_arguments("sim")]
    robot = [name for name, _, _ in launch_arguments("robot")]
    assert set(SIM_ONLY) <= set(sim) and not set(SIM_ONLY) & set(robot)
    assert {"profile", "namespace", "agent", "gait", "record", "bag"} <= set(robot)
    defaults = {name: default for name, default, _ in launch_arguments("robot")}
    assert from_launch(defaults, target="robot").seed == 0  # what robot.launch.py does with its defaults
