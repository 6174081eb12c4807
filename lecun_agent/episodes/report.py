"""`lecun-agent report`: the plots (and, for recordings, the onboard video) of a run or an MCAP file.

A run directory written by `lecun-agent sim` holds `episode.npz` (what the episode monitor
saw); a recording holds the topics themselves. Both become the same time series, so a
real robot's recording is reported the same way as a simulated run.
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


def series_from_recording(bag_path: Path) -> EpisodeSeries:
    """Read ground truth (or odometry), agent/cost and the camera from a rosbag2 MCAP file."""
    from lecun_agent.nodes.common import stamp_to_sec
    from lecun_agent.nodes.conversions import rgb_from_image
    from lecun_agent.recording.bag import BagReader

    reader = BagReader(bag_path)
    pose_topic = next((t for t in ("/sim/ground_truth", "/odom") if reader.message_counts.get(t)), None)
    if pose_topic is None:
        reader.require(["/odom"])  # raises a clear error naming what the recording has
    rows, costs, frames = [], [], []
    expect = {pose_topic: "nav_msgs/msg/Odometry", "/agent/cost": "sensor_msgs/msg/JointState",
              "/camera/image_raw": "sensor_msgs/msg/Image"}
    for topic, _, msg in reader.messages(list(expect), expect):
        t = stamp_to_sec(msg.header.stamp)
        if topic == pose_topic:
            p, q = msg.pose.pose.position, msg.pose.pose.orientation
            rows.append([t, p.x, p.y, p.z, q.x, q.y, q.z, q.w])
        elif topic == "/agent/cost":
            costs.append((t, dict(zip(msg.name, msg.position, strict=False))))
        else:
            try:
                frames.append((t, rgb_from_image(msg)))
            except ValueError as err:
                log.warning("skipped a camera frame: %s", err)
    truth = np.array(sorted(rows)).reshape(-1, 8)
    cost_t, names, values = cost_table(costs)
    return EpisodeSeries(truth[:, 0], truth[:, 1:4], truth[:, 4:8], cost_t, names, values, frames)


def plot_costs(series: EpisodeSeries, path: Path) -> Path:
    """One line per weighted cost term (and the total) against time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    for k, name in enumerate(series.cost_names):
        ax.plot(series.cost_t, series.costs[:, k], label=name, lw=2.0 if name == "total" else 1.0)
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


def report(source: Path, out: Path | None = None) -> list[Path]:
    """Make the plots (and the onboard video for recordings) of a run directory or an MCAP file."""
    source = Path(source)
    if source.is_dir():
        if not (source / EPISODE_FILE).exists():
            raise FileNotFoundError(f"{source} has no {EPISODE_FILE}; is it a `lecun-agent sim` run folder?")
        series, out = EpisodeSeries.load(source / EPISODE_FILE), out or source
    else:
        series, out = series_from_recording(source), out or source.with_suffix("")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if len(series.t) > 1:
        written.append(plot_speed_tilt(series.t, series.pos, series.quat, out / "speed_tilt.png"))
    if len(series.cost_t) > 1:
        written.append(plot_costs(series, out / "costs.png"))
    if series.frames:
        written.append(write_onboard_video(series.frames, out / "camera.mp4"))
    if not written:
        raise ValueError(f"{source}: nothing to report (no pose, cost or camera data)")
    return [Path(p) for p in written]
