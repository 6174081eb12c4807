"""The parameter reference in docs/tuning.md, generated from the running nodes and checked by a test.

Every node in `lecun_agent/nodes/*_node.py` is started as its own process (as `ros2 launch`
starts it), and its declared parameters are read back through the same services
`ros2 param describe` uses (list_parameters, describe_parameters, get_parameters). So the
tables show what a user sees on a running node: name, type, default value, range, read-only
or run-time, and the descriptor's description.

The nodes run in a private ROS domain and each in its own namespace, so they cannot reach a
stack the user has running, nor each other.
Only the region between the two markers of the page is generated; the prose around it is not.
"""

from __future__ import annotations

import difflib
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lecun_agent.paths import share_dir
from lecun_agent.stack.description import NodeLaunch
from lecun_agent.stack.ros_domain import DOCS_DOMAINS, private_domain

BEGIN = "<!-- BEGIN GENERATED PARAMETER TABLES: `lecun-agent docs --write` rewrites this part -->"
END = "<!-- END GENERATED PARAMETER TABLES -->"
START_CAP_S = 600.0  # s a node may take to start before the docs give up on it (a hang, not a slow start)
# Parameters every rclpy node has; described once in the prose, not in every table.
ROS_BUILTIN = ("use_sim_time", "start_type_description_service")
# Body and reflexes first, then the agent, then the tools: the order of docs/tuning.md.
ORDER = ("sim_node", "gait_node", "cost_node", "configurator_node", "perception_node", "world_model_node",
         "actor_node", "program_node", "recorder_node", "replay_driver_node")
_NODES_DIR = Path(__file__).resolve().parents[1] / "nodes"


@dataclass(frozen=True)
class ParamRow:
    """One declared parameter as the parameter services describe it."""

    name: str
    type: str
    value: Any
    range: str
    read_only: bool
    description: str


def default_page() -> Path:
    return share_dir() / "docs" / "tuning.md"


def node_names() -> list[str]:
    """Every node module that exists now, in the page's order (unknown ones last, sorted)."""
    present = sorted(p.stem for p in _NODES_DIR.glob("*_node.py"))
    return [n for n in ORDER if n in present] + [n for n in present if n not in ORDER]


# Parameters set (to temp paths) only so the node can start; keep in step with _start_overrides.
START_ONLY = {"replay_driver_node": ("bag",), "recorder_node": ("output",),
              "perception_node": ("checkpoint",), "world_model_node": ("checkpoint",)}


def _start_overrides(tmp: Path) -> dict[str, Callable[[], dict[str, Any]]]:
    """Values some nodes need only to start (a bag to replay, a file to record into).

    The tables show the declared default for these (""), not the override.
    """

    def replay() -> dict[str, Any]:
        from lecun_agent.recording.synthetic import write_synthetic_bag

        return {"bag": str(write_synthetic_bag(tmp / "replay.mcap", duration_s=0.5))}

    def checkpoint() -> dict[str, Any]:
        from lecun_agent.paths import default_checkpoint_dir

        if (default_checkpoint_dir() / "meta.json").exists():
            return {}
        # No shipped checkpoint yet: the model nodes need some checkpoint to start, and their
        # parameters do not depend on its weights, so a tiny random one does.
        if not (tmp / "tiny_checkpoint" / "meta.json").exists():
            import torch

            from lecun_agent.dataset.format import DatasetSpec
            from lecun_agent.world_model.checkpoint import save_checkpoint
            from lecun_agent.world_model.config import WorldModelConfig
            from lecun_agent.world_model.model import WorldModel

            torch.manual_seed(0)
            model = WorldModel(WorldModelConfig(latent_dim=16, hidden=32, ensemble=2)).eval()
            save_checkpoint(tmp / "tiny_checkpoint", model, DatasetSpec())
        return {"checkpoint": str(tmp / "tiny_checkpoint")}

    return {"replay_driver_node": replay, "recorder_node": lambda: {"output": str(tmp / "record.mcap")},
            "perception_node": checkpoint, "world_model_node": checkpoint}


def collect(nodes: list[str] | None = None, timeout_s: float = 60.0) -> dict[str, list[ParamRow]]:
    """Start `nodes` (default: all), read their parameters through the services, stop them."""
    import rclpy
    from rclpy.context import Context

    from lecun_agent.stack.runner import Stack
    from lecun_agent.tools.param_client import ParamClient

    nodes = nodes or node_names()
    with tempfile.TemporaryDirectory(prefix="param_docs_") as tmp_name, private_domain(DOCS_DOMAINS) as domain:
        tmp = Path(tmp_name)
        overrides = _start_overrides(tmp)
        stacks = {}
        try:
            for name in nodes:
                launch = NodeLaunch(name, (), overrides.get(name, dict)())
                stacks[name] = Stack([launch], tmp / "logs", namespace=f"param_docs/{name}")
            context = Context()
            rclpy.init(context=context, domain_id=domain)
            probe = rclpy.create_node("param_docs", context=context, start_parameter_services=False)
            # a node offers its parameter services when it is created and answers once it spins, after
            # the rest of its start-up: on a loaded machine that took longer than 10 s, so replies get
            # the whole start-up budget too
            client = ParamClient(probe, timeout_s=timeout_s)
            try:
                return {name: _read(client, f"/param_docs/{name}/{name}", stacks[name], timeout_s)
                        for name in nodes}
            finally:
                client.close()
                probe.destroy_node()
                rclpy.try_shutdown(context=context)
        finally:
            for stack in stacks.values():
                stack.shutdown(timeout_s=5.0)


def _read(client, full_name: str, stack, timeout_s: float) -> list[ParamRow]:
    from lecun_agent.nodes.spin import READY
    from lecun_agent.tools.param_client import TYPE_NAMES, plain_value

    # Its READY line: the node spins, so it answers. All nodes start at once; on a loaded machine a start-up
    # took more than the 60 s a reply was given, so the start-up is waited for on its own, bounded only
    # against a hang.
    log_path, deadline = stack.processes[0].log_path, time.monotonic() + START_CAP_S
    while READY not in log_path.read_text(errors="replace"):
        crashed = stack.crashed()
        if crashed:
            raise RuntimeError(f"cannot document {full_name}: " + "\n".join(crashed))
        if time.monotonic() > deadline:
            raise TimeoutError(f"{full_name} did not start within {START_CAP_S:.0f} s (log: {log_path})")
        time.sleep(0.2)
    if not client.wait_for_node(full_name, timeout_s=timeout_s):
        raise TimeoutError(f"{full_name} did not offer its parameter services within {timeout_s:.0f} s")
    names = [n for n in client.list(full_name) if n not in ROS_BUILTIN and not n.startswith("qos_overrides.")]
    values = client.get(full_name, names)
    rows = []
    for d in client.describe(full_name, names):
        ranges = list(d.floating_point_range) + list(d.integer_range)
        span = f"[{_fmt(ranges[0].from_value)}, {_fmt(ranges[0].to_value)}]" if ranges else d.additional_constraints
        rows.append(ParamRow(d.name, TYPE_NAMES.get(d.type, "?"), plain_value(values[d.name]), span,
                             d.read_only, d.description))
    return rows


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return repr(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(tables: dict[str, list[ParamRow]]) -> str:
    """The generated region: one table per node, markers included."""
    out = [BEGIN, ""]
    for node, rows in tables.items():
        out += [f"### {node}", "", f"Read-only: {sum(r.read_only for r in rows)}, "
                f"run-time: {sum(not r.read_only for r in rows)}.", "",
                "| parameter | type | value | range | changes | description |", "|---|---|---|---|---|---|"]
        for r in sorted(rows, key=lambda r: r.name):
            # A temp path given only so the node starts is not what a user's node would hold.
            value = "" if r.name in START_ONLY.get(node, ()) else r.value
            out.append(f"| `{r.name}` | {r.type} | `{_cell(_fmt(value))}` | {r.range} | "
                       f"{'read-only' if r.read_only else 'run-time'} | {_cell(r.description)} |")
        out.append("")
    out.append(END)
    return "\n".join(out)


def _split(page_text: str) -> tuple[str, str, str]:
    if BEGIN not in page_text or END not in page_text:
        raise ValueError(f"the page has no generated region; it needs the lines\n{BEGIN}\n{END}")
    head, rest = page_text.split(BEGIN, 1)
    body, tail = rest.split(END, 1)
    return head, BEGIN + body + END, tail


def write(page: Path, tables: dict[str, list[ParamRow]] | None = None) -> None:
    """Replace the generated region of `page` (created with just the region if missing)."""
    text = page.read_text() if page.exists() else f"# Parameters\n\n{BEGIN}\n{END}\n"
    head, _, tail = _split(text)
    page.write_text(head + render(tables if tables is not None else collect()) + tail)


def check(page: Path, tables: dict[str, list[ParamRow]] | None = None) -> str | None:
    """None when the page's tables match the running nodes, else a diff and how to fix it."""
    _, current, _ = _split(page.read_text())
    wanted = render(tables if tables is not None else collect())
    if current == wanted:
        return None
    diff = difflib.unified_diff(current.splitlines(), wanted.splitlines(), f"{page} (now)",
                                "declared by the nodes", lineterm="")
    return f"{page} is out of date; run `lecun-agent docs --write`:\n" + "\n".join(diff)
