"""Fuzzing the recording readers (recording/bag.py, and the converter on top) with hypothesis.

A recording comes from disk, a robot or a colleague: whatever its bytes, reading it either gives
messages of the contract's types or raises a RecordingError (a ValueError) that says what is
wrong. Cut-off files (every truncation point) read as a prefix of the whole file. The budget is
fixed and derandomized; a crash found here is kept as an explicit @example.
"""

from __future__ import annotations

import io
import shutil
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from mcap.writer import Writer
from rclpy.serialization import serialize_message
from sensor_msgs.msg import JointState

from lecun_agent.recording.bag import BagReader, RecordingError
from lecun_agent.recording.msgdefs import KNOWN_TYPES
from lecun_agent.recording.synthetic import write_synthetic_bag
from lecun_agent.recording.to_dataset import convert_bag

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
WORK = Path()  # a scratch folder for the module (hypothesis examples cannot take function fixtures)
BASES: dict[str, bytes] = {}  # compression -> a small real recording with many chunks


@pytest.fixture(autouse=True, scope="module")
def _bases(tmp_path_factory):
    global WORK
    WORK = tmp_path_factory.mktemp("fuzz_recordings")
    for compression in ("none", "zstd"):
        path = write_synthetic_bag(WORK / f"base_{compression}.mcap", duration_s=0.2, image_size=8,
                                   chunk_size=1024, compression=compression)
        BASES[compression] = path.read_bytes()


def _read_everything(data: bytes) -> list:
    """Every message of a file, decoded; asserts the reader's contract on the way."""
    path = WORK / "fuzzed.mcap"
    path.write_bytes(data)
    try:
        reader = BagReader(path)
        out = []
        for item in reader.raw():
            assert item.type_name in KNOWN_TYPES
            msg = item.message
            assert isinstance(msg, KNOWN_TYPES[item.type_name])
            out.append((item.topic, item.log_time_ns, msg))
        assert sum(reader.message_counts.values()) >= len(out)
        return out
    except RecordingError as err:
        assert str(err)
        return []


def _bad_zstd_frame() -> bytes:
    """A complete file whose one chunk has a zstd frame header with a reserved bit set."""
    buf = io.BytesIO()
    writer = Writer(buf)
    writer.start(profile="ros2", library="fuzz")
    schema = writer.register_schema(name="sensor_msgs/msg/JointState", encoding="ros2msg", data=b"")
    channel = writer.register_channel(topic="/joint_states", message_encoding="cdr", schema_id=schema)
    writer.add_message(channel, log_time=1, data=serialize_message(JointState(name=["a"])), publish_time=1)
    writer.finish()
    data = bytearray(buf.getvalue())
    data[data.index(b"\x28\xb5\x2f\xfd") + 4] = 0xFF
    return bytes(data)


@st.composite
def damaged(draw) -> bytes:
    """A real recording with bytes flipped, spliced in, or cut off."""
    data = bytearray(BASES[draw(st.sampled_from(["none", "zstd"]))])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "splice", "cut", "length"]))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "splice":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "cut":
            del data[at:]
        elif at + 8 <= len(data):  # a length field made huge: the reader must not allocate it
            data[at:at + 8] = struct.pack("<Q", draw(st.integers(2**31, 2**64 - 1)))
        if not data:
            break
    return bytes(data)


@FUZZ
@given(damaged())
def test_damaged_recordings_read_or_fail_clearly(data):
    _read_everything(data)


@FUZZ
@given(st.sampled_from(["none", "zstd"]), st.integers(0, 10**9))
# Found by this test against the reader before issue 13: a cut-off file raised OSError (the footer
# seek went before the start) or McapError ("expected footer", a garbage record length).
@example("none", 44)
@example("none", 103)
@example("zstd", 37)
def test_every_cut_off_file_reads_as_a_prefix(compression, cut):
    whole = _read_everything(BASES[compression])
    cut = cut % (len(BASES[compression]) + 1)
    got = _read_everything(BASES[compression][:cut])
    assert got == whole[:len(got)]


@FUZZ
@given(st.binary(max_size=512), st.booleans())
@example(b"", False)  # found: InvalidMagic (an McapError, not a ValueError) escaped the reader
@example(b"\x89MCAP0\r\n", True)  # found: magic twice, the footer seek went before byte 0 (OSError)
@example(b"\x89" + struct.pack("<Q", 74886844961080141), True)  # found: RecordLengthLimitExceeded escaped
@example(_bad_zstd_frame(), False)  # found (as a flipped byte in a real recording): ZstdError escaped
def test_random_bytes_read_or_fail_clearly(data, with_magic):
    _read_everything((b"\x89MCAP0\r\n" if with_magic else b"") + data)


@FUZZ
@given(st.sampled_from(sorted(KNOWN_TYPES)) | st.text(max_size=40),
       st.sampled_from(["ros2msg", "ros2idl", "", "json"]), st.sampled_from(["cdr", "json", ""]),
       st.lists(st.binary(max_size=64), min_size=1, max_size=4))
# Found: a garbage CDR payload raised rclpy's RMWError (a RuntimeError) out of BagMessage.message,
# and a channel without a usable schema was read as the topic's recorded type.
@example("geometry_msgs/msg/TwistStamped", "ros2msg", "cdr", [b""])
@example("", "ros2msg", "cdr", [b""])
def test_any_schema_and_payload_read_or_fail_clearly(schema_name, schema_encoding, message_encoding,
                                                     payloads):
    """Well-formed MCAP, hostile content: schema names, encodings, and CDR payloads."""
    path = WORK / "hostile.mcap"
    with open(path, "wb") as f:
        writer = Writer(f)
        writer.start(profile="ros2", library="fuzz")
        schema = writer.register_schema(name=schema_name, encoding=schema_encoding, data=b"")
        channel = writer.register_channel(topic="/joint_states", message_encoding=message_encoding,
                                          schema_id=schema)
        for i, data in enumerate([serialize_message(JointState(name=["a"])), *payloads]):
            writer.add_message(channel, log_time=i, data=data, publish_time=i)
        writer.finish()
    _read_everything(path.read_bytes())


@settings(FUZZ, max_examples=25)
@given(st.integers(0, 10**9))
def test_converter_on_cut_off_recordings(cut):
    """The converter on top: a dataset from what is readable, or a RecordingError (too little left)."""
    data = BASES["zstd"][:cut % (len(BASES["zstd"]) + 1)]
    (WORK / "cut.mcap").write_bytes(data)
    shutil.rmtree(WORK / "data", ignore_errors=True)
    try:
        summary = convert_bag(WORK / "cut.mcap", WORK / "data", min_steps=1)
    except RecordingError as err:
        assert str(err)
        return
    assert summary["steps"] >= 0
