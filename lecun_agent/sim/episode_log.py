"""What a simulated episode looked like, from the simulator's side: ground truth and a chase video.

sim_node owns the world, so it is the one place that knows the exact base pose, the exact
contacts and can render the chase view. It hands every control step here once:
- `truth.npz`: per control step t, base position and orientation, world velocity, summed
  non-foot contact force (N) and the joint mechanical power sum_j |tau_j * qdot_j| (W, the energy
  term with heat_coeff 0). Episode metrics are computed from it, so they are exact whatever a
  ROS subscriber happened to receive; plus the wall-clock time of each step (`wall_s` from the first
  step, for speed measurements; `wall_epoch_s`, the system clock that DDS stamps publications with,
  so a tool can tell the sim time at any publication: the only columns that differ between runs);
  and `goal_xy`, the goal of the arena it laid out, so a scorer can check it scores the same arena;
- `video.mp4` (optional): the chase view at `fps` of sim time with the onboard view inset.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from lecun_agent.body.readings import Readings
from lecun_agent.sim.sim import QuadrupedSim
from lecun_agent.sim.video import VideoWriter, compose_frame

log = logging.getLogger(__name__)
TRUTH_FILE = "truth.npz"


class EpisodeLog:
    def __init__(self, out_dir: str | Path, sim: QuadrupedSim, video: bool = True, fps: float = 25.0,
                 size: tuple[int, int] = (480, 360)) -> None:
        self.dir = Path(out_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.sim, self.fps, self.size = sim, fps, size
        self.rows: list[np.ndarray] = []
        self.last_t = -np.inf
        self.next_frame_t = -np.inf
        self.onboard = np.zeros((sim.config.camera_height, sim.config.camera_width, 3), np.uint8)
        self.writer = VideoWriter(self.dir / "video.mp4", fps, size) if video else None
        self.frames = 0
        self.overlays: list = []  # (world points (M, 3), RGB, thickness) drawn on the chase view (sim_node's plan)

    def add(self, t: float, readings: Readings, onboard: np.ndarray | None) -> None:
        """Once per control step (a step offered twice is logged once), with its onboard frame if any."""
        if onboard is not None:
            self.onboard = onboard
        if t <= self.last_t:
            return
        self.last_t = t
        gt = self.sim.ground_truth()
        power = float(np.abs(readings.joint_effort * readings.joint_vel).sum())
        self.rows.append(np.concatenate([[t], gt.pos, gt.quat, gt.lin_vel, [readings.body_contact_force, power,
                                                                             time.monotonic(), time.time()]]))
        if self.writer is not None and t + 1e-9 >= self.next_frame_t:
            self.next_frame_t = t + 1.0 / self.fps
            self.writer.write(compose_frame(self.sim.render_chase(*self.size, self.overlays), self.onboard))
            self.frames += 1

    def close(self) -> None:
        table = np.array(self.rows).reshape(-1, 15)
        tmp = self.dir / (TRUTH_FILE + ".tmp.npz")
        np.savez(tmp, t=table[:, 0], pos=table[:, 1:4], quat=table[:, 4:8], lin_vel=table[:, 8:11],
                 body_contact_force=table[:, 11], energy_w=table[:, 12], wall_s=table[:, 13] - table[0, 13],
                 wall_epoch_s=table[:, 14], goal_xy=np.asarray(self.sim.arena.goal_xy, dtype=float))
        tmp.replace(self.dir / TRUTH_FILE)
        if self.writer is not None:
            self.writer.close()
            log.info("wrote %d frames to %s", self.frames, self.dir / "video.mp4")


def odom_to_world(points_xy: np.ndarray, odom_pose: tuple[float, float, float],
                  true_pose: tuple[float, float, float], z: float = 0.03) -> np.ndarray:
    """Odom-frame points (M, 2) -> world points (M, 3) at height z, through the instant where odometry
    says (x, y, yaw) `odom_pose` and the truth is `true_pose` (odometry drifts; the video shows the truth)."""
    (ox, oy, oyaw), (wx, wy, wyaw) = odom_pose, true_pose
    d = np.asarray(points_xy, float) - (ox, oy)
    turn = wyaw - oyaw
    c, s = np.cos(turn), np.sin(turn)
    xy = np.stack([c * d[:, 0] - s * d[:, 1] + wx, s * d[:, 0] + c * d[:, 1] + wy], axis=-1)
    return np.concatenate([xy, np.full((len(xy), 1), z)], axis=-1)


def load_truth(run_dir: str | Path) -> dict[str, np.ndarray]:
    """The arrays sim_node logged for an episode (see the module docstring)."""
    path = Path(run_dir) / TRUTH_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: did sim_node run with record_dir={run_dir} and stop cleanly?")
    with np.load(path) as data:
        return {k: data[k] for k in data.files}
