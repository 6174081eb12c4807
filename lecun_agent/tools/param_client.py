"""A client for any node's parameter services, the same six services `ros2 param` calls.

`lecun-agent param` and the parameter-reference generator use it, so machines without a
ROS distro (no `ros2` CLI) can list, read, describe, set and dump parameters of a running
node exactly as `ros2 param` would, and print what `ros2 param` prints.
"""

from __future__ import annotations

import re
import time
from typing import Any

import yaml
from rcl_interfaces.msg import Parameter as ParameterMsg
from rcl_interfaces.msg import ParameterDescriptor, ParameterType, ParameterValue, SetParametersResult
from rcl_interfaces.srv import DescribeParameters, GetParameters, ListParameters, SetParameters, SetParametersAtomically
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.parameter import get_parameter_value

# ros2param.api.get_parameter_type_string's words, so `describe` reads the same.
TYPE_NAMES = {
    ParameterType.PARAMETER_NOT_SET: "not set",
    ParameterType.PARAMETER_BOOL: "boolean",
    ParameterType.PARAMETER_INTEGER: "integer",
    ParameterType.PARAMETER_DOUBLE: "double",
    ParameterType.PARAMETER_STRING: "string",
    ParameterType.PARAMETER_BYTE_ARRAY: "byte array",
    ParameterType.PARAMETER_BOOL_ARRAY: "boolean array",
    ParameterType.PARAMETER_INTEGER_ARRAY: "integer array",
    ParameterType.PARAMETER_DOUBLE_ARRAY: "double array",
    ParameterType.PARAMETER_STRING_ARRAY: "string array",
}
# (ros2 param get label, ParameterValue field) per type.
_GET_LABELS = {
    ParameterType.PARAMETER_BOOL: ("Boolean value is:", "bool_value"),
    ParameterType.PARAMETER_INTEGER: ("Integer value is:", "integer_value"),
    ParameterType.PARAMETER_DOUBLE: ("Double value is:", "double_value"),
    ParameterType.PARAMETER_STRING: ("String value is:", "string_value"),
    ParameterType.PARAMETER_BYTE_ARRAY: ("Byte values are:", "byte_array_value"),
    ParameterType.PARAMETER_BOOL_ARRAY: ("Boolean values are:", "bool_array_value"),
    ParameterType.PARAMETER_INTEGER_ARRAY: ("Integer values are:", "integer_array_value"),
    ParameterType.PARAMETER_DOUBLE_ARRAY: ("Double values are:", "double_array_value"),
    ParameterType.PARAMETER_STRING_ARRAY: ("String values are:", "string_array_value"),
}


class NodeNotFound(RuntimeError):
    """The node's parameter services did not appear within the timeout."""


def absolute_name(node_name: str) -> str:
    """`cost_node` -> `/cost_node`, as ros2node.api.get_absolute_node_name does."""
    return node_name if node_name.startswith("/") else f"/{node_name}"


def plain_value(value: ParameterValue) -> Any:
    """The Python value inside a ParameterValue (lists for arrays, None when not set)."""
    if value.type == ParameterType.PARAMETER_NOT_SET:
        return None
    field = _GET_LABELS[value.type][1]
    raw = getattr(value, field)
    return list(raw) if field.endswith("array_value") else raw


def get_line(value: ParameterValue) -> str:
    """What `ros2 param get` prints for `value`, e.g. "Double value is: 0.01"."""
    if value.type == ParameterType.PARAMETER_NOT_SET:
        return "Parameter not set."
    return f"{_GET_LABELS[value.type][0]} {plain_value(value)}"


def parse_value(text: str) -> ParameterValue:
    """A command-line value as `ros2 param set` parses it: YAML (yaml.safe_load), else the text as a string.

    YAML that no parameter type holds (a mapping, a date, an undefined alias or tag) is the text as a
    string too: rclpy's parser raises on some and puts the YAML object in `string_value` on others.
    """
    try:
        value = get_parameter_value(string_value=text)
    except yaml.YAMLError:
        value = None
    if value is None or (value.type == ParameterType.PARAMETER_STRING and not isinstance(value.string_value, str)):
        return ParameterValue(type=ParameterType.PARAMETER_STRING, string_value=text)
    return value


def readable_reason(reason: str) -> str:
    """rclpy's "Wrong parameter type, expected '3' got '4'" with the type names: expected 'double' got 'string'."""
    if not reason.startswith("Wrong parameter type"):
        return reason
    return re.sub(r"'(\d+)'", lambda m: f"'{TYPE_NAMES.get(int(m.group(1)), m.group(1))}'", reason)


def describe_lines(descriptor: ParameterDescriptor) -> list[str]:
    """What `ros2 param describe` prints for one descriptor."""
    lines = [f"Parameter name: {descriptor.name}", f"  Type: {TYPE_NAMES.get(descriptor.type, 'unknown')}"]
    if descriptor.description:
        lines.append(f"  Description: {descriptor.description}")
    lines.append("  Constraints:")
    if descriptor.read_only:
        lines.append("    Read only: true")
    ranges = list(descriptor.floating_point_range) + list(descriptor.integer_range)
    if ranges:
        lines += [f"    Min value: {ranges[0].from_value}", f"    Max value: {ranges[0].to_value}"]
        if ranges[0].step:
            lines.append(f"    Step: {ranges[0].step}")
    if descriptor.additional_constraints:
        lines.append(f"    Additional constraints: {descriptor.additional_constraints}")
    return lines


def dump_yaml(node_name: str, values: dict[str, ParameterValue]) -> str:
    """A params file for `node_name` with every value, nested on '.', like `ros2 param dump`."""
    tree: dict[str, Any] = {}
    for name in sorted(values):
        *parents, leaf = name.split(".")
        branch = tree
        for part in parents:
            branch = branch.setdefault(part, {})
        branch[leaf] = plain_value(values[name])
    return yaml.safe_dump({absolute_name(node_name): {"ros__parameters": tree}}, default_flow_style=False)


RESEND_AFTER_S = 5.0  # s without a reply before a request is sent again


class ParamClient:
    """Calls <node>/list_parameters, get_parameters, set_parameters and describe_parameters.

    `node` is any rclpy node of the caller's; it is spun here while waiting for replies, so
    it must not be spinning in an executor elsewhere at the same time.
    """

    def __init__(self, node: Node, timeout_s: float = 5.0) -> None:
        self.node, self.timeout_s = node, timeout_s
        self._clients: dict[tuple[str, str], Any] = {}
        self._executor = SingleThreadedExecutor(context=node.context)
        self._executor.add_node(node)

    def wait_for_node(self, node_name: str, timeout_s: float | None = None) -> bool:
        """True once the node's parameter services answer discovery (as `ros2 param` waits)."""
        client = self._client(ListParameters, node_name, "list_parameters")
        return client.wait_for_service(timeout_sec=self.timeout_s if timeout_s is None else timeout_s)

    def list(self, node_name: str, prefixes: tuple[str, ...] = ()) -> list[str]:
        """All parameter names of the node (recursive), sorted."""
        request = ListParameters.Request(prefixes=list(prefixes),
                                         depth=ListParameters.Request.DEPTH_RECURSIVE)
        return sorted(self._call(ListParameters, node_name, "list_parameters", request).result.names)

    def get(self, node_name: str, names: list[str]) -> dict[str, ParameterValue]:
        """Current values; an undeclared name comes back with type PARAMETER_NOT_SET."""
        reply = self._call(GetParameters, node_name, "get_parameters", GetParameters.Request(names=names))
        values = list(reply.values) + [ParameterValue()] * (len(names) - len(reply.values))
        return dict(zip(names, values, strict=True))

    def describe(self, node_name: str, names: list[str]) -> list[ParameterDescriptor]:
        reply = self._call(DescribeParameters, node_name, "describe_parameters",
                           DescribeParameters.Request(names=names))
        return list(reply.descriptors)

    def set(self, node_name: str, values: dict[str, ParameterValue]) -> list[SetParametersResult]:
        """One SetParametersResult per name, in order; each is accepted or rejected on its own."""
        request = SetParameters.Request(parameters=[ParameterMsg(name=k, value=v) for k, v in values.items()])
        return list(self._call(SetParameters, node_name, "set_parameters", request).results)

    def set_atomically(self, node_name: str, values: dict[str, ParameterValue]) -> SetParametersResult:
        """Set every value or none: one result for them all (the node's set_parameters_atomically)."""
        request = SetParametersAtomically.Request(
            parameters=[ParameterMsg(name=k, value=v) for k, v in values.items()])
        return self._call(SetParametersAtomically, node_name, "set_parameters_atomically", request).result

    def close(self) -> None:
        for client in self._clients.values():
            self.node.destroy_client(client)
        self._clients.clear()
        self._executor.remove_node(self.node)
        self._executor.shutdown()

    def _client(self, srv_type, node_name: str, service: str):
        key = (absolute_name(node_name), service)
        if key not in self._clients:
            self._clients[key] = self.node.create_client(srv_type, f"{key[0]}/{service}")
        return self._clients[key]

    def _call(self, srv_type, node_name: str, service: str, request):
        client = self._client(srv_type, node_name, service)
        if not client.wait_for_service(timeout_sec=self.timeout_s):
            raise NodeNotFound(f"node {absolute_name(node_name)} not found "
                               f"(no {service} service within {self.timeout_s:.0f} s)")
        # A reply can be lost while the node has not yet discovered this client's reply reader (seen under
        # load: a node that answered nothing for 60 s); every request here is idempotent (a set sends the
        # same values), so it is sent again every RESEND_AFTER_S, and the first reply counts.
        futures, start = [client.call_async(request)], time.monotonic()
        while not any(f.done() for f in futures) and time.monotonic() < start + self.timeout_s:
            self._executor.spin_once(timeout_sec=0.05)
            if time.monotonic() > start + RESEND_AFTER_S * len(futures):
                futures.append(client.call_async(request))
        done = [f for f in futures if f.done()]
        for future in futures:
            if not future.done():
                client.remove_pending_request(future)
        if not done:
            raise TimeoutError(f"{absolute_name(node_name)}/{service} did not reply "
                               f"within {self.timeout_s:.0f} s")
        return done[0].result()
