"""docs/interfaces.md lists every topic a node publishes or subscribes (so the page cannot drift)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Topic literals next to a message type: create_publisher(Type, "topic" ...), sub(Type, "topic" ...),
# and the (topic, Type, ...) / ("topic", Type) tuples the nodes loop over.
MSG_TYPE = r"(?!True\b|False\b|None\b)[A-Z][A-Z0-9]*[a-z]\w*"  # a class name: not a bool, not a CONSTANT
TOPIC_AFTER_TYPE = re.compile(r"\(\s*" + MSG_TYPE + r",\s*\"(/?[a-z_]+(?:/[a-z_]+)*)\"")
TOPIC_BEFORE_TYPE = re.compile(r"\(\s*\"(/?[a-z_]+(?:/[a-z_]+)*)\",\s*" + MSG_TYPE)


def topics_in_nodes() -> set[str]:
    found = set()
    for path in (ROOT / "lecun_agent" / "nodes").glob("*_node.py"):
        text = path.read_text()
        found |= set(TOPIC_AFTER_TYPE.findall(text)) | set(TOPIC_BEFORE_TYPE.findall(text))
    return found


def test_every_node_topic_is_documented():
    found = topics_in_nodes()
    assert {"joint_states", "cmd_vel", "agent/cost", "/clock"} <= found  # the scan itself works
    page = (ROOT / "docs" / "interfaces.md").read_text()
    missing = sorted(t for t in found if f"`{t}`" not in page)
    assert not missing, f"topics used by nodes but missing from docs/interfaces.md: {missing}"
