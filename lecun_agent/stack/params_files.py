"""The parameter values a node takes from its params files, read the way ROS reads them.

The episode driver lays out the same arena as sim_node (to send the goal and score the episode), so it
must see the `arena.*` values a profile gives sim_node. A params file is sections keyed by node name,
each with `ros__parameters` (nested keys joined with dots); a section reaches a node when its key is
`/**`, `/**/<node>`, `<ns>/<node>` or, outside a namespace, `<node>` or `/<node>`. Later files and later
sections win, as in rcl.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def parameters_from_files(files: tuple[Path, ...], node: str, namespace: str = "") -> dict[str, Any]:
    """{dotted name: value} of every parameter these params files set on `node` under `namespace`."""
    values: dict[str, Any] = {}
    for path in files:
        for key, section in (yaml.safe_load(Path(path).read_text()) or {}).items():
            if _reaches(str(key), node, namespace) and isinstance(section, dict):
                values.update(_flatten(section.get("ros__parameters") or {}))
    return values


def _reaches(key: str, node: str, namespace: str) -> bool:
    ns = "/" + namespace.strip("/") if namespace.strip("/") else ""
    names = {"/**", f"/**/{node}", f"{ns}/{node}"} | ({node, f"/{node}"} if not ns else set())
    return key in names


def _flatten(tree: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        out.update(_flatten(value, f"{name}.") if isinstance(value, dict) else {name: value})
    return out
