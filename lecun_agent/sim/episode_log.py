"""Writes what a simulated episode looked like: a chase-camera MP4 with the onboard view inset.

sim_node owns the world, so it is the one place that can render the chase view; it hands
each control tick here and this decides which ticks become video frames.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from lecun_agent.sim.sim import QuadrupedSim
from lecun_agent.sim.video import VideoWriter, compose_frame

log = logging.getLogger(__name__)


class EpisodeLog:
    """Chase video at `fps` (sim time), the latest onboard frame inset in the corner."""

    def __init__(self, out_dir: str | Path, sim: QuadrupedSim, fps: float = 25.0,
                 size: tuple[int, int] = (480, 360)) -> None:
        self.dir = Path(out_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.sim, self.fps, self.size = sim, fps, size
        self.next_frame_t = -np.inf
        self.onboard = np.zeros((sim.config.camera_height, sim.config.camera_width, 3), np.uint8)
        self.writer = VideoWriter(self.dir / "video.mp4", fps, size)
        self.frames = 0

    def add(self, t: float, onboard: np.ndarray | None) -> None:
        """Call every control tick with the stamp and the onboard frame when one was rendered."""
        if onboard is not None:
            self.onboard = onboard
        if t + 1e-9 < self.next_frame_t:
            return
        self.next_frame_t = t + 1.0 / self.fps
        chase = self.sim.render_chase(*self.size)
        self.writer.write(compose_frame(chase, self.onboard))
        self.frames += 1

    def close(self) -> None:
        self.writer.close()
        log.info("wrote %d frames to %s", self.frames, self.dir / "video.mp4")
