"""A recording is never overwritten: a respawned recorder_node (launch respawns a node on any exit, and a
crash is what respawns are for) or a second `lecun-agent record` with the same --out used to truncate
the file the first one wrote."""

from __future__ import annotations

import pytest
from rclpy.parameter import Parameter

from lecun_agent.cli import main as cli_main
from lecun_agent.paths import unused_path
from lecun_agent.recording.bag import BagReader, BagWriter
from lecun_agent.recording.synthetic import write_synthetic_bag


def test_a_writer_never_truncates_an_existing_file(tmp_path):
    path = tmp_path / "run1.mcap"
    path.write_bytes(b"an earlier recording")
    with pytest.raises(FileExistsError):
        BagWriter(path)
    assert path.read_bytes() == b"an earlier recording"


def test_unused_path_numbers_the_next_free_name(tmp_path):
    path = tmp_path / "run1.mcap"
    assert unused_path(path) == path
    path.write_bytes(b"")
    assert unused_path(path) == tmp_path / "run1.1.mcap"
    (tmp_path / "run1.1.mcap").write_bytes(b"")
    assert unused_path(path) == tmp_path / "run1.2.mcap"


def test_a_restarted_recorder_writes_beside_the_first_recording(tmp_path):
    import rclpy

    from lecun_agent.nodes.recorder_node import RecorderNode

    path = tmp_path / "run1.mcap"
    write_synthetic_bag(path, duration_s=0.5)
    before = path.read_bytes()
    rclpy.init()
    try:
        node = RecorderNode(parameter_overrides=[Parameter("output", value=str(path))])
        assert node.path == tmp_path / "run1.1.mcap"
        node.close()
        node.destroy_node()
    finally:
        rclpy.try_shutdown()
    assert path.read_bytes() == before and BagReader(path).message_counts  # the first one, whole
    assert BagReader(tmp_path / "run1.1.mcap").message_counts == {}


def test_record_refuses_an_existing_out(tmp_path, capsys):
    path = tmp_path / "run1.mcap"
    path.write_bytes(b"an earlier recording")
    assert cli_main(["record", "--out", str(path), "--duration", "1"]) == 2
    assert "exists" in capsys.readouterr().err and path.read_bytes() == b"an earlier recording"
