"""TrotGait: turns a body-velocity command (vx, vy, yaw_rate) into 12 joint position targets.

A phase oscillator drives diagonal pairs (FL+RR, FR+RL) half a cycle apart. Stance feet move
backward under the body at the commanded velocity; swing feet lift and land half a stance
stride ahead (Raibert placement), plus a term for the measured body velocity running ahead of
the command, which catches the body in fast turns. Leg IK turns foot positions into joint
targets, and the robot's PD (simulated or real) tracks them. Heading is held with the IMU yaw,
and sideways slip is corrected with the odometry velocity, since an open-loop trot drifts
metres in 10 s. A tilted body (a climb at a block, a knock) told to stop stands at once, with its
feet levelled: placed part way to under the hips as gravity sees them (GaitConfig.level_*).
"""

from __future__ import annotations

import logging

import numpy as np

from lecun_agent.body.readings import LEGS, Readings, quat_to_rpy, rpy_matrix, wrap_angle
from lecun_agent.body.robot_model import RobotModel, load_robot_model
from lecun_agent.gait.config import GaitConfig
from lecun_agent.gait.kinematics import leg_geometries, leg_ik

log = logging.getLogger(__name__)

PHASE_OFFSETS = {"FL": 0.0, "RR": 0.0, "FR": 0.5, "RL": 0.5}  # diagonal pairs
PHASE_DECIMALS = 9  # the phase is kept to 1e-9 of a cycle
LEVEL_DONE_RAD = 1e-4  # a levelling decaying below this is over


class TrotGait:
    """Stateful trot controller; call step() once per control period."""

    def __init__(self, config: GaitConfig | None = None, model: RobotModel | None = None):
        self.config = config or GaitConfig()
        self.geo = leg_geometries(model or load_robot_model())
        cfg = self.config
        # Nominal foot points (x, y) in the base frame: under the thigh joints.
        self.nominal = np.array(
            [
                [
                    g.hip_origin[0],
                    g.hip_origin[1] + g.thigh_offset + np.sign(g.thigh_offset) * cfg.stance_width_extra_m,
                ]
                for g in self.geo.values()
            ]
        )  # (4, 2)
        self.lower = np.array([cfg.vx_min, -cfg.vy_max, -cfg.yaw_rate_max])  # (3,)
        self.upper = np.array([cfg.vx_max, cfg.vy_max, cfg.yaw_rate_max])  # (3,)
        self.reset()

    def reset(self) -> None:
        """Stand still, forget the heading reference and the last command, zero the counters."""
        self.invalid_commands = 0  # non-finite commands ignored since reset (the node logs these)
        self.clamped_commands = 0  # commands beyond the limits since reset
        self.phase = 0.0
        self.active = False
        self.idle_s = 0.0
        self.cmd = np.zeros(3)  # (3,) rate-limited command being executed
        self.last_valid = np.zeros(3)  # (3,) last finite, clamped command received
        self.offsets = np.zeros((4, 2))  # (4, 2) foot xy relative to nominal, base frame
        self.lift = np.zeros(4)  # (4,) foot height above the stance plane
        self.liftoff = np.zeros((4, 2))  # (4, 2) offsets at the start of each swing
        self.in_swing = np.zeros(4, dtype=bool)
        self.yaw_ref: float | None = None
        self.vel_meas = np.zeros(2)  # (2,) filtered body-frame vx, vy from odometry
        self.vel_fast = np.zeros(2)  # (2,) the same, lightly filtered, for foot placement
        self.last_command_valid = True
        self.level = np.zeros(2)  # (2,) roll, pitch rad the standing feet are placed against (low-passed)

    def standing_pose(self) -> np.ndarray:
        """(12,) joint targets with all four feet under the thigh joints at body height."""
        return self._joint_targets(np.zeros((4, 2)), np.zeros(4), np.zeros(2))

    # ---- command handling ------------------------------------------------------------
    def _accept(self, command: np.ndarray) -> np.ndarray:
        command = np.asarray(command, dtype=float).reshape(3)
        self.last_command_valid = bool(np.all(np.isfinite(command)))
        if not self.last_command_valid:
            self.invalid_commands += 1
            log.warning("non-finite gait command %s ignored; holding %s", command, self.last_valid)
            return self.last_valid
        clamped = self.clamp(command)
        if np.any(clamped != command):
            self.clamped_commands += 1
        self.last_valid = clamped
        return clamped

    def clamp(self, command: np.ndarray) -> np.ndarray:
        """(3,) command inside the documented limits: per axis, then the fastest foot's speed."""
        out = np.clip(np.asarray(command, dtype=float), self.lower, self.upper)
        # A foot's ground speed is v + w x p; a stride longer than the leg can reach trips the body.
        speeds = np.hypot(out[0] - out[2] * self.nominal[:, 1], out[1] + out[2] * self.nominal[:, 0])
        fastest = float(speeds.max())
        if fastest > self.config.foot_speed_max:
            out = out * (self.config.foot_speed_max / fastest)
        return out

    def _ramp(self, target: np.ndarray, dt: float) -> None:
        cfg = self.config
        step = np.array([cfg.lin_accel_max, cfg.lin_accel_max, cfg.yaw_accel_max]) * dt
        self.cmd = self.cmd + np.clip(target - self.cmd, -step, step)

    # ---- feedback ----------------------------------------------------------------------
    def _corrected(self, readings: Readings, dt: float) -> np.ndarray:
        """Command with heading hold (IMU yaw) and sideways-slip correction (odometry)."""
        cfg = self.config
        yaw = float(quat_to_rpy(readings.imu_quat)[2])
        alpha = min(1.0, dt / cfg.velocity_filter_s)
        measured = np.asarray(readings.odom_lin_vel[:2], dtype=float)
        self.vel_meas += alpha * (measured - self.vel_meas)
        self.vel_fast += min(1.0, dt / cfg.placement_filter_s) * (measured - self.vel_fast)
        for state in (self.vel_meas, self.vel_fast):
            if not np.all(np.isfinite(state)):  # NaN would stay in a filter for good: start it afresh
                log.warning("velocity filter state %s not finite (odometry %s); reset", state, measured)
                state[:] = 0.0
        if self.yaw_ref is None or not self.active:
            self.yaw_ref = yaw
            return self.cmd.copy()
        self.yaw_ref = wrap_angle(self.yaw_ref + self.cmd[2] * dt)
        err = wrap_angle(self.yaw_ref - yaw)
        if abs(err) > cfg.heading_error_max:  # anti-windup: the reference waits for the body
            err = float(np.sign(err)) * cfg.heading_error_max
            self.yaw_ref = wrap_angle(yaw + err)
        out = self.cmd.copy()
        out[2] += cfg.heading_kp * err
        out[1] += cfg.lateral_kv * (self.cmd[1] - self.vel_meas[1])
        return self.clamp(out)

    # ---- the gait ----------------------------------------------------------------------
    def step(self, command: np.ndarray, readings: Readings, dt: float) -> np.ndarray:
        """command (3,) vx m/s, vy m/s, yaw_rate rad/s; returns (12,) joint targets, rad."""
        cfg = self.config
        self._ramp(self._accept(command), dt)
        roll_pitch, tilt = self._tilt(readings)
        moving = float(np.max(np.abs(self.cmd))) > cfg.stand_epsilon
        if moving and not self.active:
            self.active, self.phase, self.idle_s = True, 0.0, 0.0
        elif self.active and not moving:
            self.idle_s += dt
            # One full cycle at zero velocity re-places every foot at nominal; then stand. A tilted body
            # stands at once: a foot lifted to re-place it is one fewer holding a body that is tipping.
            cycled = self.idle_s >= cfg.period_s and self.phase < 1e-9 + dt / cfg.period_s
            if cycled or tilt >= cfg.level_from_rad:
                self.active = False
        elif moving:
            self.idle_s = 0.0
        v = self._corrected(readings, dt)
        if self.active:
            # Rounded: a control period divides the cycle exactly (0.36 s = 18 x 0.02 s), so the swing
            # and stance switches fall on step boundaries, and float noise in dt (stamps are integer
            # nanoseconds) would decide the side of each switch and with it the gait: a 15 % slower
            # walk through ROS than in-process until this rounding (docs/body.md).
            self.phase = round((self.phase + dt / cfg.period_s) % 1.0, PHASE_DECIMALS) % 1.0
            self._update_feet(v, dt)
        else:
            self.lift[:] = 0.0
        self._follow_level(roll_pitch, tilt, dt)
        return self._joint_targets(self.offsets, self.lift, self.level)

    @staticmethod
    def _tilt(readings: Readings) -> tuple[np.ndarray, float]:
        """The IMU's (roll, pitch) rad and tilt; a non-finite attitude counts as level."""
        roll_pitch = quat_to_rpy(readings.imu_quat)[:2]
        if not np.all(np.isfinite(roll_pitch)):
            return np.zeros(2), 0.0
        return roll_pitch, float(np.hypot(*roll_pitch))

    def _follow_level(self, roll_pitch: np.ndarray, tilt: float, dt: float) -> None:
        """Standing on a body tilted at least level_from_rad, move `level` towards the IMU's roll and pitch
        times the gain; walking, or near level, towards zero."""
        cfg, target = self.config, np.zeros(2)
        if not self.active and tilt >= cfg.level_from_rad:
            target = np.clip(cfg.level_gain * roll_pitch, -cfg.level_max_rad, cfg.level_max_rad)
        self.level += min(1.0, dt / cfg.level_filter_s) * (target - self.level)
        if not target.any() and float(np.abs(self.level).max()) < LEVEL_DONE_RAD:
            self.level[:] = 0.0  # back in the body frame exactly, not after an endless decay

    def _update_feet(self, v: np.ndarray, dt: float) -> None:
        cfg = self.config
        swing_frac = 1.0 - cfg.duty
        t_stance = cfg.duty * cfg.period_s
        for i, leg in enumerate(LEGS):
            p = self.nominal[i] + self.offsets[i]  # (2,) foot xy in the base frame
            # Velocity of the ground under this foot as seen from the body: v + w x p.
            v_foot = np.array([v[0] - v[2] * p[1], v[1] + v[2] * p[0]])
            leg_phase = (self.phase + PHASE_OFFSETS[leg]) % 1.0
            if leg_phase < swing_frac:
                s = leg_phase / swing_frac
                if not self.in_swing[i]:
                    self.in_swing[i] = True
                    self.liftoff[i] = self.offsets[i]
                vn = np.array([v[0] - v[2] * self.nominal[i][1], v[1] + v[2] * self.nominal[i][0]])
                # Raibert: step further in the direction the body moves faster than commanded.
                lead = cfg.placement_kv * (self.vel_fast - v[:2])
                lead = np.clip(lead, -cfg.placement_max_m, cfg.placement_max_m)
                target = vn * t_stance / 2.0 + lead
                blend = s * s * (3 - 2 * s)  # smoothstep: zero velocity at lift-off and touchdown
                self.offsets[i] = self.liftoff[i] + (target - self.liftoff[i]) * blend
                self.lift[i] = cfg.swing_height_m * 0.5 * (1.0 - np.cos(2 * np.pi * s))
            else:
                self.in_swing[i] = False
                self.lift[i] = 0.0
                self.offsets[i] = self.offsets[i] - v_foot * dt

    def _joint_targets(self, offsets: np.ndarray, lift: np.ndarray, level: np.ndarray) -> np.ndarray:
        """offsets (4, 2), lift (4,), level (2,) roll and pitch rad the foot points are given against
        -> (12,) joint targets in JOINT_NAMES order."""
        q = np.zeros(12)
        to_body = rpy_matrix(*level, 0.0).T if np.any(level) else None  # level frame -> base frame
        for i, g in enumerate(self.geo.values()):
            foot_b = np.array(
                [
                    self.nominal[i][0] + offsets[i][0],
                    self.nominal[i][1] + offsets[i][1],
                    -self.config.body_height_m + lift[i],
                ]
            )
            if to_body is not None:
                foot_b = to_body @ foot_b
            q[3 * i : 3 * i + 3] = leg_ik(foot_b - g.hip_origin, g)
        return q
