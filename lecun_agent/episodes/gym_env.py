"""GoalReachEnv: goal episodes as a Gymnasium environment, `lecun_agent/GoalReach-v0`.

    import gymnasium, lecun_agent
    env = gymnasium.make("lecun_agent/GoalReach-v0", seed=0)

One `step` is one agent tick (a camera frame, 0.1 s) of the in-process agent loop
(episodes/in_process.py: the same sim, arena, gait, intrinsic cost, guardrail and metrics as the
ROS path), so an ML user's policy sits where the actor node sits: its action is the proposal
that the guardrail judges before the gait walks it.

- observation: Dict(camera (H, W, 3) uint8, proprio (55,) float32, odom (6,) float32 = x, y, yaw in
  odom and vx, vy, yaw rate in the body frame, goal (2,) float32 = goal x, y in odom).
- action: (3,) float32 body velocity vx, vy (m/s), yaw rate (rad/s), within the gait's command box.
- reward: minus the intrinsic cost (default weights: pain, fall, force, energy and the goal drives
  goal_distance, progress, upright) of each control step the tick ran, times the control period:
  -sum(cost * dt), the cost's integral over the tick.
- terminated on success or a fall, truncated at the time limit; `info["metrics"]` holds the episode's
  goal_metrics (and guardrail counts) on the step that ends it. Step again only after `reset`.
- seeds: `reset(seed=s)` is the arena of seed s, the same as `lecun-agent eval`'s episode with seed s.
  `reset()` without a seed continues with the next seed (s + 1), so `make(..., seed=0)` and repeated
  resets walk seeds 0, 1, 2, ... as `eval --seed-start 0` does; with no seed ever given, the first
  comes from the env's random generator.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from lecun_agent.episodes.goal import GoalRules
from lecun_agent.episodes.in_process import GoalEpisode, Observation, goal_sim_config
from lecun_agent.perception.proprio import PROPRIO_DIM
from lecun_agent.sim.config import SimConfig

_MAX_SEED = 2**31 - 1


class GoalReachEnv(gym.Env):
    """Reach the goal of a seeded arena: the in-process goal episode, one agent tick per step."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(self, seed: int | None = None, render_mode: str | None = None,
                 sim_config: SimConfig | None = None, rules: GoalRules | None = None) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode {render_mode!r} is not one of {self.metadata['render_modes']}")
        self.render_mode = render_mode
        self.episode = GoalEpisode(sim_config or goal_sim_config(), rules=rules)
        cfg = self.episode.sim.config
        self.metadata = {**self.metadata, "render_fps": cfg.camera_hz}
        low, high = self.episode.gait.lower, self.episode.gait.upper  # (3,)
        self.action_space = spaces.Box(low.astype(np.float32), high.astype(np.float32), dtype=np.float32)

        def unbounded(n: int) -> spaces.Box:
            return spaces.Box(-np.inf, np.inf, (n,), np.float32)

        self.observation_space = spaces.Dict({
            "camera": spaces.Box(0, 255, (cfg.camera_height, cfg.camera_width, 3), np.uint8),
            "proprio": unbounded(PROPRIO_DIM),
            "odom": unbounded(6),
            "goal": unbounded(2),
        })
        self._next_seed = seed
        self._episode_seed: int | None = None
        self._done = True

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        super().reset(seed=seed)
        if seed is None:
            seed = self._next_seed
        if seed is None:
            seed = int(self.np_random.integers(_MAX_SEED))
        if not 0 <= seed <= _MAX_SEED:
            raise ValueError(f"seed must be in [0, {_MAX_SEED}], got {seed}")
        self._episode_seed, self._next_seed = int(seed), (int(seed) + 1) % (_MAX_SEED + 1)
        obs = self.episode.reset(self._episode_seed)
        self._done = False
        return self._obs(obs), self._info(obs)

    def step(self, action: np.ndarray) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        if self._done:
            raise RuntimeError("the episode has ended (or never started); call reset()")
        obs, cost_dt = self.episode.act(np.asarray(action, dtype=np.float64).reshape(3))
        ended = self.episode.ended_by
        terminated, truncated = ended in ("success", "fall"), ended == "time_limit"
        self._done = ended is not None
        info = self._info(obs)
        if self._done:
            info["metrics"] = self.episode.metrics()
        return self._obs(obs), -float(cost_dt), terminated, truncated, info

    def render(self) -> np.ndarray | None:
        """rgb_array: (240, 320, 3) uint8 third-person view from behind the robot."""
        if self.render_mode == "rgb_array":
            return self.episode.sim.render_chase()
        return None

    def close(self) -> None:
        self.episode.close()  # closing twice is fine

    def _obs(self, obs: Observation) -> dict[str, np.ndarray]:
        return {
            "camera": obs.camera.copy(),
            "proprio": obs.proprio.astype(np.float32),
            "odom": obs.odom.astype(np.float32),
            "goal": obs.goal.astype(np.float32),
        }

    def _info(self, obs: Observation) -> dict[str, Any]:
        # line_blocked is the arena's truth, for splitting results in evaluation; agents must not read it.
        return {"seed": self._episode_seed, "t": obs.t, "line_blocked": self.episode.arena.line_blocked}
