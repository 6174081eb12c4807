"""Read rosbag2 MCAP files (ours or rosbag2's) as untrusted input.

A recording comes from disk, a robot or a colleague. Every schema name is looked up in the
contract's allowlist (`msgdefs.KNOWN_TYPES`, never imported) and checked against the type the
consumer expects on that topic; whatever the mcap library, the decompressor or the CDR decoder
cannot read becomes a `RecordingError` (a ValueError) that says what and where. Reads never go
past the end of the file, so a damaged length field cannot make the reader allocate gigabytes.

A file whose writer was killed has no summary (no footer). It is then scanned: the top-level
records are walked by their length fields up to the last complete one, and only those are read,
so everything the writer flushed (every closed chunk) is recovered and a torn last record is
skipped. Its messages are sorted in memory (there is no index to merge chunks by).
"""

from __future__ import annotations

import logging
import os
import struct
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import zstandard
from mcap.exceptions import EndOfFile, McapError
from mcap.opcode import Opcode
from mcap.reader import NonSeekingReader, SeekingReader
from mcap.records import Channel, Message, Schema
from mcap.stream_reader import StreamReader
from rclpy.serialization import deserialize_message

from lecun_agent.recording.msgdefs import UnknownTypeError, canonical, message_class

log = logging.getLogger(__name__)
_MAGIC = b"\x89MCAP0\r\n"
_SCHEMA_ENCODINGS = ("ros2msg", "ros2idl")
# What the mcap library and the decompressors raise on damaged bytes (ValueError covers its CRC
# check and bad UTF-8): all of it means "this file is not readable here".
_DAMAGE = (McapError, struct.error, ValueError, EOFError, KeyError, IndexError, OverflowError,
           zstandard.ZstdError)


class RecordingError(ValueError):
    """A recording that cannot be read as its consumer expects; the message says what and where."""


class MissingTopicsError(RecordingError):
    """A recording lacks topics a consumer needs; the message names them and lists what is there."""


class UnknownSchemaError(RecordingError):
    """A channel whose schema is not a message type of the topic contract (or not ROS 2 CDR)."""


class SchemaMismatchError(RecordingError):
    """A topic recorded with another type than the one its consumer (the contract) expects."""


class CorruptRecordingError(RecordingError):
    """Bytes that are not a readable MCAP file, or a payload that does not decode as its type."""


@dataclass(frozen=True)
class BagMessage:
    """One recorded message: the topic, its (checked, canonical) type, log time and the CDR payload."""

    topic: str
    type_name: str
    log_time_ns: int
    publish_time_ns: int
    data: bytes

    @property
    def message(self) -> Any:
        """The payload decoded as `type_name`; CorruptRecordingError if it is not one."""
        try:
            return deserialize_message(self.data, message_class(self.type_name))
        except UnknownTypeError as err:
            raise UnknownSchemaError(f"{self.topic}: {err}") from err
        except (RuntimeError, ValueError) as err:  # rclpy's RMWError is a RuntimeError
            raise CorruptRecordingError(f"{self.topic} at {self.log_time_ns} ns: {len(self.data)} bytes that "
                                        f"do not decode as {self.type_name}: {err}") from err

    def checked(self) -> BagMessage:
        """This message, once its payload has been seen to decode as its type (else CorruptRecordingError)."""
        self.message  # noqa: B018 -- decoding is the check
        return self


class _Window:
    """The first `size` bytes of an open file: reads stop there and never ask for more than is left,
    so a damaged length field cannot make the mcap reader allocate gigabytes."""

    def __init__(self, f: IO[bytes], size: int) -> None:
        self._f, self.size = f, size

    def read(self, n: int = -1) -> bytes:
        left = max(self.size - self._f.tell(), 0)
        return self._f.read(left if n is None or n < 0 else min(n, left))

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        target = {os.SEEK_SET: 0, os.SEEK_CUR: self._f.tell(), os.SEEK_END: self.size}[whence] + offset
        if target < 0:  # a footer or index pointing before the start of the file
            raise McapError(f"seek to byte {target}, before the start of the file")
        return self._f.seek(target)

    def tell(self) -> int:
        return self._f.tell()

    def seekable(self) -> bool:
        return True


def _complete_records_end(f: IO[bytes], size: int) -> int:
    """Where the last complete top-level record ends: a file cut off mid-write is readable up to here."""
    end = offset = len(_MAGIC)
    while offset + 9 <= size:
        f.seek(offset)
        opcode, length = struct.unpack("<BQ", f.read(9))
        if offset + 9 + length > size:
            break  # the record being written when the writer died
        offset = end = offset + 9 + length
        if opcode in (Opcode.DATA_END, Opcode.FOOTER):
            break
    return end


def _one_mcap(path: Path) -> Path:
    """The MCAP file at `path`, or the one inside a rosbag2 folder (`ros2 bag record -s mcap -o NAME` writes
    NAME/NAME_0.mcap beside metadata.yaml); a folder split into several files is an error naming them."""
    if path.is_dir():
        files = sorted(path.glob("*.mcap"))
        if len(files) != 1:
            raise FileNotFoundError(f"{path} is a folder with {len(files)} MCAP files {[f.name for f in files]}: "
                                    "give the file to read" + ("; each split file reads on its own" if files else ""))
        return files[0]
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such recording")
    return path


class BagReader:
    """Read a rosbag2 MCAP file (ours or rosbag2's): topics, counts, and messages in log-time order.

    Every message is checked before it is handed out: its schema must be a contract type
    (`UnknownSchemaError` otherwise) and, where the caller says what it expects on a topic, that
    type (`SchemaMismatchError`). A file without a summary (cut off: the recorder was killed) is
    scanned and read up to its last complete chunk; `truncated` says so.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = _one_mcap(Path(path))
        self.size = self.path.stat().st_size
        self.truncated = False  # True: the writer never finished (killed); read up to its last complete chunk
        self.readable_bytes = self.size  # where a scanned file's complete records end
        with self.path.open("rb") as f:
            if f.read(len(_MAGIC)) != _MAGIC:
                empty = " (empty: a recorder killed before its first write leaves such a file)" if not self.size else ""
                raise CorruptRecordingError(f"{self.path}: not an MCAP file (no MCAP magic at the start){empty}")
            summary = self._summary(f)
            if summary is not None:
                self.indexed = True
                schemas, channels = summary.schemas, summary.channels
                counts = dict(summary.statistics.channel_message_counts) if summary.statistics else {}
            else:
                self.indexed = False
                schemas, channels, counts = self._scan(f)
        self._schemas: dict[int, Schema] = dict(schemas)
        self._channels: dict[int, Channel] = dict(channels)
        self.topics: dict[str, str] = {}  # topic -> schema name as recorded (not yet checked)
        self.message_counts: dict[str, int] = {}
        for cid, c in self._channels.items():
            schema = self._schemas.get(c.schema_id)
            self.topics.setdefault(c.topic, schema.name if schema is not None else "")
            self.message_counts[c.topic] = self.message_counts.get(c.topic, 0) + int(counts.get(cid, 0))

    def _summary(self, f: IO[bytes]):
        """The file's summary, or None when it has none or it cannot be read (then the file is scanned)."""
        f.seek(max(self.size - len(_MAGIC), 0))
        if self.size < 2 * len(_MAGIC) or f.read(len(_MAGIC)) != _MAGIC:
            self.truncated = True  # no closing magic: the writer never finished
            return None
        try:
            f.seek(0)
            return SeekingReader(_Window(f, self.size), validate_crcs=True,
                                 record_size_limit=self.size).get_summary()
        except _DAMAGE as err:
            log.warning("%s: summary unreadable (%s); scanning the file instead", self.path, err)
            return None

    def _scan(self, f: IO[bytes]) -> tuple[dict, dict, dict]:
        """Schemas, channels and message counts of a file without a summary, read linearly."""
        self.readable_bytes = _complete_records_end(f, self.size)
        if self.truncated:
            log.warning("%s: cut off (the writer did not finish); reading its complete records, %d of %d "
                        "bytes", self.path, self.readable_bytes, self.size)
        schemas, channels, counts = {}, {}, {}
        f.seek(0)
        for record in self._records(StreamReader(_Window(f, self.readable_bytes), validate_crcs=True,
                                                 record_size_limit=self.size).records, f):
            if isinstance(record, Schema):
                schemas[record.id] = record
            elif isinstance(record, Channel):
                channels[record.id] = record
            elif isinstance(record, Message):
                counts[record.channel_id] = counts.get(record.channel_id, 0) + 1
        return schemas, channels, counts

    def _records(self, items: Iterator, f: IO[bytes]) -> Iterator:
        """`items` from the mcap library, with its errors as CorruptRecordingError and the end of a
        scanned file's complete records as the end."""
        while True:
            try:
                yield next(items)
            except StopIteration:
                return
            except EndOfFile:
                if not self.indexed and f.tell() >= self.readable_bytes:
                    return  # no footer: the complete records simply end here
                raise CorruptRecordingError(f"{self.path}: data ends early, at byte {f.tell()}") from None
            except _DAMAGE as err:
                raise CorruptRecordingError(f"{self.path}: unreadable near byte {f.tell()}: "
                                            f"{type(err).__name__}: {err}") from err

    def require(self, topics: Iterable[str]) -> None:
        """Raise MissingTopicsError naming every topic in `topics` that has no messages."""
        missing = [t for t in topics if self.message_counts.get(t, 0) == 0]
        if missing:
            have = sorted(t for t, n in self.message_counts.items() if n)
            raise MissingTopicsError(f"{self.path} has no messages on {missing}; it has {have}")

    def _checked_type(self, schema: Schema | None, channel: Channel, expect: Mapping[str, str]) -> str:
        """The canonical type of `channel`'s messages, if it is a contract type and the one expected."""
        name = schema.name if schema is not None else ""
        encoding = schema.encoding if schema is not None else ""
        if channel.message_encoding != "cdr" or encoding not in _SCHEMA_ENCODINGS:
            raise UnknownSchemaError(f"{self.path}: {channel.topic} has schema {name!r} in {encoding!r} with "
                                     f"{channel.message_encoding!r} messages; only ROS 2 CDR is read")
        try:
            full = canonical(name)
        except UnknownTypeError:
            raise UnknownSchemaError(f"{self.path}: {channel.topic} has schema {name!r}, which is not a type "
                                     f"of the topic contract; refusing to read it") from None
        want = expect.get(channel.topic)
        if want is not None and full != want:
            raise SchemaMismatchError(f"{self.path}: {channel.topic} is recorded as {full}, but {want} is "
                                      f"expected on it")
        return full

    def check_types(self, expect: Mapping[str, str], topics: Iterable[str] | None = None) -> None:
        """Check every channel of `topics` (default: those in `expect`; None in both: all) up front:
        a contract type, and `expect[topic]` where given. Raises UnknownSchemaError/SchemaMismatchError."""
        expect = {t: canonical(v) for t, v in expect.items()}
        wanted = set(topics) if topics is not None else (set(expect) if expect else None)
        for channel in self._channels.values():
            if wanted is None or channel.topic in wanted:
                self._checked_type(self._schemas.get(channel.schema_id), channel, expect)

    def raw(self, topics: Iterable[str] | None = None,
            expect: Mapping[str, str] | None = None) -> Iterator[BagMessage]:
        """Every message (optionally only `topics`) in log-time order, still serialized, each checked:
        a contract type, and `expect[topic]` where given (e.g. CONTRACT_TOPICS resolved)."""
        wanted = None if topics is None else list(topics)
        expect = {t: canonical(v) for t, v in (expect or {}).items()}
        self.check_types(expect, wanted)
        for schema, channel, msg in self._iter(wanted):
            type_name = self._checked_type(schema, channel, expect)  # per message: a channel may be redefined
            yield BagMessage(channel.topic, type_name, msg.log_time, msg.publish_time, bytes(msg.data))

    def _iter(self, topics: list[str] | None) -> Iterator[tuple[Schema | None, Channel, Message]]:
        with self.path.open("rb") as f:
            if self.indexed:
                reader = SeekingReader(_Window(f, self.size), validate_crcs=True, record_size_limit=self.size)
                yield from self._records(reader.iter_messages(topics=topics, log_time_order=True), f)
                return
            # Linear, in file order, then sorted in memory: a cut-off file has no index to merge by.
            reader = NonSeekingReader(_Window(f, self.readable_bytes), validate_crcs=True,
                                      record_size_limit=self.size)
            items = list(self._records(reader.iter_messages(topics=topics, log_time_order=False), f))
        yield from sorted(items, key=lambda item: item[2].log_time)

    def messages(self, topics: Iterable[str] | None = None,
                 expect: Mapping[str, str] | None = None) -> Iterator[tuple[str, int, Any]]:
        """(topic, log time in ns, deserialized message) in log-time order; see `raw` for the checks."""
        for item in self.raw(topics, expect):
            yield item.topic, item.log_time_ns, item.message
