"""goal_pose is volatile, as RViz sends it: every node that holds the goal republishes it latched on
`agent/goal` (nodes/held_goal.py), so a node that respawns, or starts after the goal went out, takes
it back from any survivor, the configurator included; a node that has heard a goal keeps it."""

from __future__ import annotations

import math

import numpy as np
import pytest
import rclpy
from geometry_msgs.msg import PoseStamped
from model_nodes import spinning, tiny_checkpoint
from ros_probe import RosProbe

from lecun_agent.messages.conversions import goal_xy
from lecun_agent.nodes.actor_node import ActorNode
from lecun_agent.nodes.configurator_node import ConfiguratorNode
from lecun_agent.nodes.cost_node import CostNode
from lecun_agent.nodes.qos import COMMAND_QOS, LATCHED_QOS
from lecun_agent.nodes.straight_node import StraightNode

pytestmark = pytest.mark.ros


def goal(x: float, y: float) -> PoseStamped:
    msg = PoseStamped()
    msg.header.frame_id = "odom"
    msg.pose.position.x, msg.pose.position.y = x, y
    return msg


@pytest.fixture(scope="module")
def agents(tmp_path_factory):
    ckpt = tmp_path_factory.mktemp("ckpt")
    tiny_checkpoint(ckpt)
    rclpy.init()
    yield (StraightNode, {}), (ActorNode, {"checkpoint": str(ckpt), "planner.samples": 32, "planner.horizon": 8})
    rclpy.try_shutdown()


def test_an_agent_started_after_the_goal_takes_the_configurator_s_goal(agents):
    with spinning(ConfiguratorNode) as configurator:
        user = RosProbe("user", use_sim_time=False)
        pub = user.create_publisher(PoseStamped, "goal_pose", COMMAND_QOS)
        assert user.spin_until(lambda: user.count_subscribers("goal_pose") > 0, 10.0)
        pub.publish(goal(2.0, 1.0))
        assert user.spin_until(lambda: configurator.machine.goal is not None, 10.0)
        pub.publish(goal(math.nan, 0.0))  # refused by every node: the held goal stays the good one
        user.spin_for(0.3)
        for node_class, parameters in agents:  # started now, as a respawned agent is
            with spinning(node_class, **parameters) as agent:
                assert user.spin_until(lambda: agent.goal is not None, 15.0), f"{node_class.__name__} has no goal"
                assert np.allclose(agent.goal, [2.0, 1.0])
        user.destroy_node()


def test_an_agent_with_a_goal_keeps_it_whatever_the_latched_copy_says(agents):
    user = RosProbe("user", use_sim_time=False)
    pub = user.create_publisher(PoseStamped, "goal_pose", COMMAND_QOS)
    user.record(PoseStamped, "agent/goal", LATCHED_QOS)
    for node_class, parameters in agents:
        with spinning(node_class, **parameters) as agent:
            assert user.spin_until(lambda: user.count_subscribers("goal_pose") > 0, 10.0)
            pub.publish(goal(1.0, 0.0))
            assert user.spin_until(lambda: agent.goal is not None, 10.0)
            held = user.create_publisher(PoseStamped, "agent/goal", LATCHED_QOS)  # plays a configurator
            before = len(user.received["agent/goal"])
            held.publish(goal(5.0, 5.0))
            assert user.spin_until(lambda n=before: len(user.received["agent/goal"]) > n, 10.0)
            user.spin_for(0.5)  # the agent's copy went out on the same topic at the same time
            assert np.allclose(agent.goal, [1.0, 0.0]), f"{node_class.__name__} took the latched copy"
            assert goal_xy(user.received["agent/goal"][-1])[0].tolist() == [5.0, 5.0]
            user.destroy_publisher(held)
    user.destroy_node()


def test_a_configurator_or_cost_node_started_after_the_goal_takes_it_from_the_agent(agents):
    (straight, _), _ = agents
    with spinning(straight) as agent:
        user = RosProbe("user", use_sim_time=False)
        pub = user.create_publisher(PoseStamped, "goal_pose", COMMAND_QOS)
        assert user.spin_until(lambda: user.count_subscribers("goal_pose") > 0, 10.0)
        pub.publish(goal(3.0, -1.0))
        assert user.spin_until(lambda: agent.goal is not None, 10.0)
        with spinning(ConfiguratorNode) as configurator:  # respawned after a crash: nothing sends goal_pose again
            assert user.spin_until(lambda: configurator.machine.goal is not None, 15.0), "the configurator has no goal"
            assert np.allclose(configurator.machine.goal, [3.0, -1.0])
            assert configurator.machine.mode.value == "reach"
        with spinning(CostNode) as cost:
            assert user.spin_until(lambda: cost.goal is not None, 15.0), "cost_node has no goal"
            assert np.allclose(cost.goal, [3.0, -1.0])
        user.destroy_node()


def test_a_node_that_refused_the_user_s_goal_does_not_take_an_older_copy(agents):
    (straight, _), _ = agents
    user = RosProbe("user", use_sim_time=False)
    held = user.create_publisher(PoseStamped, "agent/goal", LATCHED_QOS)  # another node's copy of the old goal
    with spinning(straight) as agent:
        pub = user.create_publisher(PoseStamped, "goal_pose", COMMAND_QOS)
        assert user.spin_until(lambda: user.count_subscribers("goal_pose") > 0, 10.0)
        pub.publish(goal(math.nan, 0.0))
        assert user.spin_until(lambda: agent.held_goal.heard, 10.0)
        held.publish(goal(2.0, 2.0))  # e.g. a holder that respawned and took the old goal back
        user.spin_for(0.5)
        assert agent.goal is None, "the refused goal was replaced by an older copy"
    user.destroy_node()
