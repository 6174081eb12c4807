"""What the chase video draws (nodes/video_overlay.py): the plan, the samples and the goal cross, moved
from odom into the true world through the instant's odometry error; a non-finite path is not drawn."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import rclpy
from rclpy.node import Node

from lecun_agent.messages.conversions import sec_to_stamp
from lecun_agent.messages.mode import mode_msg
from lecun_agent.messages.plans import path_msg, samples_markers
from lecun_agent.nodes.video_overlay import GOAL_COLOR, PLAN_COLOR, VideoOverlay

pytestmark = pytest.mark.ros
ODOM_POSE = (1.0, 0.0, 0.0)  # where odometry says the robot is
TRUE_POSE = (1.0, 0.5, math.pi / 2)  # where it is: 0.5 m to the left, turned a quarter


@pytest.fixture
def overlay():
    rclpy.init()
    node = Node("video_overlay_test")
    log = SimpleNamespace(overlays=[])
    yield VideoOverlay(node, log, lambda: (ODOM_POSE, TRUE_POSE)), log
    node.destroy_node()
    rclpy.try_shutdown()


def test_the_plan_is_drawn_where_the_robot_truly_is(overlay):
    view, log = overlay
    view._on_plan(path_msg(sec_to_stamp(1.0), np.array([[1.0, 0.0, 0.0], [2.0, 0.0, 0.0]])))
    (points, color, _), = log.overlays
    assert color == PLAN_COLOR
    # 1 m ahead in odom is 1 m ahead of the true pose, which faces +y
    np.testing.assert_allclose(points[:, :2], [[1.0, 0.5], [1.0, 1.5]], atol=1e-9)


def test_a_non_finite_plan_clears_the_drawing(overlay):
    view, log = overlay
    view._on_plan(path_msg(sec_to_stamp(1.0), np.array([[1.0, 0.0, 0.0], [2.0, 0.0, 0.0]])))
    view._on_plan(path_msg(sec_to_stamp(1.1), np.array([[1.0, 0.0, 0.0], [np.nan, 0.0, 0.0]])))
    assert log.overlays == []


def test_samples_goal_and_plan_are_drawn_together(overlay):
    view, log = overlay
    paths = np.array([[[1.0, 0.0], [1.5, 0.0]], [[1.0, 0.0], [1.5, 0.5]], [[1.0, 0.0], [np.inf, 0.0]]])
    view._on_samples(samples_markers(sec_to_stamp(1.0), paths, np.array([1.0, 2.0, 0.5]), 3))
    view._on_mode(mode_msg(sec_to_stamp(1.0), "explore", np.array([3.0, 0.0]), np.array([3.0, 0.0])))
    view._on_plan(path_msg(sec_to_stamp(1.0), np.array([[1.0, 0.0, 0.0], [2.0, 0.0, 0.0]])))
    colors = [color for _, color, _ in log.overlays]
    assert len(colors) == 2 + 1 + 2  # two finite samples, the plan, the cross's two strokes
    assert colors[2] == PLAN_COLOR and colors[3:] == [GOAL_COLOR, GOAL_COLOR]
    cross = np.concatenate([points[:, :2] for points, _, _ in log.overlays[3:]])
    np.testing.assert_allclose(cross.mean(axis=0), [1.0, 2.5], atol=1e-9)  # 2 m ahead of the true pose


def test_no_goal_clears_the_cross(overlay):
    view, log = overlay
    view._on_mode(mode_msg(sec_to_stamp(1.0), "explore", np.array([3.0, 0.0]), np.array([3.0, 0.0])))
    view._on_mode(mode_msg(sec_to_stamp(1.1), "explore"))
    assert log.overlays == []
