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


def read_params_file(path: Path) -> dict[str, dict[str, Any]]:
    """{section key: its ros__parameters} of a params file; ValueError, saying where, for a file that is not
    one (YAML that does not parse, or not node sections each holding a `ros__parameters` mapping), which
    the nodes would otherwise refuse one by one, or leave out in silence."""
    try:
        tree = yaml.safe_load(Path(path).read_text())
    except yaml.YAMLError as err:
        where = getattr(err, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise ValueError(f"params file {path}: not valid YAML{line}: {getattr(err, 'problem', None) or err}") from None
    if tree is None:
        return {}
    form = "a params file maps node names to sections holding `ros__parameters:` (docs/tuning.md)"
    if not isinstance(tree, dict):
        raise ValueError(f"params file {path}: {form}; this one is a {type(tree).__name__}")
    sections = {}
    for key, section in tree.items():
        if not isinstance(section, dict) or not isinstance(section.get("ros__parameters"), dict):
            raise ValueError(f"params file {path}: section {key!r} has no `ros__parameters:` mapping; {form}")
        sections[str(key)] = section["ros__parameters"]
    return sections


def parameters_from_files(files: tuple[Path, ...], node: str, namespace: str = "") -> dict[str, Any]:
    """{dotted name: value} of every parameter these params files set on `node` under `namespace`."""
    values: dict[str, Any] = {}
    for path in files:
        for key, parameters in read_params_file(path).items():
            if _reaches(key, node, namespace):
                values.update(_flatten(parameters))
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
