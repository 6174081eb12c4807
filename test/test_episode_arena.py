"""The episode driver lays out the arena sim_node lays out: a profile's `arena.*` reach both, and an episode
whose sim laid out another arena is an error, never a score against a goal the robot was not given."""

from __future__ import annotations

import numpy as np
import pytest

from lecun_agent.episodes.goal import GoalRules
from lecun_agent.sim.arena import layout_arena
from lecun_agent.sim.config import ArenaConfig
from lecun_agent.stack import episode
from lecun_agent.stack.description import StackOptions, profile_path
from lecun_agent.stack.params_files import parameters_from_files

DENSE = ArenaConfig(layout="goal", size_m=12.0, goal_obstacles_min=10, goal_obstacles_max=14,
                    goal_distance_min_m=4.0, goal_distance_max_m=6.0)  # config/profiles/dense_goals.yaml


@pytest.mark.parametrize("seed", [0, 3, 17])
def test_a_profiles_arena_is_the_one_the_episode_lays_out(seed):
    given = episode.episode_arena(StackOptions(profile="dense_goals", seed=seed, agent="full"))
    assert np.array_equal(given.goal_xy, layout_arena(DENSE, seed).goal_xy)
    assert len(given.obstacles) == len(layout_arena(DENSE, seed).obstacles) >= 10
    default = episode.episode_arena(StackOptions(seed=seed, agent="full"))
    assert np.array_equal(default.goal_xy, layout_arena(ArenaConfig(layout="goal"), seed).goal_xy)


def test_a_profile_file_with_integers_and_a_namespace(tmp_path):
    own = tmp_path / "mine.yaml"
    own.write_text("/**/sim_node:\n  ros__parameters:\n    arena:\n      size_m: 14\n"
                   "      goal_distance_min_m: 6\n      goal_distance_max_m: 7\n"
                   "/**/cost_node:\n  ros__parameters:\n    weights:\n      energy: 0.02\n")
    options = StackOptions(profile=str(own), seed=5, agent="full", namespace="robot1")
    arena = episode.episode_arena(options)
    assert arena.config.size_m == 14.0 and 6.0 <= np.linalg.norm(arena.goal_xy - arena.start_xy) <= 7.0


def test_a_profiles_episode_rules_are_the_episodes_defaults(tmp_path):
    """`episode.time_limit_s: 60` in a profile is the limit `lecun-agent sim` and `eval` score against (the driver
    passes its rules to sim_node, so a profile's were silently replaced by the code's 40 s before)."""
    own = tmp_path / "long.yaml"
    own.write_text("/**/sim_node:\n  ros__parameters:\n    episode:\n      time_limit_s: 60\n"
                   "      success_radius_m: 0.5\n")
    def rules_given(options: StackOptions) -> dict:
        return episode.file_settings(episode.sim_node_file_parameters(options), GoalRules, "episode.")

    given = rules_given(StackOptions(profile=str(own), seed=0, agent="full"))
    assert given == {"time_limit_s": 60.0, "success_radius_m": 0.5} and isinstance(given["time_limit_s"], float)
    assert rules_given(StackOptions(seed=0, agent="full")) == {}


def test_params_file_sections_reach_a_node_as_ros_matches_them(tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("/**:\n  ros__parameters:\n    x: 1\n/**/sim_node:\n  ros__parameters:\n    a:\n      b: 2\n"
                     "sim_node:\n  ros__parameters:\n    c: 3\n/robot1/sim_node:\n  ros__parameters:\n    d: 4\n"
                     "cost_node:\n  ros__parameters:\n    e: 5\n")
    second.write_text("/**/sim_node:\n  ros__parameters:\n    x: 9\n")
    assert parameters_from_files((first, second), "sim_node") == {"x": 9, "a.b": 2, "c": 3}
    assert parameters_from_files((first,), "sim_node", "robot1") == {"x": 1, "a.b": 2, "d": 4}


def test_an_episode_whose_sim_laid_out_another_arena_is_an_error(tmp_path):
    arena = layout_arena(ArenaConfig(layout="goal"), 3)
    t = np.arange(5) * 0.02
    pos = np.tile([*arena.start_xy, 0.3], (5, 1))
    np.savez(tmp_path / "truth.npz", t=t, pos=pos, quat=np.tile([0.0, 0.0, 0.0, 1.0], (5, 1)), lin_vel=np.zeros((5, 3)),
             body_contact_force=np.zeros(5), energy_w=np.zeros(5), wall_s=t, wall_epoch_s=t,
             goal_xy=layout_arena(DENSE, 3).goal_xy)
    with pytest.raises(RuntimeError, match="sim_node laid out another arena"):
        episode._score(tmp_path, StackOptions(seed=3, agent="full"), None, arena, GoalRules(), True, None, [], {})


@pytest.mark.parametrize(("text", "says"), [
    ("/**/sim_node:\n  ros__parameters:\n    arena: [size_m: 12\n", "not valid YAML at line"),
    ("just words\n", "this one is a str"),
    ("/**/sim_node:\n  arena:\n    size_m: 12.0\n", "section '/**/sim_node' has no `ros__parameters:` mapping"),
    ("/**/cost_nod:\n  ros__parameters:\n    weights:\n      energy: 0.02\n", "['/**/cost_nod'] name no node"),
    ("/**/*_node:\n  ros__parameters:\n    rate_hz: 40.0\n", "use '*' inside a name"),
], ids=["yaml", "scalar", "no-ros__parameters", "misspelt-node", "partial-glob"])
def test_a_profile_that_is_not_a_params_file_for_the_stack_is_refused_saying_why(tmp_path, text, says):
    """Before, bad YAML or a scalar file was a traceback, and a misspelt node section ran that node on its code
    defaults without a word (on a robot: the sim's speed limits)."""
    own = tmp_path / "mine.yaml"
    own.write_text(text)
    with pytest.raises(ValueError, match=r"^params file .*mine\.yaml|^profile .*mine\.yaml") as refused:
        profile_path(str(own))
    assert says in str(refused.value)


def test_wildcard_and_namespaced_sections_are_taken(tmp_path):
    own = tmp_path / "mine.yaml"
    own.write_text("".join(f"{key}:\n  ros__parameters:\n    x: 1\n"
                           for key in ("/**", "/**/cost_node", "/robot1/sim_node", "/*/gait_node", "actor_node")))
    assert profile_path(str(own)) == own.resolve()


@pytest.mark.parametrize(("value", "says"), [("abc", "a str; it takes a float"), ("3.0", "size_m 3.0 is outside")])
def test_a_profile_value_sim_node_would_refuse_stops_the_episode_before_anything_starts(tmp_path, value, says):
    """The driver lays out the arena itself: a string there was a TypeError deep in the layout."""
    own = tmp_path / "mine.yaml"
    own.write_text(f"/**/sim_node:\n  ros__parameters:\n    arena:\n      size_m: {value}\n")
    with pytest.raises(ValueError, match="the params files give sim_node arena.") as refused:
        episode.episode_settings(StackOptions(profile=str(own), agent="full"))
    assert says in str(refused.value)
