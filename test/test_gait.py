"""Trot gait core: kinematics against pybullet, command handling, and the walking acceptance runs."""

import itertools

import numpy as np
import pybullet
import pytest

from lecun_agent.body.readings import LEGS, Readings
from lecun_agent.body.robot_model import load_robot_model
from lecun_agent.gait.config import GaitConfig
from lecun_agent.gait.kinematics import leg_fk, leg_geometries, leg_ik
from lecun_agent.gait.trot import TrotGait
from lecun_agent.sim.config import SimConfig
from lecun_agent.sim.env import LocomotionEnv, run_program
from lecun_agent.sim.sensors import rot_matrix
from lecun_agent.sim.sim import QuadrupedSim

SEEDS = range(5)


@pytest.fixture(scope="module")
def env():
    e = LocomotionEnv(SimConfig(camera_enabled=False))
    yield e
    e.close()


def test_ik_inverts_fk():
    geo = leg_geometries(load_robot_model())
    rng = np.random.default_rng(0)
    for leg in LEGS:
        for _ in range(100):
            q = np.array([rng.uniform(-0.5, 0.5), rng.uniform(0.0, 1.5), rng.uniform(-2.2, -0.8)])
            assert np.allclose(leg_ik(leg_fk(q, geo[leg]), geo[leg]), q, atol=1e-6)


def test_fk_matches_pybullet():
    """The analytic leg model and the URDF agree on where each foot is."""
    sim = QuadrupedSim(SimConfig(camera_enabled=False))
    sim.reset(0)
    geo = leg_geometries(sim.model)
    rng = np.random.default_rng(1)
    q = np.concatenate(
        [[rng.uniform(-0.4, 0.4), rng.uniform(0.2, 1.2), rng.uniform(-2.0, -1.0)] for _ in LEGS]
    )
    for j, qj in zip(sim.robot.joint_ids, q, strict=True):
        pybullet.resetJointState(sim.robot.body, j, qj, physicsClientId=sim.client)
    gt = sim.ground_truth()
    r_wb = rot_matrix(gt.quat)
    for i, leg in enumerate(LEGS):
        state = pybullet.getLinkState(sim.robot.body, sim.robot.foot_ids[i], physicsClientId=sim.client)
        foot_b = r_wb.T @ (np.array(state[4]) - gt.pos)
        assert np.allclose(foot_b, geo[leg].hip_origin + leg_fk(q[3 * i : 3 * i + 3], geo[leg]), atol=1e-4)
    sim.close()


def test_standing_pose_matches_the_sim():
    assert np.allclose(TrotGait().standing_pose(), np.array(SimConfig().stand_pose * 4), atol=2e-3)


def test_zero_command_stands_still_and_nan_is_ignored(env):
    obs, _ = env.reset(0)
    gait = env.gait
    stand = gait.standing_pose()
    for i in range(100):
        cmd = np.array([np.nan, 0.0, 0.0]) if i % 10 == 0 else np.zeros(3)
        obs, _, terminated, _, info = env.step(cmd)
        assert not gait.active and np.allclose(gait.lift, 0.0)  # no stepping
        assert not terminated
    assert gait.invalid_commands == 10
    assert np.allclose(gait.step(np.zeros(3), obs["readings"], 0.02), stand)
    assert np.linalg.norm(info["ground_truth"].pos[:2] - env.sim.arena.start_xy) < 0.01


def test_nan_while_walking_holds_the_last_command(env):
    env.reset(1)
    for i in range(150):
        cmd = np.array([np.inf, np.nan, 0.0]) if 50 <= i < 100 else np.array([0.5, 0.0, 0.0])
        _, _, terminated, _, info = env.step(cmd)
        assert not terminated
    assert env.gait.invalid_commands == 50
    assert info["ground_truth"].pos[0] - env.sim.arena.start_xy[0] > 1.0


def test_commands_are_clamped_and_counted():
    gait = TrotGait()
    cfg = gait.config
    out = gait.clamp(np.array([5.0, -5.0, 9.0]))
    assert (
        cfg.vx_min <= out[0] <= cfg.vx_max and abs(out[1]) <= cfg.vy_max and abs(out[2]) <= cfg.yaw_rate_max
    )
    speeds = np.hypot(out[0] - out[2] * gait.nominal[:, 1], out[1] + out[2] * gait.nominal[:, 0])
    assert speeds.max() <= cfg.foot_speed_max + 1e-9
    assert np.array_equal(gait.clamp(np.array([0.3, 0.0, 0.0])), [0.3, 0.0, 0.0])


def test_a_velocity_filter_overflowed_to_non_finite_is_reset_not_kept():
    """Finite odometry velocities whose difference overflows (1e308, then -1.7e308) used to leave the placement
    filter NaN for good, and every joint target after it NaN. The trot trusts what gait_node lets through;
    whatever the filters are fed, a state that is not finite is reset."""
    gait = TrotGait()

    def reading(vx: float) -> Readings:
        return Readings(stamp=0.0, joint_pos=np.zeros(12), joint_vel=np.zeros(12), joint_effort=np.zeros(12),
                        imu_quat=np.array([0, 0, 0, 1.0]), imu_gyro=np.zeros(3), imu_accel=np.array([0, 0, 9.81]),
                        foot_forces=np.full(4, 30.0), odom_pos=np.zeros(3), odom_quat=np.array([0, 0, 0, 1.0]),
                        odom_lin_vel=np.array([vx, 0.0, 0.0]), odom_ang_vel=np.zeros(3))

    walk = np.array([0.5, 0.0, 0.0])
    for vx in [0.0] * 20 + [1e308, -1.7e308]:
        gait.step(walk, reading(vx), 0.02)
    assert np.all(np.isfinite(gait.vel_meas)) and np.all(np.isfinite(gait.vel_fast))
    for _ in range(50):
        assert np.all(np.isfinite(gait.step(walk, reading(0.0), 0.02)))


@pytest.mark.parametrize("seed", SEEDS)
def test_straight_walk(env, seed):
    m = run_program(env, "walk", 10.0, seed).metrics
    assert m.distance_m >= 4.0, m
    assert m.lateral_error_m <= 0.5, m
    assert m.falls == 0 and m.max_tilt_deg < 20.0, m


@pytest.mark.parametrize("seed", SEEDS)
def test_turn_in_place(env, seed):
    m = run_program(env, "turn", 9.0, seed).metrics
    assert abs(m.yaw_turned_deg - 360.0) < 20.0, m
    assert m.max_tilt_deg < 20.0 and m.falls == 0, m
    assert m.drift_m < 0.3, m


@pytest.mark.parametrize("seed", SEEDS)
def test_stand(env, seed):
    m = run_program(env, "stand", 10.0, seed).metrics
    assert m.drift_m < 0.05 and m.falls == 0, m


def test_command_range_sweep(env):
    """Every corner and centre of the documented command box: no falls, tilt bounded."""
    cfg = env.gait.config
    grid = itertools.product(
        (cfg.vx_min, 0.0, cfg.vx_max),
        (-cfg.vy_max, 0.0, cfg.vy_max),
        (-cfg.yaw_rate_max, 0.0, cfg.yaw_rate_max),
    )
    worst = 0.0
    for i, cmd in enumerate(grid):
        env.reset(i)
        tilt = 0.0
        for _ in range(150):  # 3 s
            _, _, terminated, _, info = env.step(np.array(cmd))
            assert not terminated, cmd
            q = info["ground_truth"].quat
            tilt = max(tilt, np.degrees(np.arccos(np.clip(1 - 2 * (q[0] ** 2 + q[1] ** 2), -1, 1))))
        assert tilt < 30.0, (cmd, tilt)
        worst = max(worst, tilt)


def test_gait_config_documents_reachable_default_speed():
    assert GaitConfig().default_speed >= 0.4
