"""`lecun-agent param` and `lecun-agent docs`: parameters of running nodes, and their reference page.

`param` speaks to a node's parameter services exactly as `ros2 param` does and prints the
same lines ("Set parameter successful", "Setting parameter failed: <reason>"), for machines
without a ROS distro. Unlike `ros2 param`, every failure exits non-zero, so scripts can
tell a rejected value from an accepted one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lecun_agent.cli.arg_types import seconds


def add_param(subparsers) -> None:
    """Register `lecun-agent param {list,get,set,describe,dump}` on the CLI's subparsers."""
    p = subparsers.add_parser(
        "param", help="list/get/set/describe/dump parameters of a running node (like ros2 param)",
        description="Parameters of a running node through its parameter services, as `ros2 param`. "
        "Values are parsed as YAML (0.02 -> double, 2 -> integer, true -> boolean, [1, 2] -> array). "
        "Exits 1 when the node is not found, a parameter is not set, or a change is rejected.")
    verbs = p.add_subparsers(dest="verb", required=True)
    for verb, text in (("list", "parameter names of a node"), ("get", "a parameter's value"),
                       ("set", "set one or more parameters: name value [name value ...]"),
                       ("describe", "type, description, range and read-only flag"),
                       ("dump", "every parameter as a params file (YAML)")):
        v = verbs.add_parser(verb, help=text, description=text)
        v.add_argument("node_name", help="node name, e.g. /cost_node (namespace included if any)")
        if verb == "list":
            v.add_argument("--filter", default="", help="only names starting with this prefix")
        elif verb == "get":
            v.add_argument("parameter_name")
            v.add_argument("--hide-type", action="store_true", help="print only the value")
        elif verb == "set":
            v.add_argument("params_and_values", nargs="+", metavar="name value")
        elif verb == "describe":
            v.add_argument("parameter_names", nargs="+")
        v.add_argument("--timeout", type=seconds(0.0, 3600.0), default=5.0,
                       help="seconds to wait for the node and for each reply (default %(default)s)")
        v.set_defaults(func=run_param)


def add_docs(subparsers) -> None:
    """Register `lecun-agent docs --check | --write` (the generated parameter reference, docs/tuning.md)."""
    p = subparsers.add_parser(
        "docs", help="check or regenerate the parameter tables in docs/tuning.md",
        description="Starts every node (isolated ROS domain, private namespaces), reads its declared "
        "parameters through the parameter services and compares or writes the tables in docs/tuning.md.")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="exit 1 and show a diff when the page is stale")
    mode.add_argument("--write", action="store_true", help="rewrite the generated tables in place")
    p.add_argument("--page", type=Path, default=None, help="page to check or write (default docs/tuning.md)")
    p.set_defaults(func=run_docs)


def run_param(args: argparse.Namespace) -> int:
    import rclpy

    from lecun_agent.tools.param_client import NodeNotFound, ParamClient

    problem = _node_name_problem(args.node_name)
    if problem:
        print(f"Invalid node name {args.node_name!r} ({problem}); the node comes first, e.g. "
              f"`lecun-agent param {args.verb} /cost_node ...`", file=sys.stderr)
        return 1
    rclpy.init()
    node = rclpy.create_node("lecun_agent_param_cli", start_parameter_services=False)
    client = ParamClient(node, timeout_s=args.timeout)
    try:
        if not client.wait_for_node(args.node_name):
            print("Node not found", file=sys.stderr)
            return 1
        return _VERB_RUNNERS[args.verb](client, args)
    except (NodeNotFound, TimeoutError) as err:
        print(str(err), file=sys.stderr)
        return 1
    finally:
        client.close()
        node.destroy_node()
        rclpy.try_shutdown()


def _node_name_problem(node_name: str) -> str:
    """Why `node_name` (namespace included, as /ns/name or name) is no ROS node name; "" when it is one."""
    from rclpy.exceptions import InvalidNamespaceException, InvalidNodeNameException
    from rclpy.validate_namespace import validate_namespace
    from rclpy.validate_node_name import validate_node_name

    from lecun_agent.tools.param_client import absolute_name

    namespace, _, base = absolute_name(node_name).rpartition("/")
    try:
        validate_namespace(namespace or "/")
        validate_node_name(base)
    except (InvalidNamespaceException, InvalidNodeNameException) as err:
        return str(err).splitlines()[0].split(": ", 1)[-1].rstrip(":")
    return ""


def _list(client, args) -> int:
    for name in client.list(args.node_name):
        if name.startswith(args.filter):
            print(f"  {name}")
    return 0


def _get(client, args) -> int:
    from lecun_agent.tools.param_client import get_line, plain_value

    value = client.get(args.node_name, [args.parameter_name])[args.parameter_name]
    line = get_line(value)
    print(plain_value(value) if args.hide_type and plain_value(value) is not None else line)
    return 1 if line == "Parameter not set." else 0


def _set(client, args) -> int:
    from lecun_agent.tools.param_client import parse_value

    pairs = args.params_and_values
    if len(pairs) % 2:
        print(f"Parameters must be provided as name/value pairs: name value [name value ...]. "
              f"Got {len(pairs)} argument(s).", file=sys.stderr)
        return 1
    values = {name: parse_value(text) for name, text in zip(pairs[::2], pairs[1::2], strict=True)}
    results = client.set(args.node_name, values)
    failed = 0
    for name, result in zip(values, results, strict=True):
        text = "Set parameter successful" if result.successful else "Setting parameter failed"
        text += f": {result.reason}" if result.reason else ""
        text = f"{name}: {text}" if len(values) > 1 else text
        print(text, file=sys.stdout if result.successful else sys.stderr)
        failed += not result.successful
        if not result.successful and result.reason.startswith("Wrong parameter type"):
            _type_hint(client, args.node_name, name, values[name])
    return 1 if failed else 0


def _type_hint(client, node_name: str, name: str, value) -> None:
    """rclpy's type error names type numbers; say it in words (`0` is an integer, `0.0` a double)."""
    from lecun_agent.tools.param_client import TYPE_NAMES

    wanted = client.describe(node_name, [name])
    if wanted:
        print(f"hint: {name} is a {TYPE_NAMES.get(wanted[0].type, '?')} parameter and the value parsed as "
              f"{TYPE_NAMES.get(value.type, '?')} (YAML: 0 is an integer, 0.0 a double, 'text' a string)",
              file=sys.stderr)


def _describe(client, args) -> int:
    from rcl_interfaces.msg import ParameterType

    from lecun_agent.tools.param_client import describe_lines

    descriptors = client.describe(args.node_name, args.parameter_names)
    missing = [d.name for d in descriptors if d.type == ParameterType.PARAMETER_NOT_SET]
    for descriptor in descriptors:
        print("\n".join(describe_lines(descriptor)))
    if missing or len(descriptors) < len(args.parameter_names):
        print(f"Parameter not set: {', '.join(missing) or 'some'}", file=sys.stderr)
        return 1
    return 0


def _dump(client, args) -> int:
    from lecun_agent.tools.param_client import dump_yaml

    names = client.list(args.node_name)
    print(dump_yaml(args.node_name, client.get(args.node_name, names)))
    return 0


_VERB_RUNNERS = {"list": _list, "get": _get, "set": _set, "describe": _describe, "dump": _dump}


def run_docs(args: argparse.Namespace) -> int:
    from lecun_agent.tools import param_docs

    page = args.page or param_docs.default_page()
    if args.write:
        param_docs.write(page)
        print(f"wrote the parameter tables of {page}")
        return 0
    problem = param_docs.check(page)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    print(f"{page} matches the declared parameters")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m lecun_agent.cli.param param ...` / `docs ...`: the same commands without the main CLI."""
    parser = argparse.ArgumentParser(prog="lecun-agent", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    add_param(sub)
    add_docs(sub)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
