"""`lecun-agent up` names the driver topics nobody publishes (QA, 2026-12-07: `up --target robot` without a driver said
"stack is up" and then nothing, while the guardrail held the robot stopped)."""

from __future__ import annotations

import pytest
import rclpy
from sensor_msgs.msg import JointState

from lecun_agent.stack.driver_watch import DriverWatch

pytestmark = pytest.mark.ros


def test_the_missing_driver_topics_are_named_once_and_their_arrival_said():
    now = [0.0]
    rclpy.init()
    try:
        graph = rclpy.create_node("lecun_agent_runner")
        watch = DriverWatch(graph, "robot1", first_look_s=5.0, clock=lambda: now[0])
        assert watch.check() is None  # too soon: a driver started beside the stack may not be discovered yet
        now[0] = 5.0
        line = watch.check()
        assert line.startswith("no node publishes /robot1/joint_states, /robot1/imu/data, /robot1/odom, "
                               "/robot1/camera/image_raw:") and "driver" in line
        now[0] = 6.0
        assert watch.check() is None  # said once, not every second
        driver = rclpy.create_node("driver", namespace="robot1")
        pubs = [driver.create_publisher(JointState, t, 5) for t in ("joint_states", "imu/data", "odom",
                                                                   "camera/image_raw")]
        now[0] = 7.0
        assert watch.check() == "every input the agent needs now has a publisher"
        now[0] = 8.0
        assert watch.check() is None and pubs
    finally:
        rclpy.shutdown()
