"""Sends one node its abusive parameter sets (`abuse.py`) through its parameter services, as `ros2 param`.

Each value goes in a `set_parameters` request (one request per round: the k-th abusive value of
every parameter; rclpy judges each parameter of a request on its own), then everything in one
`set_parameters_atomically`. Before and after, every value is read back: none may change.
"""

from __future__ import annotations

from rcl_interfaces.msg import Parameter as ParameterMsg
from rcl_interfaces.srv import SetParametersAtomically
from rclpy.parameter import Parameter

from lecun_agent.tools.param_client import ParamClient, plain_value

from .abuse import abuse_list


def abuse_node(client: ParamClient, node_name: str) -> dict:
    """-> {"sent", "refused", "accepted": [...], "changed": [...], "atomic_refused"} for one node."""
    names = client.list(node_name)
    before = {n: plain_value(v) for n, v in client.get(node_name, names).items()}
    descriptors = dict(zip(names, client.describe(node_name, names), strict=True))
    abuses = abuse_list(descriptors, before)
    rounds: list[dict[str, object]] = []
    for name, value in abuses:
        target = next((r for r in rounds if name not in r), None)
        if target is None:
            rounds.append(target := {})
        target[name] = value
    accepted = []
    for batch in rounds:
        values = {k: Parameter(k, value=v).get_parameter_value() for k, v in batch.items()}
        for (name, value), result in zip(batch.items(), client.set(node_name, values), strict=True):
            if result.successful:
                accepted.append(f"{name}={value!r}")
    request = SetParametersAtomically.Request(parameters=[
        ParameterMsg(name=k, value=Parameter(k, value=v).get_parameter_value()) for k, v in abuses])
    atomic = client._call(SetParametersAtomically, node_name, "set_parameters_atomically", request).result
    after = {n: plain_value(v) for n, v in client.get(node_name, names).items()}
    changed = [n for n in names if not _same(before[n], after[n])]
    return {"sent": len(abuses) + 1, "refused": len(abuses) - len(accepted) + (0 if atomic.successful else 1),
            "accepted": accepted, "changed": changed, "atomic_refused": not atomic.successful}


def _same(a, b) -> bool:
    return a == b or (a != a and b != b)  # NaN never is: a NaN that stayed NaN is unchanged
