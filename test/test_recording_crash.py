"""Issue 13, item 5 of "what to build": a recording cut off by SIGKILL stays readable up to its last
complete chunk, checked with the mcap library's own reader as well as ours."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

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


def test_sigkilled_recorder_leaves_a_file_readable_up_to_its_last_chunk(tmp_path, capsys):
    import rclpy
    from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy

    out = tmp_path / "killed.mcap"
    proc = subprocess.Popen([sys.executable, "-m", "lecun_agent.nodes.recorder_node", "--ros-args",
                             "-p", f"output:={out}", "-p", "topics:=[joint_states]"], env=dict(os.environ))
    rclpy.init()
    period = 0.02
    try:
        node = rclpy.create_node("test_publisher")
        qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=200, reliability=ReliabilityPolicy.RELIABLE)
        pub = node.create_publisher(JointState, "joint_states", qos)
        sent, readable, next_poll = 0, 0, 0.0
        deadline = time.monotonic() + 60.0
        # Publish until the file on disk holds at least 100 readable messages (what the recorder has
        # flushed), then 25 more, so the kill lands with messages in flight and in the open chunk.
        while time.monotonic() < deadline and proc.poll() is None:
            pub.publish(joint_state(sent))
            sent += 1
            time.sleep(period)
            if readable < 100 and time.monotonic() > next_poll and out.exists():
                readable, next_poll = len(mcap_linear(out)), time.monotonic() + 0.5
                stop_at = sent + 25
            if readable >= 100 and sent >= stop_at:
                break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        node.destroy_node()
    finally:
        if proc.poll() is None:
            proc.kill()
        rclpy.try_shutdown()
    assert readable >= 100, f"the recorder had flushed only {readable} of {sent} messages after 60 s"

    seen_by_mcap = mcap_linear(out)
    reader = BagReader(out)
    recovered = list(reader.raw(["/joint_states"]))
    assert [m.data for m in recovered] == [d for _, _, d in seen_by_mcap]  # our reader = the mcap reader
    assert reader.message_counts["/joint_states"] == len(recovered) >= readable
    decoded = [deserialize_message(m.data, JointState) for m in recovered]
    stamps = [m.header.stamp.sec for m in decoded]
    assert stamps == sorted(set(stamps)) and stamps[-1] < sent  # in order, nothing invented
    assert decoded == [joint_state(i) for i in stamps]  # intact (CDR padding bytes are not compared)
    lost = sent - 1 - stamps[-1]
    with capsys.disabled():
        print(f"\n[sigkill] published {sent}, recovered {len(recovered)} (last #{stamps[-1]}); "
              f"lost the last {lost} messages = {lost * period:.2f} s at {1 / period:.0f} Hz")
