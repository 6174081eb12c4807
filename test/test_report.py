"""`lecun-agent report`: plots from a run directory, plots and onboard video from a recording."""

from __future__ import annotations

import cv2
import numpy as np

from lecun_agent.cli import main
from lecun_agent.episodes.report import EPISODE_FILE, EpisodeSeries, cost_table
from lecun_agent.recording.synthetic import write_synthetic_bag


def test_report_from_a_run_directory(tmp_path, capsys):
    t = np.linspace(0.0, 2.0, 101)
    pos = np.stack([0.5 * t, np.zeros_like(t), np.full_like(t, 0.36)], axis=1)
    quat = np.tile([0.0, 0.0, 0.0, 1.0], (len(t), 1))
    costs = cost_table([(float(s), {"pain": 0.1 * s, "total": 0.2 * s}) for s in t])
    EpisodeSeries(t, pos, quat, *costs).save(tmp_path / EPISODE_FILE)
    assert main(["report", str(tmp_path)]) == 0
    assert "speed_tilt.png" in capsys.readouterr().out
    for name in ("speed_tilt.png", "costs.png"):
        assert cv2.imread(str(tmp_path / name)) is not None


def test_report_from_a_recording_writes_the_onboard_video(tmp_path):
    bag = write_synthetic_bag(tmp_path / "robot.mcap", duration_s=2.0)
    assert main(["report", str(bag), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "speed_tilt.png").exists()
    video = cv2.VideoCapture(str(tmp_path / "out" / "camera.mp4"))
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) >= 15  # 10 Hz camera for 2 s


def test_report_on_a_folder_that_is_not_a_run_is_a_clear_error(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "episode.npz" in capsys.readouterr().err


def test_a_recordings_report_goes_beside_it_by_default(tmp_path):
    """A .mcap file's report goes to the folder of its name; a rosbag2 folder's (a dot in its name too) to
    <folder>_report beside it, never into the recording itself."""
    bag = write_synthetic_bag(tmp_path / "robot.mcap", duration_s=1.0)
    folder = tmp_path / "run_2026.12.06"
    folder.mkdir()
    (folder / "metadata.yaml").write_text("rosbag2_bagfile_information: {}\n")
    write_synthetic_bag(folder / "run_0.mcap", duration_s=1.0)
    assert main(["report", str(bag)]) == 0 and main(["report", str(folder)]) == 0
    assert (tmp_path / "robot" / "speed_tilt.png").exists()
    assert (tmp_path / "run_2026.12.06_report" / "speed_tilt.png").exists()
    assert sorted(p.name for p in folder.iterdir()) == ["metadata.yaml", "run_0.mcap"]


def test_a_folder_holding_only_its_mcap_file_reports_as_a_recording(tmp_path):
    """docs/recording.md: a rosbag2 folder reads as its one MCAP file for convert and report alike; report wanted its
    metadata.yaml, convert did not (QA, 2026-12-07)."""
    folder = tmp_path / "bagdir"
    folder.mkdir()
    write_synthetic_bag(folder / "x.mcap", duration_s=1.0)
    assert main(["report", str(folder)]) == 0
    assert (tmp_path / "bagdir_report" / "speed_tilt.png").exists()
