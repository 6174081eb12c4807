"""The ROS learning path end to end: the simulated stack walks, recorder_node writes MCAP, the
converter makes a dataset, and the world model takes training steps on it."""

from __future__ import annotations

import time

import numpy as np
import pytest
import rclpy
import torch
from rclpy.node import Node

from lecun_agent.dataset.windows import WindowSampler, load_episodes
from lecun_agent.learning.train import TrainConfig, fit_normalisers, train_step
from lecun_agent.recording.bag import BagReader
from lecun_agent.recording.to_dataset import convert_bag
from lecun_agent.stack.bringup import bring_up
from lecun_agent.stack.description import StackOptions
from lecun_agent.world_model.config import WorldModelConfig
from lecun_agent.world_model.model import WorldModel

pytestmark = pytest.mark.ros


def test_record_the_running_stack_convert_and_train(tmp_path):
    bag = tmp_path / "walk.mcap"
    options = StackOptions(program="walk", record=True, bag=str(bag),
                           nodes=("sim_node", "gait_node", "cost_node", "recorder_node"))
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
    data = load_episodes(tmp_path / "data")
    assert summary and len(data) >= 1

    torch.manual_seed(0)
    cfg = WorldModelConfig(latent_dim=8, hidden=32, ensemble=2, horizon=4, chunk=2)
    model = WorldModel(cfg)
    fit_normalisers(model, data)
    optimiser = torch.optim.Adam(model.parameters(), 1e-3)
    sampler = WindowSampler(data, cfg.horizon, 4, seed=0)
    losses = [train_step(model, optimiser, sampler.sample(), TrainConfig())["loss"] for _ in range(3)]
    assert np.all(np.isfinite(losses))
