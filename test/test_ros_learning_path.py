"""The ROS learning path end to end: the simulated stack walks, recorder_node writes MCAP, the
converter makes a dataset, and the world model takes training steps on it."""

from __future__ import annotations

import time

import numpy as np
import pytest
import rclpy
from rclpy.node import Node
from tiny_training import tiny_training_losses

from lecun_agent.dataset.windows import load_episodes
from lecun_agent.recording.bag import BagReader
from lecun_agent.recording.to_dataset import convert_bag
from lecun_agent.stack.bringup import bring_up
from lecun_agent.stack.description import StackOptions

pytestmark = pytest.mark.ros


def test_record_the_running_stack_convert_and_train(tmp_path):
    bag = tmp_path / "walk.mcap"
    # perception_node gives the agent ticks (latents) the program answers
    options = StackOptions(program="walk", record=True, bag=str(bag),
                           nodes=("sim_node", "gait_node", "cost_node", "perception_node", "recorder_node"))
    rclpy.init()
    graph = Node("test_graph")
    executor = rclpy.executors.SingleThreadedExecutor()
    executor.add_node(graph)
    stack, crashes = bring_up(options, tmp_path / "logs", graph, executor)
    try:
        assert not crashes, crashes
        time.sleep(12.0)  # a few sim seconds of walking, whatever the machine's load
        assert not stack.crashed()
    finally:
        codes = stack.shutdown()
        executor.shutdown()
        graph.destroy_node()
        rclpy.shutdown()
    assert codes["recorder_node"] == 0, codes

    counts = BagReader(bag).message_counts
    assert counts["/camera/image_raw"] >= 10 and counts["/cmd_vel"] >= 10, counts
    summary = convert_bag(bag, tmp_path / "data")
    assert summary and len(load_episodes(tmp_path / "data")) >= 1

    assert np.all(np.isfinite(tiny_training_losses(tmp_path / "data")))
