"""Approach-and-touch exploration: it walks to a surface in view, touches it (detected by the
measured force), or stops short; the mixed program alternates it with wandering, rate-limited."""

from __future__ import annotations

import numpy as np

from lecun_agent.gait.config import GaitConfig
from lecun_agent.programs.approach import ApproachProgram, MixedProgram

DT = 0.1


class Corridor:
    """A point robot on a line facing a wall `wall_m` ahead, nothing anywhere else; the contact
    force is what a bumper would measure when the body front (0.21 m ahead of the centre) is at
    the wall. The program never reads `x` itself."""

    def __init__(self, wall_m: float = 1.2):
        self.x, self.yaw, self.wall = 0.0, 0.0, wall_m
        self.force_read = 0

    def heading(self) -> float:
        return self.yaw

    def contact_force(self) -> float:
        self.force_read += 1
        return 30.0 if self.x + 0.21 >= self.wall else 0.0

    def clearance(self, angles: np.ndarray) -> np.ndarray:
        ahead = np.abs(np.angle(np.exp(1j * (np.asarray(angles) + self.yaw)))) < 0.05
        return np.where(ahead, self.wall - self.x, 5.0)

    def blocked(self, command: np.ndarray) -> bool:
        return False

    def move(self, cmd: np.ndarray) -> None:
        self.x = min(self.x + cmd[0] * DT, self.wall - 0.2)  # the wall stops the body
        self.yaw += cmd[2] * DT


def run_cycle(program: ApproachProgram, world: Corridor, steps: int = 400) -> list[tuple[str, np.ndarray]]:
    assert program.start(world)
    trace = []
    for _ in range(steps):
        phase = program.phase
        cmd = program.next(world)
        if cmd is None:
            return trace
        trace.append((phase, cmd))
        world.move(cmd)
    raise AssertionError("the approach cycle never ended")


def test_touch_cycle_walks_to_the_wall_presses_stands_and_backs_off():
    program = ApproachProgram(DT, seed=0, touch_prob=1.0)
    world = Corridor()
    trace = run_cycle(program, world)
    phases = [p for p, _ in trace]
    assert program.touched and program.touches == 1 and world.force_read > 0
    order = [p for i, p in enumerate(phases) if i == 0 or phases[i - 1] != p]
    assert order[-3:] == ["press", "stand", "back"] and "walk" in order
    walk = np.array([c for p, c in trace if p == "walk"])
    assert np.all(walk[:, 0] > 0.1) and np.all(walk[:, 0] <= 0.45)  # slowly, forward, in view
    assert np.all(np.array([c for p, c in trace if p == "back"])[:, 0] < 0)


def test_stop_short_cycle_never_touches():
    program = ApproachProgram(DT, seed=1, touch_prob=0.0)
    world = Corridor()
    run_cycle(program, world)
    assert not program.touched and world.x + 0.21 < world.wall


def test_no_surface_in_range_means_no_cycle():
    world = Corridor(wall_m=9.0)
    assert not ApproachProgram(DT, seed=0).start(world)


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
    assert np.all(c >= [g.vx_min, -g.vy_max, -g.yaw_rate_max] - np.array(1e-9))
    assert np.all(c <= [g.vx_max, g.vy_max, g.yaw_rate_max] + np.array(1e-9))
    assert np.all(
        np.abs(np.diff(c, axis=0))
        <= np.array([g.lin_accel_max, g.lin_accel_max, g.yaw_accel_max]) * DT + 1e-9
    )
    share = program.approach_steps / program.steps
    assert 0.2 < share < 0.9 and program.approach.cycles >= 3
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
