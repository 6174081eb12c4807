"""`lecun-agent report`: plots from a run directory, plots and onboard video from a recording."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lecun_agent.episodes.report import EPISODE_FILE, EpisodeSeries, cost_table, report
from lecun_agent.recording.synthetic import write_synthetic_bag


def test_report_from_a_run_directory(tmp_path):
    t = np.linspace(0.0, 2.0, 101)
    pos = np.stack([0.5 * t, np.zeros_like(t), np.full_like(t, 0.36)], axis=1)
    quat = np.tile([0.0, 0.0, 0.0, 1.0], (len(t), 1))
    costs = cost_table([(float(s), {"pain": 0.1 * s, "total": 0.2 * s}) for s in t])
    EpisodeSeries(t, pos, quat, *costs).save(tmp_path / EPISODE_FILE)
    written = report(tmp_path)
    assert {p.name for p in written} == {"speed_tilt.png", "costs.png"}
    assert all(cv2.imread(str(p)) is not None for p in written)


def test_report_from_a_recording_writes_the_onboard_video(tmp_path):
    bag = write_synthetic_bag(tmp_path / "robot.mcap", duration_s=2.0)
    written = report(bag, tmp_path / "out")
    names = {p.name for p in written}
    assert {"speed_tilt.png", "camera.mp4"} <= names
    video = cv2.VideoCapture(str(tmp_path / "out" / "camera.mp4"))
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) >= 15  # 10 Hz camera for 2 s


def test_report_on_a_folder_that_is_not_a_run_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="episode.npz"):
        report(tmp_path)
