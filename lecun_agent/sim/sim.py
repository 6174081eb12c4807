"""QuadrupedSim: one simulated robot in one arena, stepped at the control rate, ROS-free.

This is the body that sim_node wraps and that in-process data collection and the fast tests
drive directly. It owns its pybullet client, so several sims can live in one process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pybullet

from lecun_agent.body.readings import Readings
from lecun_agent.body.robot_model import RobotModel, load_robot_model
from lecun_agent.episodes.metrics import fallen_flags
from lecun_agent.sim import camera
from lecun_agent.sim.arena import Arena, layout_arena
from lecun_agent.sim.config import SimConfig
from lecun_agent.sim.sensors import ImuModel, OdometryEstimator, read_contacts, read_joints
from lecun_agent.sim.video import draw_polylines
from lecun_agent.sim.world import RobotHandles, build_static_world, load_robot

log = logging.getLogger(__name__)


@dataclass
class GroundTruth:
    """Exact base state, world frame. For evaluation only; the agent never sees it."""

    pos: np.ndarray  # (3,) m
    quat: np.ndarray  # (4,) x, y, z, w
    lin_vel: np.ndarray  # (3,) m/s, world frame
    ang_vel: np.ndarray  # (3,) rad/s, world frame


class QuadrupedSim:
    """A pybullet quadruped with realistic readings, joint-target control and cameras."""

    def __init__(self, config: SimConfig | None = None):
        self.config = config or SimConfig()
        self.substeps = self.config.substeps  # ValueError here, not at the first step, for a rate that does not divide
        self.model: RobotModel = load_robot_model()
        self._lower, self._upper = self.model.lower, self.model.upper  # (12,) rad
        self._effort = self.model.effort_limits  # (12,) N*m
        self._vel_max = self.model.velocity_limits  # (12,) rad/s
        mode = pybullet.GUI if self.config.gui else pybullet.DIRECT
        self.client = pybullet.connect(mode)
        self.time = 0.0
        self.arena: Arena | None = None
        self.robot: RobotHandles | None = None
        self._targets = np.zeros(12)
        self._next_frame_t = 0.0

    # ---- episode -----------------------------------------------------------------------
    def reset(self, seed: int) -> Readings:
        """Rebuild the world from scratch from the seed; the robot stands at the start pose. A seed the arena
        settings cannot lay out raises ValueError and leaves the world as it was."""
        cfg, c = self.config, self.client
        arena = layout_arena(cfg.arena, seed)
        pybullet.resetSimulation(physicsClientId=c)
        pybullet.setPhysicsEngineParameter(
            fixedTimeStep=1.0 / cfg.physics_hz, deterministicOverlappingPairs=1, physicsClientId=c
        )
        pybullet.setGravity(0, 0, -9.81, physicsClientId=c)
        if cfg.gui:
            pybullet.configureDebugVisualizer(pybullet.COV_ENABLE_RENDERING, 0, physicsClientId=c)
        self.arena = arena
        build_static_world(c, self.arena, cfg)
        self.robot = load_robot(c, self.arena, cfg)
        if cfg.gui:
            pybullet.configureDebugVisualizer(pybullet.COV_ENABLE_RENDERING, 1, physicsClientId=c)
        # Separate streams so turning the camera or odometry on/off never changes IMU noise.
        imu_rng, odom_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
        self._imu = ImuModel(imu_rng, cfg.imu_noise)
        gt = self.ground_truth()
        yaw = float(self.arena.start_yaw)
        self._odom = OdometryEstimator(odom_rng, cfg.odom_noise, gt.pos, yaw)
        self._prev_lin_vel = gt.lin_vel
        self.time = 0.0
        self._next_frame_t = 0.0
        self._targets = np.array(list(cfg.stand_pose) * 4)
        self.set_joint_targets(self._targets)
        log.debug("reset seed=%d: %d obstacles, goal %s", seed, len(self.arena.obstacles), self.arena.goal_xy)
        return self._readings(gt)

    def close(self) -> None:
        if self.client is not None and pybullet.isConnected(self.client):
            pybullet.disconnect(self.client)
        self.client = None

    # ---- control -----------------------------------------------------------------------
    def set_joint_targets(self, q: np.ndarray) -> None:
        """(12,) joint position targets, rad, JOINT_NAMES order; clipped to the URDF limits."""
        q = np.asarray(q, dtype=float).reshape(12)
        if not np.all(np.isfinite(q)):
            log.warning("non-finite joint targets ignored; holding the previous targets")
            return
        q = np.clip(q, self._lower, self._upper)
        # Target velocity from successive targets, so the damping term does not fight a
        # moving target (what kd * (dq_des - dq) does in a real joint driver).
        dq = (
            (q - self._targets) / self.config.control_dt if self.config.velocity_feedforward else np.zeros(12)
        )
        self._targets = q
        pybullet.setJointMotorControlArray(
            self.robot.body,
            self.robot.joint_ids,
            pybullet.POSITION_CONTROL,
            targetPositions=self._targets.tolist(),
            targetVelocities=np.clip(dq, -self._vel_max, self._vel_max).tolist(),
            positionGains=[self.config.kp] * 12,
            velocityGains=[self.config.kd] * 12,
            forces=self._effort.tolist(),
            physicsClientId=self.client,
        )

    def step(self) -> Readings:
        """Advance one control period (physics_hz / control_hz substeps); readings at the new time."""
        for _ in range(self.substeps):
            pybullet.stepSimulation(physicsClientId=self.client)
        self.time += self.config.control_dt
        return self._readings(self.ground_truth())

    # ---- sensing -----------------------------------------------------------------------
    def ground_truth(self) -> GroundTruth:
        pos, quat = pybullet.getBasePositionAndOrientation(self.robot.body, physicsClientId=self.client)
        lin, ang = pybullet.getBaseVelocity(self.robot.body, physicsClientId=self.client)
        return GroundTruth(np.array(pos), np.array(quat), np.array(lin), np.array(ang))

    def _readings(self, gt: GroundTruth) -> Readings:
        dt = self.config.control_dt
        acc_w = (gt.lin_vel - self._prev_lin_vel) / dt  # (3,) finite difference over the control period
        self._prev_lin_vel = gt.lin_vel
        pos, vel, eff = read_joints(self.client, self.robot)
        feet, body = read_contacts(self.client, self.robot)
        imu_q, gyro, accel = self._imu.read(gt.quat, gt.ang_vel, acc_w if self.time > 0 else np.zeros(3))
        o_pos, o_q, o_v, o_w = self._odom.update(gt.pos, gt.quat, gt.lin_vel, gt.ang_vel, dt if self.time > 0 else 0.0)
        return Readings(stamp=self.time, joint_pos=pos, joint_vel=vel, joint_effort=eff, imu_quat=imu_q,
                        imu_gyro=gyro, imu_accel=accel, foot_forces=feet, odom_pos=o_pos, odom_quat=o_q,
                        odom_lin_vel=o_v, odom_ang_vel=o_w, body_contacts=body)

    def fallen(self) -> bool:
        gt = self.ground_truth()
        return bool(fallen_flags(gt.pos[None], gt.quat[None], self.config)[0])

    # ---- cameras -----------------------------------------------------------------------
    def camera_due(self) -> bool:
        """True when an onboard frame is due at camera_hz (render_camera consumes it)."""
        return self.config.camera_enabled and self.time + 1e-9 >= self._next_frame_t

    def render_camera(self) -> np.ndarray:
        """(H, W, 3) uint8 onboard RGB from camera_link; the robot's own body is out of view."""
        cfg = self.config
        self._next_frame_t = max(self._next_frame_t + 1.0 / cfg.camera_hz, self.time + 1e-9)
        if self._next_frame_t - self.time > 1.0 / cfg.camera_hz:  # we were late: schedule from now
            self._next_frame_t = self.time + 1.0 / cfg.camera_hz
        return camera.render_onboard(
            self.client,
            self.robot.body,
            self.robot.link_ids[self.model.camera_link],
            cfg.camera_width,
            cfg.camera_height,
            cfg.camera_fov_deg,
            cfg.camera_near_m,
            cfg.camera_far_m,
        )

    def camera_intrinsics(self) -> tuple[float, float, float, float]:
        """(fx, fy, cx, cy) in pixels of the onboard camera (optical frame: z forward, x right, y down)."""
        cfg = self.config
        return camera.intrinsics(cfg.camera_width, cfg.camera_height, cfg.camera_fov_deg)

    def render_chase(self, width: int = 320, height: int = 240, overlays=()) -> np.ndarray:
        """(H, W, 3) uint8 third-person view from behind the robot, for videos; `overlays` are
        (world points (M, 3), RGB colour, thickness) polylines drawn on it (a plan, sampled paths)."""
        frame = camera.render_chase(self.client, self.robot.body, width, height)
        if not overlays:
            return frame
        pose = camera.chase_pose(self.client, self.robot.body)
        return draw_polylines(frame, [(camera.project(points, *pose, width, height, camera.CHASE_FOV_DEG), color,
                                       thickness) for points, color, thickness in overlays])
