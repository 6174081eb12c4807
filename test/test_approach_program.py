"""Approach-and-touch exploration: it walks slowly at a surface in view and, when its planned walk
overshoots, touches it and keeps pushing, or walks past it faster with a sidestep; its commands
never react to a touch (so only the camera can tell a touch is coming); the mixed program
alternates it with wandering, rate-limited."""

from __future__ import annotations

import numpy as np
import pytest

from lecun_agent.gait.config import GaitConfig
from lecun_agent.programs.approach import ApproachProgram, MixedProgram

DT = 0.1


class Corridor:
    """A point robot facing a wall `wall_m` ahead across its path, open floor behind;
    the contact force is what a bumper would measure when the body front (0.21 m ahead of the
    centre) is at the wall (`sensing=False`: a robot without contact sensing reads 0)."""

    def __init__(self, wall_m: float = 1.2, sensing: bool = True, force_n: float = 30.0):
        self.x, self.yaw, self.wall, self.sensing, self.force_n = 0.0, 0.0, wall_m, sensing, force_n
        self.touching_steps = 0

    def heading(self) -> float:
        return self.yaw

    def contact_force(self) -> float:
        touching = self.x + 0.21 >= self.wall - 1e-9
        return self.force_n if touching and self.sensing else 0.0

    def clearance(self, angles: np.ndarray) -> np.ndarray:
        cos = np.cos(np.asarray(angles) + self.yaw)  # a plane wall across the corridor
        return np.where(cos > 0.0, (self.wall - self.x) / np.maximum(cos, 1e-6), np.inf).clip(max=5.0)

    def blocked(self, command: np.ndarray) -> bool:
        return False

    def move(self, cmd: np.ndarray) -> None:
        self.x = min(self.x + cmd[0] * np.cos(self.yaw) * DT, self.wall - 0.21)  # the wall stops the body
        self.yaw += cmd[2] * DT
        self.touching_steps += self.x + 0.21 >= self.wall - 1e-9


def run_cycle(program: ApproachProgram, world: Corridor, steps: int = 600) -> list[tuple[str, np.ndarray]]:
    assert program.start(world)
    trace = []
    for _ in range(steps):
        cmd = program.next(world)
        if cmd is None:
            return trace
        trace.append((program.phase, cmd))
        world.move(cmd)
    raise AssertionError("the approach cycle never ended")


def test_an_overshooting_walk_touches_and_keeps_pushing_slowly():
    program = ApproachProgram(DT, seed=0, phantom_prob=0.0, pass_share=0.0, end_gap_m=(-0.3, -0.2))
    world = Corridor()
    trace = run_cycle(program, world)
    order = [p for i, (p, _) in enumerate(trace) if i == 0 or trace[i - 1][0] != p]
    assert order[-3:] == ["walk", "stand", "back"]
    assert program.touched and program.touches == 1 and world.touching_steps >= 3  # pushed, blocked
    walk = np.array([c for p, c in trace if p == "walk"])
    assert np.all(walk[:, 0] >= 0.15) and np.all(walk[:, 0] <= 0.45)  # slowly, forward, in view
    assert np.all(np.array([c for p, c in trace if p == "back"])[:, 0] < 0)


def test_a_short_walk_stops_before_the_wall():
    program = ApproachProgram(DT, seed=1, phantom_prob=0.0, pass_share=0.0, end_gap_m=(0.2, 0.3))
    world = Corridor()
    run_cycle(program, world)
    assert not program.touched and world.touching_steps == 0


def test_commands_never_react_to_a_touch_below_the_reflex():
    """The same seed in the same corridor, with and without contact sensing: the same commands, so
    a touch cannot be read off the commands; only a hard push (the reflex) ends a walk early."""
    kinds = set()
    for seed in range(8):
        kw = {"phantom_prob": 0.0, "pass_share": 0.5, "end_gap_m": (-0.4, 0.2)}
        sensed = run_cycle(ApproachProgram(DT, seed, **kw), Corridor(sensing=True))
        blind = run_cycle(ApproachProgram(DT, seed, **kw), Corridor(sensing=False))
        assert len(sensed) == len(blind) and all(
            np.array_equal(a[1], b[1]) for a, b in zip(sensed, blind, strict=True)
        )
        kinds |= {p for p, _ in sensed if p in ("walk", "pass")}
    assert kinds == {"walk", "pass"}  # both kinds of cycle were checked
    kw = {"phantom_prob": 0.0, "pass_share": 0.0, "end_gap_m": (-0.5, -0.4)}
    hard = run_cycle(ApproachProgram(DT, 0, **kw), Corridor(force_n=500.0))
    soft = run_cycle(ApproachProgram(DT, 0, **kw), Corridor())
    assert sum(p == "walk" for p, _ in hard) < sum(p == "walk" for p, _ in soft)


def test_a_pass_walks_faster_with_a_sidestep():
    for seed in range(4):
        program, world = ApproachProgram(DT, seed, phantom_prob=0.0, pass_share=1.0), Corridor(wall_m=1.5)
        trace = run_cycle(program, world)
        walk = np.array([c for p, c in trace if p == "pass"])
        assert len(walk) > 0 and not any(p == "walk" for p, _ in trace)
        assert np.all(walk[:, 0] >= 0.3) and np.all(walk[:, 0] <= 0.8) and np.all(np.abs(walk[:, 1]) <= 0.3)


def test_phantom_cycles_walk_at_open_floor():
    program, world = ApproachProgram(DT, seed=0, phantom_prob=1.0), Corridor(wall_m=1.0)
    run_cycle(program, world)
    assert program.phantom and not program.touched and abs(world.yaw) > 0.5  # turned away from the wall


def test_open_floor_passes_walk_fast_with_a_sidestep_and_leave_surface_cycles_alone():
    """sidestep_share turns open-floor cycles into passes; a surface cycle draws as without it."""
    for seed in range(4):
        program, world = ApproachProgram(DT, seed, phantom_prob=1.0, sidestep_share=1.0), Corridor(wall_m=1.0)
        trace = run_cycle(program, world)
        walk = np.array([c for p, c in trace if p == "pass"])
        assert program.phantom and len(walk) > 0 and not any(p == "walk" for p, _ in trace)
        assert np.all(walk[:, 0] >= 0.3) and np.all(walk[:, 0] <= 0.8) and np.all(np.abs(walk[:, 1]) <= 0.3)
    surface = [run_cycle(ApproachProgram(DT, 2, phantom_prob=0.0, sidestep_share=s), Corridor()) for s in (0, 1)]
    assert len(surface[0]) == len(surface[1]) and all(
        p == q and np.array_equal(a, b) for (p, a), (q, b) in zip(*surface, strict=True)
    )


def test_no_surface_in_range_means_no_cycle():
    assert not ApproachProgram(DT, seed=0, phantom_prob=0.0).start(Corridor(wall_m=9.0))


def test_mixed_program_alternates_and_respects_the_gait_limits():
    g = GaitConfig()
    program, world, cmds, approaching = MixedProgram(DT, seed=3), Corridor(wall_m=1.5), [], []
    for _ in range(1500):
        cmd = program.next(world)
        cmds.append(cmd)
        approaching.append(program.approaching)
        world.move(cmd)
        if world.x > 1.0:  # keep a wall in range: start again
            world.x = 0.0
    c = np.array(cmds)
    assert np.all(c >= np.array([g.vx_min, -g.vy_max, -g.yaw_rate_max]) - 1e-9)
    assert np.all(c <= np.array([g.vx_max, g.vy_max, g.yaw_rate_max]) + 1e-9)
    limits = np.array([g.lin_accel_max, g.lin_accel_max, g.yaw_accel_max]) * DT
    assert np.all(np.abs(np.diff(c, axis=0)) <= limits + 1e-9)
    share = program.approach_steps / program.steps
    assert 0.3 < share < 0.95 and program.approach.cycles >= 5
    switches = np.flatnonzero(np.diff(np.array(approaching, dtype=int)))
    assert len(switches) >= 4  # wander -> approach -> wander ...


def test_same_seed_same_program():
    def commands(seed):
        program, world, out = MixedProgram(DT, seed), Corridor(), []
        for _ in range(300):
            out.append(program.next(world))
            world.move(out[-1])
        return np.array(out)

    assert np.array_equal(commands(5), commands(5)) and not np.array_equal(commands(5), commands(6))


def test_collect_refuses_shares_outside_0_to_1():
    from lecun_agent.learning.collect import run_episode
    from lecun_agent.sim.config import SimConfig

    with pytest.raises(ValueError, match="pass_share"):
        run_episode(0, 1.0, SimConfig(), GaitConfig(), pass_share=1.5)
    with pytest.raises(ValueError, match="sidestep_share"):
        run_episode(0, 1.0, SimConfig(), GaitConfig(), sidestep_share=-0.1)
