"""An MCAP recording as an episode's time series, so `lecun-agent report` draws it like a sim run."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from lecun_agent.episodes.report import EpisodeSeries, cost_table
from lecun_agent.messages.conversions import rgb_from_image, stamp_to_sec
from lecun_agent.recording.bag import BagReader

log = logging.getLogger(__name__)


def series_from_recording(bag_path: Path) -> EpisodeSeries:
    """Read ground truth (or odometry), agent/cost and the camera from a rosbag2 MCAP file."""

    reader = BagReader(bag_path)
    pose_topic = next((t for t in ("/sim/ground_truth", "/odom") if reader.message_counts.get(t)), None)
    if pose_topic is None:
        reader.require(["/odom"])  # raises a clear error naming what the recording has
    rows, costs, frames = [], [], []
    expect = {pose_topic: "nav_msgs/msg/Odometry", "/agent/cost": "sensor_msgs/msg/JointState",
              "/camera/image_raw": "sensor_msgs/msg/Image"}
    for topic, _, msg in reader.messages(list(expect), expect):
        t = stamp_to_sec(msg.header.stamp)
        if topic == pose_topic:
            p, q = msg.pose.pose.position, msg.pose.pose.orientation
            rows.append([t, p.x, p.y, p.z, q.x, q.y, q.z, q.w])
        elif topic == "/agent/cost":
            costs.append((t, dict(zip(msg.name, msg.position, strict=False))))
        else:
            try:
                frames.append((t, rgb_from_image(msg)))
            except ValueError as err:
                log.warning("skipped a camera frame: %s", err)
    truth = np.array(sorted(rows)).reshape(-1, 8)
    cost_t, names, values = cost_table(costs)
    return EpisodeSeries(truth[:, 0], truth[:, 1:4], truth[:, 4:8], cost_t, names, values, frames)
