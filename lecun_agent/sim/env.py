"""LocomotionEnv: the sim and the trot gait in one process, with a Gymnasium-style interface.

This is the fast path for bulk data collection and for tests: no ROS, no message passing,
the same sim and gait code the nodes wrap. Actions are body-velocity commands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lecun_agent.body.readings import Readings
from lecun_agent.episodes.metrics import EpisodeMetrics, episode_metrics
from lecun_agent.gait.config import GaitConfig
from lecun_agent.gait.trot import TrotGait
from lecun_agent.programs.scripted import PROGRAMS
from lecun_agent.sim.config import SimConfig
from lecun_agent.sim.sim import QuadrupedSim


class LocomotionEnv:
    """reset(seed) -> (obs, info); step(cmd (3,)) -> (obs, reward, terminated, truncated, info).

    obs = {"readings": Readings, "image": (H, W, 3) uint8 latest onboard frame or None,
           "image_stamp": float sim time of that frame (-1 if none)}.
    reward = progress towards the arena goal in metres during the step (a convenience signal;
    the agent's real objective is the intrinsic cost in lecun_agent/cost).
    terminated = the robot fell; truncated = max_episode_s reached.
    """

    def __init__(
        self,
        sim_config: SimConfig | None = None,
        gait_config: GaitConfig | None = None,
        action_repeat: int = 1,
        max_episode_s: float = 60.0,
    ):
        self.sim = QuadrupedSim(sim_config or SimConfig())
        self.gait = TrotGait(gait_config or GaitConfig(), self.sim.model)
        self.action_repeat = action_repeat  # control periods per step() call
        self.max_episode_s = max_episode_s
        self.action_low, self.action_high = self.gait.lower.copy(), self.gait.upper.copy()  # (3,)
        self._readings: Readings | None = None
        self._image: np.ndarray | None = None
        self._image_stamp = -1.0

    def reset(self, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
        self._readings = self.sim.reset(seed)
        self.gait.reset()
        self._image, self._image_stamp = None, -1.0
        self._grab_frame()
        return self._obs(), self._info()

    def step(self, cmd: np.ndarray) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        before = self._goal_distance()
        for _ in range(self.action_repeat):
            q = self.gait.step(np.asarray(cmd, dtype=float), self._readings, self.sim.config.control_dt)
            self.sim.set_joint_targets(q)
            self._readings = self.sim.step()
            self._grab_frame()
        terminated = self.sim.fallen()
        truncated = self.sim.time >= self.max_episode_s - 1e-9
        return self._obs(), before - self._goal_distance(), terminated, truncated, self._info()

    def close(self) -> None:
        self.sim.close()

    def _grab_frame(self) -> None:
        if self.sim.camera_due():
            self._image, self._image_stamp = self.sim.render_camera(), self.sim.time

    def _goal_distance(self) -> float:
        return float(np.linalg.norm(self.sim.ground_truth().pos[:2] - self.sim.arena.goal_xy))

    def _obs(self) -> dict[str, Any]:
        return {"readings": self._readings, "image": self._image, "image_stamp": self._image_stamp}

    def _info(self) -> dict[str, Any]:
        return {
            "ground_truth": self.sim.ground_truth(),
            "time": self.sim.time,
            "fallen": self.sim.fallen(),
            "gait_invalid_commands": self.gait.invalid_commands,
            "gait_clamped_commands": self.gait.clamped_commands,
            "goal_xy": self.sim.arena.goal_xy.copy(),
        }


@dataclass
class Rollout:
    """Ground-truth trajectory of one program run, plus its metrics."""

    times: np.ndarray  # (T,)
    positions: np.ndarray  # (T, 3)
    quats: np.ndarray  # (T, 4)
    fallen: np.ndarray  # (T,) bool
    joint_pos: np.ndarray  # (T, 12)
    metrics: EpisodeMetrics | None = None
    frames: list[np.ndarray] = field(default_factory=list)


def run_program(env: LocomotionEnv, program: str, seconds: float, seed: int) -> Rollout:
    """Reset with seed and drive a scripted program (see programs.PROGRAMS) for seconds of sim time."""
    fn = PROGRAMS[program]
    obs, info = env.reset(seed)
    rows = [(info["time"], info["ground_truth"], info["fallen"], obs["readings"].joint_pos)]
    for _ in range(int(round(seconds * env.sim.config.control_hz / env.action_repeat))):
        obs, _, _, _, info = env.step(fn(env.sim.time))
        rows.append((info["time"], info["ground_truth"], info["fallen"], obs["readings"].joint_pos))
    out = Rollout(
        times=np.array([r[0] for r in rows]),
        positions=np.array([r[1].pos for r in rows]),
        quats=np.array([r[1].quat for r in rows]),
        fallen=np.array([r[2] for r in rows]),
        joint_pos=np.array([r[3] for r in rows]),
    )
    out.metrics = episode_metrics(out.times, out.positions, out.quats, out.fallen)
    return out
