"""The data-collection program: inside the gait's command box, smooth, seeded, with stops and coverage."""

from __future__ import annotations

import numpy as np
import pytest

from lecun_agent.gait.config import GaitConfig
from lecun_agent.programs.exploration import OUProgram

DT = 0.1


def commands(seed: int, steps: int = 2000) -> np.ndarray:
    program = OUProgram(DT, seed)
    return np.array([program.next() for _ in range(steps)])  # (T, 3)


def test_commands_stay_in_the_box_and_respect_the_gait_rate_limits():
    g = GaitConfig()
    for seed in range(5):
        c = commands(seed)
        assert np.all(c >= [g.vx_min, -g.vy_max, -g.yaw_rate_max])
        assert np.all(c <= [g.vx_max, g.vy_max, g.yaw_rate_max])
        step = np.abs(np.diff(c, axis=0)).max(0)
        assert np.all(step <= np.array([g.lin_accel_max, g.lin_accel_max, g.yaw_accel_max]) * DT + 1e-9)


def test_same_seed_same_program_and_seeds_differ():
    assert np.array_equal(commands(3, 200), commands(3, 200))
    assert not np.allclose(commands(3, 200), commands(4, 200))


def test_program_stops_and_covers_every_axis_both_ways():
    c = np.concatenate([commands(seed) for seed in range(10)])
    assert (np.abs(c).max(1) == 0).mean() > 0.05  # stand-still segments
    for axis in range(3):
        reach = np.abs(c[:, axis]).max()
        assert c[:, axis].min() < -0.3 * reach and c[:, axis].max() > 0.3 * reach


def test_blocked_direction_turns_in_place_instead():
    program = OUProgram(DT, 0)
    for _ in range(50):
        c = program.next(blocked=lambda target: True)
    assert np.all(c[:2] == 0.0)  # linear motion ramped down to zero, turning still allowed


def test_path_blocked_sees_the_wall_behind_the_start():
    pytest.importorskip("pybullet")
    from lecun_agent.learning.operator import path_blocked
    from lecun_agent.sim.config import SimConfig
    from lecun_agent.sim.sim import QuadrupedSim

    sim = QuadrupedSim(SimConfig(camera_enabled=False))
    try:
        sim.reset(0)  # facing +x down a clear corridor, the -x wall 1.5 m behind
        assert not path_blocked(sim, np.array([0.5, 0.0, 0.0]), lookahead_m=2.0)
        assert not path_blocked(sim, np.array([-0.3, 0.0, 0.0]), lookahead_m=1.0)
        assert path_blocked(sim, np.array([-0.3, 0.0, 0.0]), lookahead_m=2.0)
        assert not path_blocked(sim, np.array([0.0, 0.0, 0.8]), lookahead_m=2.0)  # turning in place
    finally:
        sim.close()
