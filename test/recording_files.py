"""Recordings for the data-safety tests: hand-made MCAP files that can say anything, and what the
mcap library's own reader gets out of a file."""

from __future__ import annotations

import struct
from pathlib import Path

from mcap.exceptions import McapError
from mcap.reader import NonSeekingReader
from mcap.writer import Writer
from sensor_msgs.msg import JointState


def joint_state(i: int) -> JointState:
    """A small JointState stamped `i` s: message i of a test stream."""
    msg = JointState(name=["a", "b"], position=[i * 0.1, -1.0], velocity=[0.0, 2.0], effort=[])
    msg.header.stamp.sec, msg.header.frame_id = i, "base"
    return msg


def raw_mcap(path: Path, channels: list[tuple[str, str, list[bytes]]]) -> Path:
    """An MCAP written with the mcap library alone, so it can say anything: (topic, schema name, payloads)."""
    with open(path, "wb") as f:
        writer = Writer(f)
        writer.start(profile="ros2", library="test")
        for topic, schema_name, payloads in channels:
            schema = writer.register_schema(name=schema_name, encoding="ros2msg", data=b"")
            channel = writer.register_channel(topic=topic, message_encoding="cdr", schema_id=schema)
            for i, data in enumerate(payloads):
                writer.add_message(channel, log_time=1000 + 10 * i, data=data, publish_time=1000 + 10 * i)
        writer.finish()
    return path


def mcap_linear(path: Path) -> list[tuple[str, str, bytes]]:
    """(topic, schema name, payload) as the mcap library's linear reader gets them from a file,
    stopping at the torn record a cut-off file ends with."""
    out = []
    with open(path, "rb") as f:
        try:
            for schema, channel, message in NonSeekingReader(f, validate_crcs=True).iter_messages(
                    log_time_order=False):
                out.append((channel.topic, schema.name if schema else "", bytes(message.data)))
        except (McapError, EOFError, ValueError, OSError, struct.error):
            pass  # the incomplete record at the end of a cut-off file
    return out
