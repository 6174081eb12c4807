"""Configuration of the simulated world and body: what a run of the simulator is made of.

Every number a test or an experiment may want to change lives here, with its unit, so a
run is reproducible from (SimConfig, seed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lecun_agent.settings import setting

SLOW_PACE = 0.9  # real time: a sim slower than this fraction of the asked realtime_factor is said to be too slow


@dataclass
class ArenaConfig:
    """A square walled arena with box obstacles and a goal, laid out from the seed."""

    layout: str = setting("corridor", "corridor: obstacles beside a clear corridor ahead of the start, "
                          "the goal anywhere (walking tests); goal: a goal goal_distance_min_m to _max_m away, "
                          "often behind an obstacle (goal episodes)", choices=("corridor", "goal"))
    size_m: float = setting(10.0, "side of the square arena in m, walls on its border", low=4.0, high=50.0)
    obstacle_count: int = setting(6, "box obstacles laid out from the seed (corridor layout; the goal "
                                  "layout draws goal_obstacles_min to _max)", low=0, high=40)
    # Goal layout (layout="goal"): obstacle count and goal distance drawn per seed from these ranges.
    goal_obstacles_min: int = setting(3, "goal layout: fewest box obstacles a seed draws (one may lie across "
                                      "the start-goal line)", low=0, high=40)
    goal_obstacles_max: int = setting(6, "goal layout: most box obstacles a seed draws", low=0, high=40)
    goal_distance_min_m: float = setting(3.0, "goal layout: nearest goal a seed draws, m from the start",
                                         low=0.5, high=40.0)
    goal_distance_max_m: float = setting(5.0, "goal layout: farthest goal a seed draws, m from the start",
                                         low=0.5, high=40.0)
    obstacle_half_extent_range: tuple[float, float] = (0.15, 0.45)  # m, per horizontal axis
    obstacle_height_range: tuple[float, float] = (0.3, 0.8)  # m
    start_xy: tuple[float, float] | None = None  # m; None = 1.5 m in from the -x wall, centred
    start_yaw: float = 0.0  # rad, robot start heading (facing +x)
    start_clearance_m: float = 1.0  # no obstacle within this radius of the start
    # A corridor straight ahead of the start is kept free, so a straight walk can never be
    # blocked by the layout (the walk tests stay fair for every seed).
    corridor_length_m: float = 7.0  # capped to what fits inside the walls (corridor_length())
    corridor_half_width_m: float = 0.9
    goal_min_distance_m: float = 2.5  # goal at least this far from the start
    wall_height_m: float = 0.4
    goal_radius_m: float = 0.15  # size of the visible goal marker
    goal_blocked_fraction: float = 0.45  # seeds that get an obstacle across the start-goal line
    start_heading_error_max_rad: float = 0.5236  # start yaw within this of the goal bearing (30 deg)
    goal_clearance_m: float = 0.6  # no obstacle footprint within this of the goal (the robot stands there)
    goal_wall_clearance_m: float = 0.8  # goal at least this far inside the walls
    robot_half_width_m: float = 0.2  # obstacles grown by this decide whether the start-goal line is blocked
    passage_margin_m: float = 0.3  # a way around exists with every obstacle and wall grown by this

    def start(self) -> np.ndarray:
        """(2,) m, the robot's start position; a start outside the walls is a clear error."""
        half = self.size_m / 2.0
        xy = np.array(self.start_xy if self.start_xy is not None else (-half + 1.5, 0.0), dtype=float)
        if np.any(np.abs(xy) > half - 0.3):
            raise ValueError(f"start {xy.tolist()} is outside the {self.size_m} m arena's walls")
        return xy

    def corridor_length(self) -> float:
        """m of clear corridor ahead of the start: corridor_length_m, or less in a small arena."""
        heading = np.array([np.cos(self.start_yaw), np.sin(self.start_yaw)])
        ahead = self.size_m / 2.0 - float(self.start() @ heading)  # to the wall ahead (axis-aligned start)
        return float(max(0.0, min(self.corridor_length_m, ahead - 1.5)))


@dataclass
class SimConfig:
    """Rates, sensors, noise and joint PD of one simulated robot."""

    physics_hz: float = setting(250.0, "physics steps per sim second (an integer multiple of control_hz)",
                                low=240.0, high=1000.0)
    control_hz: float = setting(50.0, "joint_states rate and joint-command period: one step() is "
                                "physics_hz / control_hz substeps", low=20.0, high=200.0)
    camera_width: int = setting(64, "onboard camera width in px", low=16, high=640)
    camera_height: int = setting(64, "onboard camera height in px", low=16, high=480)
    camera_hz: float = setting(10.0, "onboard camera frame rate: one agent tick per frame", low=1.0,
                               high=30.0)
    camera_enabled: bool = setting(True, "render the onboard camera")
    camera_fov_deg: float = 70.0  # vertical field of view
    camera_near_m: float = 0.02
    camera_far_m: float = 15.0
    # Noise scales: 0 gives exact readings, 1 the nominal noise model in sensors.py.
    imu_noise: float = 1.0
    odom_noise: float = 1.0
    arena: ArenaConfig = field(default_factory=ArenaConfig)
    gui: bool = setting(False, "open the PyBullet window")
    # Joint PD, run by the physics engine's implicit motor (stable at any gain). The gains
    # are pybullet's normalised position/velocity gains; the torque is capped at the URDF
    # effort limit.
    kp: float = 0.1
    kd: float = 1.0
    velocity_feedforward: bool = True  # damp towards the target's velocity, not towards zero
    ground_friction: float = 1.0
    # Standing joint angles per leg (hip, thigh, calf), rad: feet under the thigh joints.
    stand_pose: tuple[float, float, float] = (0.0, 0.7, -1.4)
    # Fall detection: tilt above this or base lower than this counts as fallen.
    fall_tilt_rad: float = 1.0
    fall_height_m: float = 0.15

    @property
    def substeps(self) -> int:
        ratio = self.physics_hz / self.control_hz
        if abs(ratio - round(ratio)) > 1e-9 or ratio < 1:
            raise ValueError(
                f"physics_hz {self.physics_hz} is not a multiple of control_hz {self.control_hz}"
            )
        return int(round(ratio))

    @property
    def control_dt(self) -> float:
        return 1.0 / self.control_hz
