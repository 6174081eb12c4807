"""Every path that sets a parameter refuses a safety floor or limit looser than shipped (issue 13, item 4).

The floors and limits are the parameters whose range ends at their shipped value (settings.py: a
safety range ends at the shipped value on the unsafe side); they are read from the nodes' own
descriptors, so a new one is covered the day it is declared. For each, a value past that end is
sent on every path:
- `ros2 param set`: the node's set_parameters service callback (what the executor runs);
- `set_parameters_atomically`: alone, and mixed with a legal change (refused whole);
- a params YAML at start (`--params-file`, the node's own section);
- a launch override: `-p name:=value` on the node's command line (what the runner passes and what
  `ros2 run ... --ros-args -p` passes), and the launch description's parameter dict, which
  launch_ros writes to a `{'/**': {'ros__parameters': {...}}}` YAML file it passes to the node
  (launch_ros/actions/node.py `_create_params_file_from_dict`);
- the shipped launch profiles (config/profiles/*.yaml): every value is at least as safe as shipped.
The configurator's weight profiles no longer exist (the configurator owns only the mode; it never
writes `weights.*`: test_configurator_node.py), so that path is gone, not open.
A few real processes check the same on the command line as a user types it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import rclpy
import yaml
from rcl_interfaces.msg import Parameter as ParameterMsg
from rcl_interfaces.srv import SetParameters, SetParametersAtomically
from rclpy.exceptions import InvalidParameterValueException
from rclpy.parameter import Parameter

from lecun_agent.stack.description import NodeLaunch
from lecun_agent.stack.runner import node_command

pytestmark = pytest.mark.ros
REPO = Path(__file__).resolve().parents[1]


def _classes() -> dict:
    from lecun_agent.nodes import configurator_node, cost_node, gait_node, sim_node, straight_node

    return {"cost_node": cost_node.CostNode, "gait_node": gait_node.GaitNode, "sim_node": sim_node.SimNode,
            "configurator_node": configurator_node.ConfiguratorNode, "straight_node": straight_node.StraightNode}


NODES = ["cost_node", "gait_node", "sim_node", "configurator_node", "straight_node"]


@pytest.fixture(scope="module")
def ros():
    rclpy.init()
    yield
    rclpy.try_shutdown()


def limits_of(node) -> list[tuple[str, object, object]]:
    """(name, shipped, a value past the limit) for every range ending at its shipped value, and for every
    safety weight (its range's lower end is its floor)."""
    out = []
    for name, descriptor in sorted(node._descriptors.items()):
        shipped = node.get_parameter(name).value
        for r in list(descriptor.floating_point_range) + list(descriptor.integer_range):
            step = 1 if isinstance(shipped, int) else max(abs(shipped), 1.0)
            if shipped == r.to_value:
                out.append((name, shipped, shipped + step))
            elif shipped == r.from_value and name not in ("seed",):  # a seed is no limit
                out.append((name, shipped, shipped - step))
            elif name.startswith("weights.") and r.from_value > 0:  # a safety weight: its floor is its limit
                out.append((name, shipped, r.from_value - max(r.from_value, 1.0) / 2))
    return out


@pytest.fixture(scope="module", params=NODES)
def shipped(request, ros):
    node = _classes()[request.param]()
    yield request.param, node, limits_of(node)
    node.destroy_node()


def test_the_safety_limits_are_found(ros):
    """The list is not empty by accident: the floors, the guardrail's and the body's limits are in it."""
    node = _classes()["cost_node"]()
    names = {name for name, _, _ in limits_of(node)}
    node.destroy_node()
    print(f"{len(names)} limits on cost_node: {sorted(names)}")
    for expected in ("floors.pain", "floors.fall", "floors.force", "weights.fall", "guardrail.max_vx",
                     "guardrail.timeout_imu", "guardrail.slow_factor", "guardrail.future_tolerance_s",
                     "veto.tilt"):
        assert expected in names, expected


def _service(node, srv_type):
    suffix = "set_parameters" if srv_type is SetParameters else "set_parameters_atomically"
    return next(s for s in node.services if s.srv_type is srv_type and s.srv_name.endswith(suffix))


def _msg(name: str, value) -> ParameterMsg:
    return Parameter(name, value=value).to_parameter_msg()


def test_ros2_param_set_refuses_every_looser_limit(shipped):
    name_, node, limits = shipped
    callback = _service(node, SetParameters).callback
    for name, value, looser in limits:
        result = callback(SetParameters.Request(parameters=[_msg(name, looser)]), SetParameters.Response()).results[0]
        assert not result.successful and result.reason, f"{name_} {name}={looser}"
        assert node.get_parameter(name).value == value


def test_atomic_set_refuses_every_looser_limit_alone_and_mixed(shipped):
    name_, node, limits = shipped
    callback = _service(node, SetParametersAtomically).callback
    legal = [_msg("weights.energy", 0.02)] if name_ == "cost_node" else []
    for name, value, looser in limits:
        for params in ([_msg(name, looser)], [*legal, _msg(name, looser)]):
            result = callback(SetParametersAtomically.Request(parameters=params),
                              SetParametersAtomically.Response()).result
            assert not result.successful and result.reason, f"{name_} {name}={looser}"
        assert node.get_parameter(name).value == value
    if legal:
        assert node.get_parameter("weights.energy").value == 0.01  # the legal part was refused with the rest


def _start_refused(cls, cli_args: list[str], what: str, name: str) -> None:
    from lecun_agent.nodes.parameters import ParameterError

    with pytest.raises((InvalidParameterValueException, ParameterError), match=re.escape(name)):
        cls(cli_args=cli_args).destroy_node()
        pytest.fail(f"started with {what}")


def test_params_yaml_at_start_refuses_every_looser_limit(shipped, tmp_path):
    name_, _, limits = shipped
    for name, _, looser in limits:
        path = tmp_path / "params.yaml"
        path.write_text(yaml.safe_dump({name_: {"ros__parameters": {name: looser}}}))
        _start_refused(_classes()[name_], ["--ros-args", "--params-file", str(path)], f"{name}={looser}", name)


def test_launch_overrides_refuse_every_looser_limit(shipped, tmp_path):
    """`-p name:=value` as the runner and ros2 run pass it; the dict as launch_ros turns it into a file."""
    name_, _, limits = shipped
    for name, _, looser in limits:
        _start_refused(_classes()[name_], ["--ros-args", "-p", f"{name}:={looser!r}"], f"-p {name}:={looser}", name)
        path = tmp_path / "launch_params.yaml"
        path.write_text(yaml.dump({"/**": {"ros__parameters": {name: looser}}}, default_flow_style=False))
        _start_refused(_classes()[name_], ["--ros-args", "--params-file", str(path)], f"launch dict {name}", name)


def test_a_raised_floor_is_accepted_and_the_weight_follows(ros, tmp_path):
    """Safer is allowed on every start path, and a weight's lower bound is its (raised) floor."""
    from lecun_agent.nodes.cost_node import CostNode

    path = tmp_path / "safer.yaml"
    path.write_text(yaml.safe_dump({"cost_node": {"ros__parameters": {"floors.fall": 200.0,
                                                                      "weights.fall": 300.0}}}))
    node = CostNode(cli_args=["--ros-args", "--params-file", str(path), "-p", "guardrail.max_vx:=0.3"])
    try:
        assert node.get_parameter("floors.fall").value == 200.0
        assert node.get_parameter("guardrail.max_vx").value == 0.3 and node.guard.config.max_vx == 0.3
        assert node.describe_parameter("weights.fall").floating_point_range[0].from_value == 200.0
        assert not node.set_parameters([Parameter("weights.fall", value=150.0)])[0].successful
        assert node.set_parameters([Parameter("weights.fall", value=250.0)])[0].successful
    finally:
        node.destroy_node()


def test_a_floor_raised_above_its_weight_says_to_raise_the_weight_too(ros, tmp_path):
    """QA (2026-12-08): `floors.pain: 2.0` alone stopped cost_node with rclpy's range error of a value the user never
    wrote (the weight's default 1.0)."""
    from lecun_agent.nodes.cost_node import CostNode
    from lecun_agent.nodes.parameters import ParameterError

    path = tmp_path / "floor_only.yaml"
    path.write_text(yaml.safe_dump({"cost_node": {"ros__parameters": {"floors.pain": 2.0}}}))
    with pytest.raises(ParameterError, match=r"weights.pain is 1.0 \(its default\), below floors.pain 2.0: a weight "
                                             "may not be below its floor, so raise the weight with it"):
        CostNode(cli_args=["--ros-args", "--params-file", str(path)])


@pytest.mark.parametrize("profile", sorted((REPO / "config/profiles").glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_profiles_are_at_least_as_safe_as_shipped(shipped, profile):
    name_, _, limits = shipped
    if not {name_, f"/**/{name_}"} & set(yaml.safe_load(profile.read_text())):
        pytest.skip(f"{profile.name} has no {name_} section")
    node = _classes()[name_](cli_args=["--ros-args", "--params-file", str(profile)])
    try:
        for name, value, looser in limits:
            now = node.get_parameter(name).value
            assert (now <= value) if looser > value else (now >= value), f"{profile.name}: {name}={now}"
    finally:
        node.destroy_node()


@pytest.mark.parametrize("args", [
    ["-p", "floors.fall:=1e-06"],
    ["-p", "guardrail.timeout_imu:=10.0"],
    ["-p", "guardrail.slow_factor:=1.0"],
], ids=["floor", "timeout", "slow_factor"])
def test_a_real_cost_node_refuses_to_start_looser(args):
    """The command line as a user (or `ros2 run`) types it: the node exits non-zero and says why."""
    proc = subprocess.run([sys.executable, "-m", "lecun_agent.nodes.cost_node", "--ros-args", *args],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode != 0
    assert "out of range" in proc.stderr or "out of range" in proc.stdout, proc.stderr[-500:]


def test_the_runner_path_refuses_to_start_looser():
    """`lecun-agent up`'s runner passes each node's parameters as `-p`: the same refusal."""
    node = NodeLaunch("cost_node", (), {"use_sim_time": False, "floors.pain": 0.0})
    proc = subprocess.run(node_command(node), capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode != 0 and "floors.pain" in proc.stderr + proc.stdout
