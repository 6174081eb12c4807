"""`lecun-agent param` and `lecun-agent docs`: parameters of running nodes, and their reference page.

`param` speaks to a node's parameter services exactly as `ros2 param` does and prints the
same lines ("Set parameter successful", "Setting parameter failed: <reason>"), for machines
without a ROS distro. Unlike `ros2 param`, every failure exits non-zero, so scripts can
tell a rejected value from an accepted one; a name the node does not have is refused with the
closest names it has; and `set` checks every name and value's type before sending any, then sets
them through set_parameters_atomically, so a set of several parameters is applied whole or not at all.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from lecun_agent.cli.arg_types import seconds


def add_param(subparsers) -> None:
    """Register `lecun-agent param {list,get,set,describe,dump}` on the CLI's subparsers."""
    p = subparsers.add_parser(
        "param", help="list/get/set/describe/dump parameters of a running node (like ros2 param)",
        description="Parameters of a running node through its parameter services, as `ros2 param`. "
        "Values are parsed as YAML (0.02 -> double, 2 -> integer, true -> boolean, [1, 2] -> array). "
        "Exits 1 when the node is not found, has no parameter of that name, or a change is rejected.")
    verbs = p.add_subparsers(dest="verb", required=True)
    for verb, text in (("list", "parameter names of a node"), ("get", "a parameter's value"),
                       ("set", "set one or more parameters: name value [name value ...]; every name and "
                        "value's type is checked first, then all are set at once or none "
                        "(set_parameters_atomically)"),
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


def _unknown_names(client, node_name: str, names: list[str]) -> dict[str, str]:
    """For each of `names` the node does not have: "<node> has no parameter '<name>'" and the closest names."""
    from lecun_agent.tools.param_client import absolute_name

    known = client.list(node_name)
    unknown = {}
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            unknown[name] = f"{absolute_name(node_name)} has no parameter {name!r}{hint}"
    return unknown


def _get(client, args) -> int:
    from lecun_agent.tools.param_client import get_line, plain_value

    unknown = _unknown_names(client, args.node_name, [args.parameter_name])
    if unknown:
        print(unknown[args.parameter_name], file=sys.stderr)
        return 1
    value = client.get(args.node_name, [args.parameter_name])[args.parameter_name]
    line = get_line(value)
    print(plain_value(value) if args.hide_type and plain_value(value) is not None else line)
    return 1 if line == "Parameter not set." else 0


def _set(client, args) -> int:
    """Check every name and every value's type first, then set them all or none (set_parameters_atomically)."""
    from lecun_agent.tools.param_client import parse_value, readable_reason

    pairs = args.params_and_values
    if len(pairs) % 2:
        print(f"Parameters must be provided as name/value pairs: name value [name value ...]. "
              f"Got {len(pairs)} argument(s).", file=sys.stderr)
        return 1
    values = {name: parse_value(text) for name, text in zip(pairs[::2], pairs[1::2], strict=True)}
    many = len(values) > 1
    unknown = _unknown_names(client, args.node_name, list(values))
    declared = _declared_types(client, args.node_name, [name for name in values if name not in unknown])
    problems = {**unknown, **_type_problems(values, declared)}
    for name, reason in problems.items():
        print(f"{name + ': ' if many else ''}Setting parameter failed: {reason}", file=sys.stderr)
        if name in declared:
            print(_type_hint(name, declared[name], values[name].type), file=sys.stderr)
    if problems:
        if many:
            print(f"none of the {len(values)} parameters was set", file=sys.stderr)
        return 1
    result = client.set_atomically(args.node_name, values)
    if result.successful:
        for name in values:
            print(f"{name + ': ' if many else ''}Set parameter successful")
        return 0
    reason = readable_reason(result.reason)
    print(f"{'Setting parameters failed, none was set' if many else 'Setting parameter failed'}"
          f"{': ' + reason if reason else ''}", file=sys.stderr)
    if reason.startswith("Wrong parameter type"):
        for name, wanted in declared.items():
            if values[name].type != wanted:  # an integer for a double, which this node does not take
                print(_type_hint(name, wanted, values[name].type), file=sys.stderr)
    return 1


def _declared_types(client, node_name: str, names: list[str]) -> dict[str, int]:
    """The declared ParameterType of each of `names` (declared ones only) whose type is fixed."""
    descriptors = client.describe(node_name, names) if names else []
    return {name: d.type for name, d in zip(names, descriptors, strict=True) if not d.dynamic_typing}


def _type_problems(values: dict, declared: dict[str, int]) -> dict[str, str]:
    """"Wrong parameter type, expected 'double' got 'string'" for each value the parameter cannot take.

    An integer for a double is left to the node: ours take it as that double.
    """
    from rcl_interfaces.msg import ParameterType

    from lecun_agent.tools.param_client import TYPE_NAMES

    problems = {}
    for name, wanted in declared.items():
        got = values[name].type
        if got != wanted and (wanted, got) != (ParameterType.PARAMETER_DOUBLE, ParameterType.PARAMETER_INTEGER):
            problems[name] = (f"Wrong parameter type, expected '{TYPE_NAMES.get(wanted, wanted)}' got "
                              f"'{TYPE_NAMES.get(got, got)}'")
    return problems


def _type_hint(name: str, wanted: int, got: int) -> str:
    """The value's YAML decided its type: say how to write the one the parameter has."""
    from lecun_agent.tools.param_client import TYPE_NAMES

    return (f"hint: {name} is a {TYPE_NAMES.get(wanted, '?')} parameter and the value parsed as "
            f"{TYPE_NAMES.get(got, '?')} (YAML: 0 is an integer, 0.0 a double, 'text' a string, and 1e-2, with no "
            "point, a string: write 1.0e-2)")


def _describe(client, args) -> int:
    from lecun_agent.tools.param_client import describe_lines

    unknown = _unknown_names(client, args.node_name, args.parameter_names)
    known = [name for name in args.parameter_names if name not in unknown]
    for descriptor in client.describe(args.node_name, known) if known else []:
        print("\n".join(describe_lines(descriptor)))
    for line in unknown.values():
        print(line, file=sys.stderr)
    return 1 if unknown else 0


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
