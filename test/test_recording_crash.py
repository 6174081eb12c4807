"""Issue 13, item 5 of "what to build": a recording cut off by SIGKILL stays readable up to its last
complete chunk, checked with the mcap library's own reader as well as ours."""

from __future__ import annotations

from rclpy.serialization import deserialize_message
from recording_files import joint_state, mcap_linear
from sensor_msgs.msg import JointState

from lecun_agent.recording.bag import BagReader, BagWriter


def test_flushed_messages_survive_a_crash_and_the_rest_is_cut_cleanly(tmp_path):
    """What a SIGKILL leaves: every flushed chunk, then at most a torn record that the reader skips."""
    path = tmp_path / "live.mcap"
    writer = BagWriter(path)
    for i in range(10):
        writer.write("/joint_states", joint_state(i), 1000 + i)
    writer.flush()
    for i in range(10, 15):
        writer.write("/joint_states", joint_state(i), 1000 + i)  # still in the open chunk
    on_disk = path.read_bytes()  # the writer is never closed: this is all a crash would leave
    for tail in (b"", b"\x06\x80\x00", b"\x06" + (10**6).to_bytes(8, "little") + b"\x00" * 100):
        cut = tmp_path / "cut.mcap"
        cut.write_bytes(on_disk + tail)
        reader = BagReader(cut)
        assert reader.truncated and reader.readable_bytes == len(on_disk)
        assert [m.header.stamp.sec for _, _, m in reader.messages()] == list(range(10))
        assert [deserialize_message(d, JointState).header.stamp.sec for *_, d in mcap_linear(cut)] == \
            list(range(10))
