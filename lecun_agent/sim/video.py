"""Videos and plots of a run: chase view with the onboard camera inset, speed and tilt curves.

For humans reviewing a run (README picture, demo videos, evaluation reports), not for the agent.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def compose_frame(
    chase: np.ndarray, onboard: np.ndarray | None, scale: int = 2, border: int = 2
) -> np.ndarray:
    """chase (H, W, 3) uint8 + onboard (h, w, 3) uint8 -> (H, W, 3) with the onboard view inset top-right.

    The inset is scaled up (nearest neighbour, so pixels stay honest) and framed with a border.
    """
    out = chase.copy()
    if onboard is None:
        return out
    inset = cv2.resize(
        onboard, (onboard.shape[1] * scale, onboard.shape[0] * scale), interpolation=cv2.INTER_NEAREST
    )
    h, w = inset.shape[:2]
    h, w = min(h, out.shape[0] - 2 * border - 4), min(w, out.shape[1] - 2 * border - 4)
    y0, x0 = 4, out.shape[1] - w - 2 * border - 4
    out[y0 : y0 + h + 2 * border, x0 : x0 + w + 2 * border] = (20, 20, 20)
    out[y0 + border : y0 + border + h, x0 + border : x0 + border + w] = inset[:h, :w]
    return out


def draw_polylines(frame: np.ndarray, lines: list[tuple[np.ndarray, tuple[int, int, int], int]]) -> np.ndarray:
    """Draw (pixel points (M, 2), RGB colour, thickness) polylines on a copy of frame; NaN points split a line."""
    out = frame.copy()
    for points, color, thickness in lines:
        finite = np.all(np.isfinite(points), axis=1)
        for run in np.split(np.arange(len(points)), np.flatnonzero(np.diff(finite.astype(int))) + 1):
            if len(run) > 1 and finite[run[0]]:
                pts = np.clip(points[run], -10_000, 10_000).round().astype(np.int32)
                cv2.polylines(out, [pts], False, color, thickness, lineType=cv2.LINE_AA)
    return out


class VideoWriter:
    """MP4 ('mp4v') writer of RGB frames; use as a context manager."""

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int]):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.size = size  # (width, height)
        self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        if not self._writer.isOpened():
            raise OSError(f"cannot open video writer for {self.path}")
        self.frames = 0

    def write(self, rgb: np.ndarray) -> None:
        """rgb (H, W, 3) uint8, H and W equal to size."""
        self._writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        self.frames += 1

    def close(self) -> None:
        self._writer.release()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def plot_speed_tilt(times: np.ndarray, positions: np.ndarray, quats: np.ndarray, path: str | Path) -> Path:
    """Save a PNG of horizontal base speed and tilt vs time; times (T,), positions (T, 3), quats (T, 4)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lecun_agent.body.readings import tilt_of

    times = np.asarray(times)
    speed = np.linalg.norm(np.diff(np.asarray(positions)[:, :2], axis=0), axis=1) / np.maximum(
        np.diff(times), 1e-9
    )
    tilt = np.degrees([tilt_of(q) for q in quats])
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6, 4), sharex=True)
    ax1.plot(times[1:], speed)
    ax1.set_ylabel("base speed (m/s)")
    ax2.plot(times, tilt, color="tab:red")
    ax2.set_ylabel("tilt (deg)")
    ax2.set_xlabel("sim time (s)")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
