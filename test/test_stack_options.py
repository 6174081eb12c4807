"""StackOptions as CLI flags and launch arguments: a value outside an option's range is refused, naming it."""

from __future__ import annotations

import argparse
import shutil

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


def test_nodes_given_different_world_models_are_refused_before_any_starts(tmp_path):
    """QA (2026-12-07): a profile gave perception_node a latent-64 model beside the actor's latent-32 one; the actor
    refused every latent, the robot stood until the time limit, and `sim` said nothing and exited 0."""
    from lecun_agent.stack.description import StackOptions, node_checkpoints, stack_nodes
    from lecun_agent.stack.episode import checkpoint_name

    other = tmp_path / "wm64"
    split = tmp_path / "split.yaml"
    split.write_text(f"perception_node:\n  ros__parameters:\n    checkpoint: {other}\n")
    with pytest.raises(ValueError, match=f"different world models \\(perception_node: {other}, world_model_node: "
                                         f"{default_checkpoint_dir().resolve()}"):
        stack_nodes(StackOptions(target="sim", profile=str(split)))
    # --checkpoint wins over every profile's, as `-p checkpoint:=` wins over params files
    nodes = stack_nodes(StackOptions(target="sim", profile=str(split), checkpoint=str(default_checkpoint_dir())))
    assert set(node_checkpoints(nodes).values()) == {default_checkpoint_dir().resolve()}
    same = tmp_path / "same.yaml"
    same.write_text(f"/**:\n  ros__parameters:\n    checkpoint: {other}\n")
    options = StackOptions(target="sim", profile=str(same))
    nodes = stack_nodes(options)
    assert node_checkpoints(nodes) == {n: other for n in ("perception_node", "world_model_node", "actor_node")}
    assert checkpoint_name(nodes, options) == str(other)  # metrics.json names the profile's, not "default"
    assert checkpoint_name(stack_nodes(StackOptions(target="sim")), StackOptions()) == "default"
    # the same model.pt under another path is one world model: a copy of the shipped one is not refused
    other.mkdir()
    shutil.copy(default_checkpoint_dir() / "model.pt", other / "model.pt")
    copied = node_checkpoints(stack_nodes(StackOptions(target="sim", profile=str(split))))
    assert copied["perception_node"] == other and copied["actor_node"] == default_checkpoint_dir().resolve()


def test_eval_takes_a_checkpoint_and_checks_it_once_before_any_episode(tmp_path, capsys):
    """docs/world_model.md passes the chosen checkpoint to `eval`, which had no --checkpoint (QA, 2026-12-07)."""
    from lecun_agent.cli import main

    assert main(["eval", "--checkpoint", str(tmp_path), "--episodes", "1", "--json", str(tmp_path / "e.json")]) == 2
    assert f"{tmp_path}/meta.json not found" in capsys.readouterr().err
    split = tmp_path / "split.yaml"
    split.write_text(f"actor_node:\n  ros__parameters:\n    checkpoint: {tmp_path / 'wm64'}\n")
    assert main(["eval", "--profile", str(split), "--episodes", "1", "--json", str(tmp_path / "f.json")]) == 2
    assert "different world models" in capsys.readouterr().err
    assert not (tmp_path / "e").exists() and not (tmp_path / "f").exists()  # no episode began
