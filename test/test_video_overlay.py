"""The plan overlay on episode videos: odom points land where the truth is, and the chase projection is a
pinhole camera like the renderer's."""

from __future__ import annotations

import numpy as np

from lecun_agent.sim.camera import project
from lecun_agent.sim.episode_log import odom_to_world
from lecun_agent.sim.video import draw_polylines


def test_without_drift_odom_points_are_world_points():
    xy = np.array([[0.0, 0.0], [1.0, 2.0]])
    out = odom_to_world(xy, (0.5, -1.0, 0.3), (0.5, -1.0, 0.3), z=0.1)
    assert np.allclose(out[:, :2], xy) and np.allclose(out[:, 2], 0.1)


def test_drift_is_undone_through_the_current_instant():
    # Odometry says the robot is at (1, 0) facing +x; it is really at (0, 1) facing +y.
    ahead_in_odom = np.array([[2.0, 0.0]])  # 1 m ahead of the robot, by odometry
    out = odom_to_world(ahead_in_odom, (1.0, 0.0, 0.0), (0.0, 1.0, np.pi / 2))
    assert np.allclose(out[0, :2], [0.0, 2.0])  # 1 m ahead of the robot, truly


def test_projection_centres_the_target_and_hides_what_is_behind():
    eye, target, up = np.array([0.0, 0.0, 1.0]), np.array([2.0, 0.0, 1.0]), np.array([0.0, 0.0, 1.0])
    uv = project(np.array([[4.0, 0.0, 1.0], [-1.0, 0.0, 1.0], [4.0, 1.0, 1.0], [4.0, 0.0, 2.0]]), eye, target, up,
                 320, 240, 60.0)
    assert np.allclose(uv[0], [160, 120])
    assert np.isnan(uv[1]).all()
    assert uv[2, 0] < 160 and uv[3, 1] < 120  # +y (left) is left in the image, up is up


def test_polylines_are_drawn_and_nan_points_split_them():
    frame = np.zeros((50, 50, 3), np.uint8)
    pts = np.array([[5, 5], [20, 5], [np.nan, np.nan], [30, 40], [45, 40]], float)
    out = draw_polylines(frame, [(pts, (255, 0, 0), 1)])
    assert out[5, 12, 0] > 0 and out[40, 38, 0] > 0  # both pieces drawn
    assert out[22, 25].sum() == 0  # nothing across the gap
    assert frame.sum() == 0  # the input frame is untouched
