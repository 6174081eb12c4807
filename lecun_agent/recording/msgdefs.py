"""ROS 2 message types by name, without rosidl_runtime_py: class lookup, full .msg text, type hash.

rosbag2 stores each topic's schema as the "complete message definition" in `ros2msg` encoding
(rosbag2_cpp LocalMessageDefinitionSource): the type's own .msg file, then every nested type's
.msg file, each preceded by a line of 80 '=' and a line `MSG: pkg/Type`, dependencies found with
the same field-type regex and visited depth-first in sorted order, each at most once. We read the
same .msg files from `<prefix>/share/<pkg>/msg/` that a ROS install or the pip wheels ship, so
Foxglove and `ros2 bag info` see what rosbag2 itself would have written.

Which types exist is not the caller's (or a file's) choice: `KNOWN_TYPES` is an explicit
allowlist of the message classes the topic contract (docs/interfaces.md) uses, imported here by
name. A type name from a recording or from the graph is looked up in it and never imported, so a
hostile schema name cannot load code.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import PoseArray, PoseStamped, Twist, TwistStamped
from nav_msgs.msg import Odometry
from nav_msgs.msg import Path as PathMsg
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import CameraInfo, Image, Imu, JointState
from std_msgs.msg import Bool, String
from trajectory_msgs.msg import JointTrajectory
from visualization_msgs.msg import MarkerArray

# rosbag2's regex: the type token at the start of each field line ("foo_msgs/Bar" in "foo_msgs/Bar[] b").
_FIELD_TYPE = re.compile(r"(?:^|\n)\s*([a-zA-Z0-9_/]+)(?:\[[^\]]*\])?\s+")
_PRIMITIVES = {"bool", "byte", "char", "float32", "float64", "int8", "uint8", "int16", "uint16",
               "int32", "uint32", "int64", "uint64", "string", "wstring"}
SEPARATOR = "=" * 80


class UnknownTypeError(ValueError, LookupError):
    """A message type name outside KNOWN_TYPES (or with no definition files installed)."""


def split_type(type_name: str) -> tuple[str, str, str]:
    """'sensor_msgs/msg/Imu' or 'sensor_msgs/Imu' -> ('sensor_msgs', 'msg', 'Imu')."""
    parts = type_name.split("/")
    if len(parts) == 2:
        return parts[0], "msg", parts[1]
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    raise UnknownTypeError(f"message type {type_name!r} is not of the form pkg/msg/Type")


def type_name_of(msg_or_class) -> str:
    """'sensor_msgs/msg/Imu' for an Imu message or class."""
    cls = msg_or_class if isinstance(msg_or_class, type) else type(msg_or_class)
    module = cls.__module__.split(".")  # e.g. sensor_msgs.msg._imu
    return f"{module[0]}/{module[1]}/{cls.__name__}"


# Every message type of the topic contract (docs/interfaces.md), and nothing else.
KNOWN_TYPES: dict[str, type] = {type_name_of(cls): cls for cls in (
    Clock, JointState, Imu, Image, CameraInfo, Odometry, PathMsg, PoseArray, PoseStamped, Twist, TwistStamped,
    JointTrajectory, Bool, String, DiagnosticArray, MarkerArray)}


def canonical(type_name: str) -> str:
    """'sensor_msgs/Imu' or 'sensor_msgs/msg/Imu' -> 'sensor_msgs/msg/Imu', if it is a known type.

    Raises UnknownTypeError naming the type otherwise; nothing is imported either way.
    """
    try:
        pkg, ns, name = split_type(str(type_name))
    except UnknownTypeError:
        pkg = ns = name = ""
    full = f"{pkg}/{ns}/{name}"
    if full not in KNOWN_TYPES:
        raise UnknownTypeError(f"message type {type_name!r} is not one of the topic contract's types "
                               f"(docs/interfaces.md): {sorted(KNOWN_TYPES)}")
    return full


def message_class(type_name: str) -> type:
    """The message class for `type_name` ('sensor_msgs/msg/Imu'), looked up in KNOWN_TYPES."""
    return KNOWN_TYPES[canonical(type_name)]


def _share_dirs(pkg: str) -> list[Path]:
    """Where `<pkg>`'s share folder may be: AMENT_PREFIX_PATH, this interpreter's prefix, and the
    prefix the package's Python module was installed under (pip wheels mirror the ROS layout)."""
    prefixes = [Path(p) for p in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep) if p]
    prefixes.append(Path(sys.prefix))
    try:  # find_spec locates the package without running it
        spec = importlib.util.find_spec(pkg)
        if spec is not None and spec.origin:  # <prefix>/lib/pythonX.Y/site-packages/<pkg>/__init__.py
            prefixes.append(Path(spec.origin).resolve().parents[4])
    except (ImportError, ValueError, IndexError):
        pass
    return [p / "share" / pkg for p in prefixes]


@functools.cache
def _definition_file(pkg: str, ns: str, name: str, suffix: str) -> Path:
    for share in _share_dirs(pkg):
        path = share / ns / f"{name}{suffix}"
        if path.is_file():
            return path
    raise UnknownTypeError(f"no {ns}/{name}{suffix} in share/{pkg} under AMENT_PREFIX_PATH or {sys.prefix}")


def msg_text(type_name: str) -> str:
    """The raw .msg file of one type."""
    return _definition_file(*split_type(type_name), ".msg").read_text()


def _dependencies(text: str, package: str) -> list[str]:
    deps = set()
    for match in _FIELD_TYPE.finditer(text):
        token = match.group(1)
        if token in _PRIMITIVES:
            continue
        deps.add(token if "/" in token else f"{package}/{token}")
    return sorted(deps)


@functools.cache
def full_definition(type_name: str) -> str:
    """The complete ros2msg definition of `type_name`, byte for byte as rosbag2 writes it."""
    type_name = canonical(type_name)  # nested types come from the installed .msg files, not a caller
    seen: set[str] = set()

    def append(name: str, depth: int) -> str:
        if depth <= 0:
            raise RecursionError(f"message definition of {type_name} nests too deeply")
        text = msg_text(name)
        out = text
        for dep in _dependencies(text, split_type(name)[0]):
            if dep not in seen:
                seen.add(dep)
                out += f"\n{SEPARATOR}\nMSG: {dep}\n" + append(dep, depth - 1)
        return out

    return append(type_name, 50)


@functools.cache
def type_hash(type_name: str) -> str:
    """The RIHS01 type-description hash rosbag2 stores as `topic_type_hash` ('' if unknown)."""
    try:
        path = _definition_file(*split_type(canonical(type_name)), ".json")
        want = "/".join(split_type(type_name))
        for entry in json.loads(path.read_text()).get("type_hashes", []):
            if entry.get("type_name") == want:
                return str(entry["hash_string"])
    except (UnknownTypeError, OSError, ValueError, KeyError):
        pass
    return ""
