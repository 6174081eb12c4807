"""Write and read rosbag2-compatible MCAP files without rosbag2.

A file written here follows rosbag2_storage_mcap's conventions: profile `ros2`, one schema per type
in `ros2msg` encoding holding the complete .msg definition, one channel per topic with `cdr`
message encoding and the `offered_qos_profiles` / `topic_type_hash` channel metadata, log time =
receive time and publish time = send time in ns, and a `rosbag2` metadata record holding the
serialized BagMetadata (version 9), so `ros2 bag info/play` and Foxglove read it.
Payloads are the CDR bytes `rclpy.serialization.serialize_message` makes (or a raw subscription
delivers), so messages round-trip exactly.

The writer closes the open chunk and syncs the file on `flush()`, which the recorder calls every
FLUSH_PERIOD_S, so a SIGKILL or a power loss costs at most the messages since the last flush.
Reading is in bag_reader.py (recordings are untrusted input there); its names are re-exported
here, so `from lecun_agent.recording.bag import BagReader` keeps working.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from mcap.writer import CompressionType, Writer
from rclpy.serialization import serialize_message

from lecun_agent.recording.bag_reader import (  # noqa: F401 -- re-exported: the reading half of this API
    BagMessage,
    BagReader,
    CorruptRecordingError,
    MissingTopicsError,
    RecordingError,
    SchemaMismatchError,
    UnknownSchemaError,
)
from lecun_agent.recording.msgdefs import full_definition, message_class, type_hash, type_name_of

log = logging.getLogger(__name__)
METADATA_VERSION = 9
FLUSH_PERIOD_S = 1.0  # how often the recorder closes the open chunk: the most a SIGKILL can cost
_INFINITE = {"sec": 9223372036, "nsec": 854775807}


class _PlainDumper(yaml.SafeDumper):
    """No &anchors/*aliases: rosbag2's YAML readers should not have to resolve them."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_PlainDumper, sort_keys=False)


def qos_to_dict(qos: Any) -> dict[str, Any]:
    """An rclpy QoSProfile as one entry of rosbag2's (version 9) offered_qos_profiles list."""

    def policy(value: Any) -> str:
        return getattr(value, "name", str(value)).lower()

    def duration(value: Any) -> dict[str, int]:
        ns = int(getattr(value, "nanoseconds", 0))
        return {"sec": ns // 1_000_000_000, "nsec": ns % 1_000_000_000}

    return {
        "history": policy(qos.history), "depth": int(qos.depth), "reliability": policy(qos.reliability),
        "durability": policy(qos.durability), "deadline": duration(qos.deadline),
        "lifespan": duration(qos.lifespan), "liveliness": policy(qos.liveliness),
        "liveliness_lease_duration": duration(qos.liveliness_lease_duration),
        "avoid_ros_namespace_conventions": bool(qos.avoid_ros_namespace_conventions),
    }


DEFAULT_QOS = {"history": "keep_last", "depth": 10, "reliability": "reliable", "durability": "volatile",
               "deadline": _INFINITE, "lifespan": _INFINITE, "liveliness": "automatic",
               "liveliness_lease_duration": _INFINITE, "avoid_ros_namespace_conventions": False}


@dataclass
class _Topic:
    name: str
    type_name: str
    qos: list[dict[str, Any]]
    channel_id: int
    count: int = 0


@dataclass
class BagWriter:
    """Append messages to one new MCAP file; `close()` (or leaving the `with` block) finalises it. An existing
    file is never overwritten (FileExistsError): a recording lost to a rerun is not got back."""

    path: Path | str
    compression: str = "zstd"  # "zstd" or "none" (rosbag2's own default is none)
    chunk_size: int = 1 << 20
    _topics: dict[str, _Topic] = field(default_factory=dict)
    _schemas: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("xb")
        kind = {"zstd": CompressionType.ZSTD, "none": CompressionType.NONE}[self.compression]
        self._writer = Writer(self._file, chunk_size=self.chunk_size, compression=kind)
        self._writer.start(profile="ros2", library="lecun_agent recording (mcap python)")
        self._first_ns: int | None = None
        self._last_ns = 0
        self._closed = False

    def add_topic(self, topic: str, type_name: str, qos_profiles: Iterable[dict] | None = None) -> None:
        """Declare a topic (fully qualified name) before writing to it; a second call is a no-op."""
        if topic in self._topics:
            return
        message_class(type_name)  # fail early, naming the type, if it is not installed
        if type_name not in self._schemas:
            self._schemas[type_name] = self._writer.register_schema(
                name=type_name, encoding="ros2msg", data=full_definition(type_name).encode())
        qos = list(qos_profiles) if qos_profiles else [DEFAULT_QOS]
        channel = self._writer.register_channel(
            topic=topic, message_encoding="cdr", schema_id=self._schemas[type_name],
            metadata={"offered_qos_profiles": _dump(qos),
                      "topic_type_hash": type_hash(type_name)})
        self._topics[topic] = _Topic(topic, type_name, qos, channel)

    def write(self, topic: str, message: Any, log_time_ns: int, publish_time_ns: int | None = None) -> None:
        """Write one message (a message object or its CDR bytes) received at `log_time_ns`."""
        if topic not in self._topics:
            if isinstance(message, (bytes, bytearray)):
                raise KeyError(f"topic {topic} not declared; call add_topic(topic, type) first")
            self.add_topic(topic, type_name_of(message))
        entry = self._topics[topic]
        data = bytes(message) if isinstance(message, (bytes, bytearray)) else serialize_message(message)
        entry.count += 1
        sent = log_time_ns if publish_time_ns is None else publish_time_ns
        self._writer.add_message(channel_id=entry.channel_id, log_time=int(log_time_ns), data=data,
                                 publish_time=int(sent), sequence=entry.count)
        self._first_ns = log_time_ns if self._first_ns is None else min(self._first_ns, log_time_ns)
        self._last_ns = max(self._last_ns, log_time_ns)

    @property
    def message_counts(self) -> dict[str, int]:
        return {name: t.count for name, t in self._topics.items()}

    def _bag_metadata(self) -> dict[str, Any]:
        start = self._first_ns or 0
        duration = max(self._last_ns - start, 0)
        total = sum(t.count for t in self._topics.values())
        return {
            "version": METADATA_VERSION, "storage_identifier": "mcap",
            "duration": {"nanoseconds": duration}, "starting_time": {"nanoseconds_since_epoch": start},
            "message_count": total,
            "topics_with_message_count": [
                {"topic_metadata": {"name": t.name, "type": t.type_name, "serialization_format": "cdr",
                                    "offered_qos_profiles": t.qos,
                                    "type_description_hash": type_hash(t.type_name)},
                 "message_count": t.count} for t in self._topics.values()],
            "compression_format": "", "compression_mode": "",
            "relative_file_paths": [self.path.name],
            "files": [{"path": self.path.name, "starting_time": {"nanoseconds_since_epoch": start},
                       "duration": {"nanoseconds": duration}, "message_count": total}],
            "custom_data": {}, "ros_distro": os.environ.get("ROS_DISTRO", ""),
        }

    def flush(self) -> None:
        """Close the open chunk and sync the file: a crash after this loses nothing written before it."""
        if self._closed:
            return
        self._writer.flush()  # mcap >= 1.6: finish the chunk in progress, flush the stream
        os.fsync(self._file.fileno())  # and past the OS cache, for a robot that loses power

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._writer.add_metadata("rosbag2", {"serialized_metadata": _dump(self._bag_metadata())})
        self._writer.finish()
        self._file.close()

    def __enter__(self) -> BagWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
