"""Standing levelled: a standing gait on a tilted body places its feet under the hips as gravity sees them.

The fall it is for: pitched back on its hind feet after climbing at a block, a robot standing under the
guardrail's tilted_stop kept its feet placed in the body frame, so its hind feet stood under its centre
of mass and it tipped on over backwards (docs/body.md, "Levelled feet").
"""

import numpy as np
import pytest

from lecun_agent.bench.tipped import tipped_and_stood
from lecun_agent.body.readings import Readings, quat_to_rpy, rotation_matrix, rpy_matrix
from lecun_agent.gait.config import GaitConfig
from lecun_agent.gait.kinematics import leg_fk
from lecun_agent.gait.trot import TrotGait

DT = 0.02


def readings(roll: float = 0.0, pitch: float = 0.0) -> Readings:
    """A body at rest at this roll and pitch (rad), yaw 0."""
    cr, sr, cp, sp = np.cos(roll / 2), np.sin(roll / 2), np.cos(pitch / 2), np.sin(pitch / 2)
    quat = np.array([sr * cp, cr * sp, -sr * sp, cr * cp])  # x, y, z, w of Ry(pitch) Rx(roll)
    z3, z12 = np.zeros(3), np.zeros(12)
    return Readings(0.0, z12, z12, z12, quat, z3, np.array([0.0, 0.0, 9.81]), np.zeros(4), z3,
                    np.array([0.0, 0.0, 0.0, 1.0]), z3, z3)


def feet_in_level_frame(gait: TrotGait, q: np.ndarray, roll: float, pitch: float) -> np.ndarray:
    """(4, 3) foot points relative to the base, in the yaw-only frame of a base at this roll and pitch."""
    feet = np.array([leg_fk(q[3 * i : 3 * i + 3], g) + g.hip_origin for i, g in enumerate(gait.geo.values())])
    return feet @ rpy_matrix(roll, pitch, 0.0).T  # rows: (to_body^T p) = body -> level


def stand(gait: TrotGait, r: Readings, steps: int = 50) -> np.ndarray:
    for _ in range(steps):
        q = gait.step(np.zeros(3), r, DT)
    return q


def test_the_level_frame_turns_by_the_body_attitude():
    roll, pitch = 0.2, -0.4
    r = readings(roll, pitch)
    assert np.allclose(quat_to_rpy(r.imu_quat)[:2], [roll, pitch])
    assert np.allclose(rpy_matrix(roll, pitch, 0.0).T, rotation_matrix(r.imu_quat).T)


def test_standing_on_a_level_body_is_the_standing_pose_exactly():
    gait = TrotGait()
    assert np.array_equal(stand(gait, readings(0.05, -0.05)), gait.standing_pose())  # under level_from_rad
    assert not gait.level.any()


@pytest.mark.parametrize("roll, pitch", [(0.0, -0.5), (0.0, 0.4), (0.35, 0.0), (-0.3, -0.3)])
def test_standing_tilted_places_the_feet_part_way_to_plumb_below_the_hips(roll, pitch):
    gait = TrotGait()
    gain = gait.config.level_gain
    q = stand(gait, readings(roll, pitch))
    assert np.allclose(gait.level, [gain * roll, gain * pitch], atol=1e-3)
    placed = feet_in_level_frame(gait, q, gain * roll, gain * pitch)
    hips = np.array([[*p, -gait.config.body_height_m] for p in gait.nominal])
    assert np.allclose(placed, hips, atol=2e-3)  # below the hips in the frame turned by gain x the tilt
    level = feet_in_level_frame(gait, q, roll, pitch)
    body = feet_in_level_frame(gait, gait.standing_pose(), roll, pitch)
    if pitch < 0:  # pitched back (nose up): the hind feet stand further back than the body frame puts them
        assert np.all(level[2:, 0] < body[2:, 0] - 0.03)


def test_walking_and_a_non_finite_attitude_are_not_levelled():
    gait = TrotGait()
    stand(gait, readings(0.0, -0.5))
    assert gait.level.any()  # standing: levelled
    for _ in range(40):  # walking on the same tilt: the levelling decays, and ends exactly
        gait.step(np.array([0.3, 0.0, 0.0]), readings(0.0, -0.5), DT)
    assert gait.active and not gait.level.any()
    gait = TrotGait()
    bad = readings()
    bad.imu_quat = np.array([np.nan, 0.0, 0.0, 1.0])
    assert np.array_equal(stand(gait, bad), gait.standing_pose())


def test_a_tilted_body_stands_at_once_without_the_cycle_that_re_places_the_feet():
    gait = TrotGait()
    for _ in range(20):
        gait.step(np.array([0.4, 0.0, 0.0]), readings(), DT)
    for _ in range(30):  # the command ramps down to zero within 0.3 s; level, the cycle then runs on
        gait.step(np.zeros(3), readings(), DT)
    assert gait.active
    gait.step(np.zeros(3), readings(0.0, -1.2 * gait.config.level_from_rad), DT)
    assert not gait.active and not gait.lift.any()


def test_off_with_zero_gain():
    gait = TrotGait(GaitConfig(level_gain=0.0))
    assert np.array_equal(stand(gait, readings(0.0, -0.5)), gait.standing_pose())


@pytest.mark.parametrize("roll, pitch", [(0.0, -0.65), (0.0, 0.7), (0.5, -0.5)])
def test_a_body_tipped_while_standing_comes_back_level(roll, pitch):
    """In the sim: tip the standing robot 37-40 degrees (back onto its hind feet, forward onto its front feet,
    or back and sideways), as a climb at a block leaves it, and let it stand. Levelled, it comes back down
    level; with its feet placed in the body frame (gain 0) it tips on over, the fall of seed 1210."""
    levelled = tipped_and_stood(roll, pitch, GaitConfig())
    assert not levelled.fell and levelled.tilt_rad < 0.02
    assert tipped_and_stood(roll, pitch, GaitConfig(level_gain=0.0)).fell
