"""Simulation core: arena layout, readings like a real robot's, determinism, cameras, metrics."""

import numpy as np
import pybullet
import pytest

from lecun_agent.body.robot_model import load_robot_model
from lecun_agent.episodes.metrics import episode_metrics
from lecun_agent.gait.trot import TrotGait
from lecun_agent.programs.scripted import PROGRAM_DURATIONS, PROGRAMS
from lecun_agent.sim.arena import layout_arena
from lecun_agent.sim.config import ArenaConfig, SimConfig
from lecun_agent.sim.sim import QuadrupedSim


@pytest.fixture
def sim():
    s = QuadrupedSim(SimConfig())
    yield s
    s.close()


@pytest.mark.parametrize("seed", range(5))
def test_arena_keeps_start_and_corridor_clear(seed):
    cfg = ArenaConfig()
    arena = layout_arena(cfg, seed)
    assert len(arena.obstacles) == cfg.obstacle_count
    for along in np.linspace(0.0, cfg.corridor_length(), 30):
        for across in (-0.3, 0.0, 0.3):
            assert not arena.blocked(arena.start_xy + np.array([along, across]), margin=0.2)
    assert np.linalg.norm(arena.goal_xy - arena.start_xy) >= cfg.goal_min_distance_m
    assert not arena.blocked(arena.goal_xy)
    again = layout_arena(cfg, seed)
    assert np.array_equal(again.goal_xy, arena.goal_xy)
    assert all(
        np.array_equal(a.center, b.center) for a, b in zip(again.obstacles, arena.obstacles, strict=True)
    )


def test_standing_readings_are_physical(sim):
    r = sim.reset(0)
    for _ in range(50):
        r = sim.step()
    mass = load_robot_model().total_mass
    assert r.joint_pos.shape == r.joint_vel.shape == r.joint_effort.shape == (12,)
    assert r.foot_forces.sum() == pytest.approx(mass * 9.81, rel=0.05)
    assert np.all(r.foot_forces > 0.1 * mass * 9.81 / 4)
    assert r.imu_accel[2] == pytest.approx(9.81, abs=0.3)
    assert np.linalg.norm(r.imu_gyro) < 0.05
    assert r.body_contacts == {}
    assert r.stamp == pytest.approx(1.0)
    assert not sim.fallen()
    gt = sim.ground_truth()
    assert 0.3 <= gt.pos[2] <= 0.4  # standing hip height
    assert np.linalg.norm(r.odom_pos - gt.pos) < 0.05  # odometry starts at the truth


def test_folded_legs_put_the_body_on_the_ground(sim):
    sim.reset(0)
    sim.set_joint_targets(np.array([0.0, 2.6, -2.7] * 4))
    for _ in range(100):
        r = sim.step()
    assert r.body_contact_force > 10.0
    assert set(r.body_contacts) <= {lk for lk in load_robot_model().links if not lk.endswith("_foot")}


def test_nonfinite_joint_targets_are_ignored(sim):
    sim.reset(0)
    sim.set_joint_targets(np.full(12, np.nan))
    for _ in range(50):
        r = sim.step()
    assert np.all(np.isfinite(r.joint_pos)) and not sim.fallen()


def _run(seed: int, steps: int) -> list[np.ndarray]:
    sim = QuadrupedSim(SimConfig())
    gait = TrotGait()
    r = sim.reset(seed)
    out = []
    for i in range(steps):
        cmd = np.array([0.5, 0.1 * np.sin(i / 10), 0.3])
        sim.set_joint_targets(gait.step(cmd, r, sim.config.control_dt))
        r = sim.step()
        if sim.camera_due():
            out.append(sim.render_camera())
        out += [r.joint_pos, r.joint_vel, r.joint_effort, r.imu_accel, r.odom_pos, r.foot_forces]
    sim.close()
    return out


def _odometry_error_after_a_turning_walk(odom_noise: float) -> tuple[float, float]:
    """(position error m, yaw error rad) of the odometry after 8 s of walking, sidestepping and turning."""
    sim = QuadrupedSim(SimConfig(odom_noise=odom_noise, camera_enabled=False))
    r, gait = sim.reset(0), TrotGait()
    for i in range(400):
        cmd = np.array([0.6, 0.3 * np.sin(i / 25), np.cos(i / 40)])
        sim.set_joint_targets(gait.step(cmd, r, sim.config.control_dt))
        r = sim.step()
    gt = sim.ground_truth()
    sim.close()
    yaw = [pybullet.getEulerFromQuaternion(q)[2] for q in (r.odom_quat, gt.quat)]
    return float(np.linalg.norm(r.odom_pos - gt.pos)), abs((yaw[0] - yaw[1] + np.pi) % (2 * np.pi) - np.pi)


def test_odometry_is_exact_without_noise_and_drifts_with_it():
    # Integrating the velocity sampled once per control period drifted 0.09 m here with no noise at all.
    assert _odometry_error_after_a_turning_walk(0.0) == pytest.approx((0.0, 0.0), abs=1e-9)
    position, yaw = _odometry_error_after_a_turning_walk(1.0)
    assert 0.01 < position < 0.5 and 0.0 < yaw < 0.2  # scale error, velocity noise and a gyro bias


def test_same_seed_same_commands_bit_identical():
    a, b = _run(3, 100), _run(3, 100)
    assert len(a) == len(b)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_camera_rate_shape_and_intrinsics(sim):
    sim.reset(1)
    assert sim.camera_due()  # a frame is due at reset
    sim.render_camera()
    frames = 0
    for _ in range(50):  # 1 s
        sim.step()
        if sim.camera_due():
            img = sim.render_camera()
            frames += 1
    assert frames == 10
    assert img.shape == (64, 64, 3) and img.dtype == np.uint8
    fx, fy, cx, cy = sim.camera_intrinsics()
    assert fx == fy > 0 and (cx, cy) == (32.0, 32.0)
    chase = sim.render_chase(160, 120)
    assert chase.shape == (120, 160, 3)


def test_onboard_view_does_not_see_the_body(sim):
    """The base is orange; a forward camera at the front face must not see it."""
    sim.reset(0)
    img = sim.render_camera().astype(int)
    orange = (img[..., 0] > 200) & (img[..., 1] > 100) & (img[..., 1] < 170) & (img[..., 2] < 80)
    assert orange.mean() < 0.01
    # Hide the robot: the image must stay the same (nothing of it was in view).
    for link in range(-1, pybullet.getNumJoints(sim.robot.body, physicsClientId=sim.client)):
        pybullet.changeVisualShape(sim.robot.body, link, rgbaColor=[0, 0, 0, 0], physicsClientId=sim.client)
    assert np.abs(sim.render_camera().astype(int) - img).max() <= 2


def test_metrics_on_a_synthetic_path():
    t = np.linspace(0, 10, 101)
    pos = np.stack([0.5 * t, 0.02 * t, np.full_like(t, 0.35)], axis=1)
    yaw = np.linspace(0, 2 * np.pi, 101)
    quats = np.stack([np.zeros_like(t), np.zeros_like(t), np.sin(yaw / 2), np.cos(yaw / 2)], axis=1)
    fallen = np.zeros(101, dtype=bool)
    fallen[50:60] = True
    m = episode_metrics(t, pos, quats, fallen)
    assert m.distance_m == pytest.approx(5.0) and m.lateral_error_m == pytest.approx(0.2)
    assert m.yaw_turned_deg == pytest.approx(360.0) and m.falls == 1 and m.sim_seconds == 10.0


def test_programs():
    assert set(PROGRAMS) == {"walk", "turn", "stand", "square"}
    dt = 0.01
    turned = sum(PROGRAMS["turn"](t)[2] * dt for t in np.arange(0, PROGRAM_DURATIONS["turn"], dt))
    assert turned == pytest.approx(2 * np.pi, abs=0.02)
    assert not np.any(PROGRAMS["stand"](3.0))
    assert PROGRAMS["walk"](5.0)[0] >= 0.4


def test_video_writer_and_inset(tmp_path, sim):
    from lecun_agent.sim.video import VideoWriter, compose_frame

    sim.reset(0)
    frame = compose_frame(sim.render_chase(160, 120), sim.render_camera(), scale=1)
    assert frame.shape == (120, 160, 3)
    with VideoWriter(tmp_path / "v.mp4", 10, (160, 120)) as vw:
        for _ in range(3):
            vw.write(frame)
    assert (tmp_path / "v.mp4").stat().st_size > 0


@pytest.mark.parametrize("size, count", [(4.0, 0), (6.0, 12), (20.0, 40)])
def test_other_arenas_start_inside_with_a_clear_corridor_and_a_goal(size, count):
    cfg = ArenaConfig(size_m=size, obstacle_count=count)
    arena = layout_arena(cfg, seed=7)
    assert np.all(np.abs(arena.start_xy) < size / 2 - 0.3)
    assert cfg.corridor_length() > 0.5
    assert not arena.blocked(arena.goal_xy)
    assert np.all(np.abs(arena.goal_xy) < size / 2)
    sim = QuadrupedSim(SimConfig(arena=cfg, camera_enabled=False))
    try:
        sim.reset(7)
        for _ in range(50):
            sim.step()
        assert not sim.fallen()
    finally:
        sim.close()


def test_a_start_outside_the_walls_is_a_clear_error():
    with pytest.raises(ValueError, match="outside"):
        layout_arena(ArenaConfig(size_m=4.0, start_xy=(-3.5, 0.0)), seed=0)


def test_a_seed_the_arena_cannot_lay_out_leaves_the_world_as_it_was():
    """sim_node's ~/reset answers failure and the episode goes on: the old world must still be there."""
    sim = QuadrupedSim(SimConfig(arena=ArenaConfig(layout="goal")))
    try:
        sim.reset(0)
        before, pos = sim.arena, sim.ground_truth().pos
        sim.config.arena.goal_obstacles_min = 9  # above goal_obstacles_max (6): no seed can be laid out
        with pytest.raises(ValueError, match="goal_obstacles_min 9 is above"):
            sim.reset(1)
        assert sim.arena is before
        sim.step()
        assert np.allclose(sim.ground_truth().pos[:2], pos[:2], atol=0.02)  # still standing at its start
    finally:
        sim.close()
