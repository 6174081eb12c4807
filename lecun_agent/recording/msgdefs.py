"""ROS 2 message types by name, without rosidl_runtime_py: class lookup, full .msg text, type hash.

rosbag2 stores each topic's schema as the "complete message definition" in `ros2msg` encoding
(rosbag2_cpp LocalMessageDefinitionSource): the type's own .msg file, then every nested type's
.msg file, each preceded by a line of 80 '=' and a line `MSG: pkg/Type`, dependencies found with
the same field-type regex and visited depth-first in sorted order, each at most once. We read the
same .msg files from `<prefix>/share/<pkg>/msg/` that a ROS install or the pip wheels ship, so
Foxglove and `ros2 bag info` see what rosbag2 itself would have written.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import re
import sys
from pathlib import Path

# rosbag2's regex: the type token at the start of each field line ("foo_msgs/Bar" in "foo_msgs/Bar[] b").
_FIELD_TYPE = re.compile(r"(?:^|\n)\s*([a-zA-Z0-9_/]+)(?:\[[^\]]*\])?\s+")
_PRIMITIVES = {"bool", "byte", "char", "float32", "float64", "int8", "uint8", "int16", "uint16",
               "int32", "uint32", "int64", "uint64", "string", "wstring"}
SEPARATOR = "=" * 80


class UnknownTypeError(LookupError):
    """A message type name that no installed package provides."""


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


@functools.cache
def message_class(type_name: str) -> type:
    """Import the generated Python class for `type_name` ('sensor_msgs/msg/Imu')."""
    pkg, ns, name = split_type(type_name)
    try:
        return getattr(importlib.import_module(f"{pkg}.{ns}"), name)
    except (ImportError, AttributeError) as err:
        raise UnknownTypeError(f"no Python message class for {type_name!r}: {err}") from err


def _share_dirs(pkg: str) -> list[Path]:
    """Where `<pkg>`'s share folder may be: AMENT_PREFIX_PATH, this interpreter's prefix, and the
    prefix the package's Python module was installed under (pip wheels mirror the ROS layout)."""
    prefixes = [Path(p) for p in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep) if p]
    prefixes.append(Path(sys.prefix))
    try:
        module_file = importlib.import_module(pkg).__file__
        if module_file:  # <prefix>/lib/pythonX.Y/site-packages/<pkg>/__init__.py
            prefixes.append(Path(module_file).resolve().parents[4])
    except (ImportError, IndexError):
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
        path = _definition_file(*split_type(type_name), ".json")
        want = "/".join(split_type(type_name))
        for entry in json.loads(path.read_text()).get("type_hashes", []):
            if entry.get("type_name") == want:
                return str(entry["hash_string"])
    except (UnknownTypeError, OSError, ValueError, KeyError):
        pass
    return ""
