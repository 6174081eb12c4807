"""An episode's time series and its plots: what `lecun-agent sim` writes and `lecun-agent report` redraws.

A run directory written by `lecun-agent sim` holds `episode.npz` (what the episode monitor
saw); a recording becomes the same `EpisodeSeries` (recording/series.py), so a real robot's
recording is reported the same way as a simulated run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lecun_agent.sim.video import VideoWriter, plot_speed_tilt

log = logging.getLogger(__name__)
EPISODE_FILE = "episode.npz"


@dataclass
class EpisodeSeries:
    """Time series of one episode: base pose, named cost terms and onboard frames."""

    t: np.ndarray  # (T,) s
    pos: np.ndarray  # (T, 3) m
    quat: np.ndarray  # (T, 4) x, y, z, w
    cost_t: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (C,) s
    cost_names: list[str] = field(default_factory=list)
    costs: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (C, K) weighted terms
    frames: list[tuple[float, np.ndarray]] = field(default_factory=list)  # (t, (H, W, 3) uint8)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, t=self.t, pos=self.pos, quat=self.quat, cost_t=self.cost_t,
                            cost_names=np.array(self.cost_names), costs=self.costs)

    @classmethod
    def load(cls, path: Path) -> EpisodeSeries:
        data = np.load(path, allow_pickle=False)
        return cls(data["t"], data["pos"], data["quat"], data["cost_t"], [str(n) for n in data["cost_names"]],
                   data["costs"])


def cost_table(samples: list[tuple[float, dict[str, float]]]) -> tuple[np.ndarray, list[str], np.ndarray]:
    """[(t, {term: value})] -> times (C,), names, values (C, K) with NaN where a term was absent."""
    samples = sorted(samples, key=lambda s: s[0])
    names = sorted({name for _, terms in samples for name in terms})
    values = np.array([[terms.get(n, np.nan) for n in names] for _, terms in samples]).reshape(len(samples),
                                                                                              len(names))
    return np.array([t for t, _ in samples]), names, values


def plot_costs(series: EpisodeSeries, path: Path) -> Path:
    """One line per weighted cost term (and the total) against time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    for k, name in enumerate(series.cost_names):  # the total dashed and drawn first: a term equal to it stays seen
        total = name == "total"
        ax.plot(series.cost_t, series.costs[:, k], label=name, color="black" if total else None,
                lw=2.0 if total else 1.0, ls="--" if total else "-", zorder=1 if total else 2)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("weighted cost")
    ax.set_yscale("symlog", linthresh=0.01)
    ax.legend(fontsize=7, ncol=4)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_onboard_video(frames: list[tuple[float, np.ndarray]], path: Path, scale: int = 4) -> Path:
    """The onboard camera frames as an MP4 at their recorded rate, upscaled for viewing."""
    import cv2

    times = np.array([t for t, _ in frames])
    fps = 1.0 / float(np.median(np.diff(times))) if len(times) > 1 else 10.0
    h, w = frames[0][1].shape[:2]
    with VideoWriter(path, fps, (w * scale, h * scale)) as video:
        for _, rgb in frames:
            video.write(cv2.resize(rgb, (w * scale, h * scale), interpolation=cv2.INTER_NEAREST))
    return path


def write_report(series: EpisodeSeries, out: Path) -> list[Path]:
    """The plots of one episode (and the onboard video when it has frames) into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if len(series.t) > 1:
        written.append(plot_speed_tilt(series.t, series.pos, series.quat, out / "speed_tilt.png"))
    if len(series.cost_t) > 1:
        written.append(plot_costs(series, out / "costs.png"))
    if series.frames:
        written.append(write_onboard_video(series.frames, out / "camera.mp4"))
    return [Path(p) for p in written]


def load_run(run_dir: Path) -> EpisodeSeries:
    """The series a `lecun-agent sim` run folder holds."""
    if not (run_dir / EPISODE_FILE).exists():
        raise FileNotFoundError(f"{run_dir} has no {EPISODE_FILE}; is it a `lecun-agent sim` run folder?")
    return EpisodeSeries.load(run_dir / EPISODE_FILE)
