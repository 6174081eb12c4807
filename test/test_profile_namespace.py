"""A robot profile reaches its nodes under a namespace, or the stack refuses to start.

ROS matches a params file's section by the node's full name: under /robot1, a section keyed
`cost_node:` means /cost_node and is silently left out, so the node would run with the sim's
limits on a robot. The shipped profile keys its sections `/**/<node>`, and `profile_path` (which
both launch files and the runner go through) refuses a profile with a section that reaches no node.
"""

import pytest
import rclpy
import yaml

from lecun_agent.nodes.configurator_node import ConfiguratorNode
from lecun_agent.nodes.cost_node import CostNode
from lecun_agent.nodes.gait_node import GaitNode
from lecun_agent.nodes.perception_node import PerceptionNode
from lecun_agent.stack import description
from lecun_agent.stack.description import StackOptions, profile_path, stack_nodes
from lecun_agent.stack.runner import node_command

pytestmark = pytest.mark.ros


@pytest.fixture
def ros():
    rclpy.init()
    yield
    rclpy.try_shutdown()


def _ros_args(node_name: str, namespace: str, profile: str) -> list[str]:
    """The --ros-args the runner gives `node_name` (its namespace and params files), as ros2 launch does."""
    options = StackOptions(target="robot", namespace=namespace, profile=profile)
    node = next(n for n in stack_nodes(options) if n.name == node_name)
    cmd = node_command(node, namespace)
    start = cmd.index("--ros-args")
    keep, i = [], start + 1
    while i < len(cmd):  # the namespace and the params files; not use_sim_time and the like
        if cmd[i] == "--params-file" or (cmd[i] == "-r" and cmd[i + 1].startswith("__ns:=")):
            keep += cmd[i : i + 2]
        i += 2 if cmd[i] in ("-r", "-p", "--params-file") else 1
    return ["--ros-args", *keep]


@pytest.mark.parametrize("namespace", ["", "robot1", "/fleet/robot2"])
def test_the_robot_profile_reaches_its_nodes_in_any_namespace(ros, namespace):
    shipped = yaml.safe_load(profile_path("robot_example").read_text())
    max_vx = shipped["/**/cost_node"]["ros__parameters"]["guardrail"]["max_vx"]
    cost = CostNode(cli_args=_ros_args("cost_node", namespace, "robot_example"))
    configurator = ConfiguratorNode(cli_args=_ros_args("configurator_node", namespace, "robot_example"))
    perception = PerceptionNode(cli_args=_ros_args("perception_node", namespace, "robot_example"))
    gait = GaitNode(cli_args=_ros_args("gait_node", namespace, "robot_example"))
    try:
        assert cost.get_namespace() == ("/" + namespace.strip("/") if namespace else "/")
        assert cost.get_parameter("guardrail.max_vx").value == max_vx < 1.0  # the profile's, not the sim's
        assert cost.guard.config.max_vx == max_vx
        assert configurator.get_parameter("mode").value == "rest"
        assert perception.gate.slop_s == shipped["/**/perception_node"]["ros__parameters"]["sync_slop_s"] > 0
        assert gait.gate.slop_s == shipped["/**/gait_node"]["ros__parameters"]["sync_slop_s"] > 0
    finally:
        cost.destroy_node()
        configurator.destroy_node()
        perception.destroy_node()
        gait.destroy_node()


def test_a_profile_section_that_reaches_no_node_under_the_namespace_is_refused(tmp_path, monkeypatch):
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles/bare.yaml").write_text(yaml.safe_dump({
        "cost_node": {"ros__parameters": {"guardrail": {"max_vx": 0.3}}},
        "/**/gait_node": {"ros__parameters": {"vx_max": 0.3}},
    }))
    monkeypatch.setattr(description, "config_path", lambda rel: tmp_path / rel)
    assert profile_path("bare") == tmp_path / "profiles/bare.yaml"  # no namespace: /cost_node is the node
    with pytest.raises(ValueError, match=r"\['cost_node'\].*'/\*\*/<node>'"):
        profile_path("bare", "robot1")
    with pytest.raises(ValueError, match="cost_node"):
        stack_nodes(StackOptions(target="robot", namespace="robot1", profile="bare"))
    (tmp_path / "profiles/scoped.yaml").write_text(yaml.safe_dump({
        "/robot1/cost_node": {"ros__parameters": {"guardrail": {"max_vx": 0.3}}}}))
    assert profile_path("scoped", "/robot1/") == tmp_path / "profiles/scoped.yaml"


def test_a_profile_may_be_a_path_to_a_yaml_file(tmp_path):
    """A robot's own profile, kept outside the install (a colcon build copies config/profiles/): no rebuild."""
    mine = tmp_path / "my_robot.yaml"
    mine.write_text(profile_path("robot_example").read_text())
    assert profile_path(str(mine), "robot1") == mine
    nodes = stack_nodes(StackOptions(target="robot", namespace="robot1", profile=str(mine)))
    assert all(mine in node.param_files for node in nodes if node.name == "cost_node")
    with pytest.raises(FileNotFoundError, match="no profile file"):
        profile_path(str(tmp_path / "missing.yaml"))
