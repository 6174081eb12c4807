"""Fuzzing every node's parameter callbacks with hypothesis (issue 13, item 3).

Each node is created in this process (as its main() would) and sent random sets: declared names,
names it does not have and `use_sim_time`; values of every type rclpy knows (NaN, Inf, huge, empty,
arrays) and, through the set_parameters service's own callback (the one the executor runs for
`ros2 param set`), type numbers rclpy does not know. One contract for every set:
- it returns, never raises (an exception in a service callback ends the node);
- each accepted value is of the declared type, inside the declared range, and the parameter is not
  read-only; every read-only parameter and `use_sim_time` keep their start values;
- so every safety floor and limit (their ranges end at the shipped value on the unsafe side) stays
  at least as safe as shipped; and cost_node's cost terms always run with the weights its
  parameters say.
The budget is fixed and derandomized (the same examples in every run); a crash found here is
kept as an @example.
"""

from __future__ import annotations

import math

import pytest
import rclpy
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rcl_interfaces.msg import Parameter as ParameterMsg
from rcl_interfaces.msg import ParameterValue
from rcl_interfaces.srv import SetParameters, SetParametersAtomically
from rclpy.parameter import Parameter
from rclpy.serialization import serialize_message
from recording_files import joint_state, raw_mcap

pytestmark = pytest.mark.ros
FUZZ = settings(max_examples=100, deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])


def _factories(tmp_path):
    from lecun_agent.nodes import (
        actor_node,
        configurator_node,
        cost_node,
        gait_node,
        perception_node,
        program_node,
        recorder_node,
        replay_driver_node,
        sim_node,
        straight_node,
        world_model_node,
    )

    bag = raw_mcap(tmp_path / "one.mcap", [("/joint_states", "sensor_msgs/msg/JointState",
                                            [serialize_message(joint_state(0))])])
    return {
        "sim_node": sim_node.SimNode, "gait_node": gait_node.GaitNode, "cost_node": cost_node.CostNode,
        "configurator_node": configurator_node.ConfiguratorNode, "straight_node": straight_node.StraightNode,
        "program_node": program_node.ProgramNode, "perception_node": perception_node.PerceptionNode,
        "world_model_node": world_model_node.WorldModelNode, "actor_node": actor_node.ActorNode,
        "recorder_node": lambda: recorder_node.RecorderNode(parameter_overrides=[
            Parameter("output", value=str(tmp_path / "rec.mcap"))]),
        "replay_driver_node": lambda: replay_driver_node.ReplayDriverNode(parameter_overrides=[
            Parameter("bag", value=str(bag)), Parameter("topics", value=["joint_states"]),
            Parameter("start_delay_s", value=60.0)]),
    }


NODES = ["sim_node", "gait_node", "cost_node", "configurator_node", "straight_node", "program_node",
         "perception_node", "world_model_node", "actor_node", "recorder_node", "replay_driver_node"]


@pytest.fixture(scope="module")
def ros():
    rclpy.init()
    yield
    rclpy.try_shutdown()


@pytest.fixture(scope="module", params=NODES)
def node(request, ros, tmp_path_factory):
    made = _factories(tmp_path_factory.mktemp(request.param))[request.param]()
    made.start = {name: p.value for name, p in made._parameters.items()}
    made.fuzz_descriptors = dict(made._descriptors)
    yield made
    made.destroy_node()


# ---- values and names -----------------------------------------------------------------------
finite = st.floats(allow_nan=False, allow_infinity=False)
any_float = st.floats(allow_nan=True, allow_infinity=True)
scalars = st.one_of(st.booleans(), st.integers(-2**63, 2**63 - 1), any_float, st.text(max_size=12),
                    st.sampled_from([0.0, -0.0, 1e-12, 0.5, 1.0, 1e6, -1.0, 0, 1, -1, "", "rest", "true"]))
arrays = st.one_of(st.lists(st.booleans(), max_size=4), st.lists(st.integers(-2**63, 2**63 - 1), max_size=4),
                   st.lists(any_float, max_size=4), st.lists(st.text(max_size=6), max_size=4),
                   st.binary(max_size=4).map(lambda b: [bytes([c]) for c in b]))
values = st.one_of(scalars, scalars, arrays, st.none())


@st.composite
def names(draw, node) -> str:
    declared = sorted(node.start)
    return draw(st.sampled_from(declared) | st.sampled_from(["use_sim_time", "bogus", "weights.bogus"])
                | st.text(max_size=16))


def _param(name: str, value) -> Parameter:
    if value is None:
        return Parameter(name, Parameter.Type.NOT_SET)
    if isinstance(value, list) and value and isinstance(value[0], bytes):
        return Parameter(name, Parameter.Type.BYTE_ARRAY, value)
    return Parameter(name, value=value)


# ---- the contract ---------------------------------------------------------------------------
def _in_range(descriptor, value) -> bool:
    for r in list(descriptor.floating_point_range) + list(descriptor.integer_range):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and r.from_value <= value <= r.to_value):
            return False
    return True


def check_contract(node) -> None:
    for name, start in node.start.items():
        now = node.get_parameter(name).value
        descriptor = node.fuzz_descriptors[name]
        if descriptor.read_only or name == "use_sim_time":
            assert now == start or (now != now and start != start), f"{name} changed: {start!r} -> {now!r}"
        assert type(now) is type(start) or name == "checkpoint", f"{name} changed type: {start!r} -> {now!r}"
        assert _in_range(descriptor, now), f"{name}={now!r} is outside its range"
        assert node._descriptors[name] == descriptor, f"{name}'s descriptor changed"
        spec = node.params._specs.get(name)
        assert spec is None or spec.problem(now) is None, f"{name}={now!r}: {spec.problem(now)}"
    cost = getattr(node, "cost", None)
    if cost is not None:  # cost_node: the terms run with the weights its parameters say
        for term, weight in cost.weights.items():
            assert weight == node.get_parameter(f"weights.{term}").value, term


def _accepted_is_legal(node, param: Parameter, result) -> None:
    if not result.successful:
        assert result.reason, f"{param.name}={param.value!r} refused without a reason"
        return
    descriptor = node.fuzz_descriptors.get(param.name)
    assert descriptor is not None, f"undeclared {param.name!r} accepted"
    assert not descriptor.read_only, f"read-only {param.name} accepted {param.value!r}"
    if param.name == "use_sim_time":  # the clock is fixed after start: only its own value is accepted
        assert param.value == node.start["use_sim_time"], f"use_sim_time switched to {param.value!r}"


@FUZZ
@given(data=st.data())
def test_set_parameters_keeps_the_contract(node, data):
    batch = [_param(data.draw(names(node)), data.draw(values)) for _ in range(data.draw(st.integers(1, 4)))]
    if data.draw(st.booleans()):
        results = node.set_parameters(batch)  # what the set_parameters service does, one by one
        for param, result in zip(batch, results, strict=True):
            _accepted_is_legal(node, param, result)
    else:
        result = node.set_parameters_atomically(batch)
        for param in batch if result.successful else ():
            _accepted_is_legal(node, param, result)
    check_contract(node)


def _service(node, srv_type):
    return next(s for s in node.services if s.srv_type is srv_type and s.srv_name.endswith(
        "set_parameters" if srv_type is SetParameters else "set_parameters_atomically"))


raw_values = st.builds(ParameterValue, type=st.integers(0, 255), bool_value=st.booleans(),
                       integer_value=st.integers(-2**63, 2**63 - 1), double_value=any_float,
                       string_value=st.text(max_size=8), double_array_value=st.lists(any_float, max_size=3),
                       string_array_value=st.lists(st.text(max_size=4), max_size=3))


@FUZZ
@given(data=st.data())
@example(data=None)  # regression: type 42 raised ValueError out of rclpy's service callback (node died)
def test_set_parameters_services_never_raise(node, data):
    """Raw requests through the services' callbacks, as the executor runs them for `ros2 param set`."""
    if data is None:
        msgs = [ParameterMsg(name="use_sim_time", value=ParameterValue(type=42))]
        atomic = False
    else:
        msgs = [ParameterMsg(name=data.draw(names(node)), value=data.draw(raw_values))
                for _ in range(data.draw(st.integers(1, 3)))]
        atomic = data.draw(st.booleans())
    if atomic:
        response = _service(node, SetParametersAtomically).callback(
            SetParametersAtomically.Request(parameters=msgs), SetParametersAtomically.Response())
        assert response.result.successful or response.result.reason
    else:
        response = _service(node, SetParameters).callback(SetParameters.Request(parameters=msgs),
                                                          SetParameters.Response())
        assert len(response.results) == len(msgs)
        assert all(r.successful or r.reason for r in response.results)
    check_contract(node)
