"""GaitConfig: the trot's timing, geometry, command limits and feedback gains.

Command limits (body frame, checked by sweep tests in test/test_gait.py):
  vx_min <= vx <= vx_max, |vy| <= vy_max, |yaw_rate| <= yaw_rate_max, and then the whole
  command is scaled down so no foot moves faster than foot_speed_max over the ground
  (v + w x p at the foot), because a stride longer than the leg can reach trips the body.
  Anything beyond is clamped and counted.
The default walking speed is what the scripted programs and the tests walk at.
"""

from __future__ import annotations

from dataclasses import dataclass

from lecun_agent.settings import setting


@dataclass
class GaitConfig:
    """Everything the trot needs besides the leg geometry (which comes from the URDF)."""

    # Command limits and defaults.
    # The command box: gait_node's read-only `limits.*` (may be narrowed, never widened).
    vx_max: float = setting(0.8, "fastest forward speed in m/s; faster commands are clamped", low=0.0,
                            high=0.8)
    vx_min: float = setting(-0.4, "fastest backward speed in m/s (negative): the backward-bent knees step "
                            "shorter going backward", low=-0.4, high=0.0)
    vy_max: float = setting(0.3, "fastest sideways speed in m/s", low=0.0, high=0.3)
    yaw_rate_max: float = setting(1.0, "fastest turn in rad/s", low=0.0, high=1.0)
    foot_speed_max: float = 0.85  # m/s, fastest foot over the ground, combined command
    default_speed: float = 0.5  # m/s, straight walking speed used by programs and tests
    default_yaw_rate: float = 0.8  # rad/s, turning-in-place speed used by programs and tests
    # Rate limits on the command, so a step change never throws the body over.
    lin_accel_max: float = 1.5  # m/s^2
    yaw_accel_max: float = 3.0  # rad/s^2
    # Timing and foot trajectory.
    period_s: float = 0.36  # one full gait cycle (each diagonal pair swings once)
    duty: float = 0.5  # fraction of the cycle a foot is on the ground (0.5 = trot)
    swing_height_m: float = 0.07
    body_height_m: float = 0.3365  # thigh joint to foot centre, standing (matches SimConfig.stand_pose)
    stance_width_extra_m: float = 0.0  # feet placed this much further out than the thigh joints
    # Below this |command| the gait finishes its cycle (a tilted body: at once) and stands still with feet planted.
    stand_epsilon: float = 0.02
    # Heading hold: yaw_rate += heading_kp * (integrated commanded yaw - IMU yaw).
    heading_kp: float = 2.0
    heading_error_max: float = 0.5  # rad, anti-windup of the yaw reference
    # Lateral correction: vy += lateral_kv * (vy_cmd - measured body vy), measured from odometry.
    lateral_kv: float = 0.5
    velocity_filter_s: float = 0.3  # s, time constant of the measured-velocity low-pass
    # Foot placement feedback: swing feet land placement_kv * (measured - commanded velocity)
    # further along (at most placement_max_m), which catches the body when it runs ahead.
    placement_kv: float = 0.1  # s
    placement_max_m: float = 0.06
    placement_filter_s: float = 0.04  # s, low-pass of the measured velocity used for placement
    # Levelled feet: a zero command on a body tilted at least level_from_rad (front feet up on a block, a
    # knock) stands at once, without the cycle that re-places the feet, and the standing feet are placed
    # part way to under the hips as gravity sees them: the frame they are given in turns by the IMU's roll
    # and pitch times level_gain (at most level_max_rad), low-passed. A body pitched back on its hind feet
    # then has them behind its centre of mass rather than under it, and comes back down level instead of
    # tipping on over backwards (docs/body.md, "Levelled feet"). Walking, the feet stay in the body frame.
    # Gain 0: never levelled.
    level_gain: float = 0.5
    level_from_rad: float = 0.15
    level_max_rad: float = 0.6
    level_filter_s: float = 0.1  # s
