"""The goal marker in a camera frame (perception/goal_marker.py): placed from frames the sim renders, and no
sighting from a frame whose marker foot it cannot place."""

from __future__ import annotations

import numpy as np
import pybullet
import pytest

from lecun_agent.perception.goal_marker import CameraMount, MarkerSettings, floor_like, marker_mask, sight_marker
from lecun_agent.sim.config import ArenaConfig, SimConfig
from lecun_agent.sim.sim import QuadrupedSim

WHITE, LIGHT_BLUE, GREEN, BLUE_BLOCK, TEAL_BLOCK, WALL = (
    (239, 239, 239), (162, 186, 224), (15, 127, 31), (51, 89, 217), (51, 178, 191), (191, 191, 184))


@pytest.fixture(scope="module")
def sim():
    sim = QuadrupedSim(SimConfig(arena=ArenaConfig(layout="goal", goal_obstacles_min=0, goal_obstacles_max=0)))
    sim.reset(3)
    yield sim
    sim.close()


def seen_from(sim: QuadrupedSim, distance: float, bearing: float, yaw: float = 0.7) -> np.ndarray | None:
    """Stand the robot `distance` m from the goal with the goal `bearing` rad left of its heading; sight."""
    goal = np.asarray(sim.arena.goal_xy, float)
    body, client = sim.robot.body, sim.client
    z = pybullet.getBasePositionAndOrientation(body, physicsClientId=client)[0][2]
    xy = goal - distance * np.array([np.cos(yaw + bearing), np.sin(yaw + bearing)])
    pybullet.resetBasePositionAndOrientation(body, [xy[0], xy[1], z], pybullet.getQuaternionFromEuler([0, 0, yaw]),
                                             physicsClientId=client)
    return sight_marker(sim.render_camera(), CameraMount.from_model(sim.model), MarkerSettings(base_height_m=z), 0, 0)


@pytest.mark.parametrize("distance", [0.8, 1.2, 1.6])
@pytest.mark.parametrize("bearing", [-0.25, 0.0, 0.25])
def test_a_marker_the_sim_draws_is_placed_within_a_pixel_row(sim, distance, bearing):
    seen = seen_from(sim, distance, bearing)
    truth = distance * np.array([np.cos(bearing), np.sin(bearing)])
    assert seen is not None
    # One pixel row at the foot spans about 4 cm at 0.8 m and 13 cm at 1.6 m.
    assert np.linalg.norm(seen - truth) <= 0.03 + 0.05 * distance**2, (seen, truth)


def test_no_sighting_when_the_foot_is_below_the_image_or_the_marker_is_behind_the_robot(sim):
    assert seen_from(sim, 0.4, 0.0) is None  # the post fills the bottom rows
    assert seen_from(sim, 1.5, np.pi) is None


def frame(post_rows: tuple[int, int], below=WHITE, cols=(30, 34)) -> np.ndarray:
    """A 64 x 64 frame: sky above row 24, floor checks below, a green post over rows [a, b) and `below` at
    the rows under it."""
    img = np.full((64, 64, 3), 255, np.uint8)
    img[24:] = WHITE
    img[24:, ::8] = LIGHT_BLUE
    a, b = post_rows
    img[a:b, cols[0]:cols[1]] = GREEN
    img[b:b + 6, cols[0] - 2:cols[1] + 2] = below
    return img


def test_a_frame_gives_no_sighting_when_the_foot_cannot_be_placed():
    mount, settings = CameraMount(np.zeros(3), np.eye(3)), MarkerSettings(base_height_m=0.36)
    assert sight_marker(frame((10, 40)), mount, settings, 0.0, 0.0) is not None  # the foot on the floor
    for img, why in ((frame((10, 40), below=BLUE_BLOCK), "a block hides the foot"),
                     (frame((10, 40), below=WALL), "the far wall under a post drawn short"),
                     (frame((10, 64)), "the foot below the image"),
                     (frame((10, 40), cols=(0, 3)), "the foot cut by the image's edge"),
                     (frame((10, 40), cols=(31, 32)), "a post one pixel wide"),
                     (np.full((64, 64, 3), 239, np.uint8), "no marker")):
        assert sight_marker(img, mount, settings, 0.0, 0.0) is None, why
    pieces = frame((10, 40))
    pieces[20:25] = WHITE  # rows without marker between its top and its foot: a sliver drawn in pieces
    assert sight_marker(pieces, mount, settings, 0.0, 0.0) is None


def test_a_level_camera_places_a_foot_by_the_pinhole_model():
    """A camera at 0.5 m looking level: a foot at row v lies at 0.5 f / (v - 32) m, the column's bearing."""
    settings = MarkerSettings(base_height_m=0.5, post_radius_m=0.0, camera_vfov_deg=90.0)  # f = 32 px
    seen = sight_marker(frame((10, 47)), CameraMount(np.zeros(3), np.eye(3)), settings, 0.0, 0.0)
    foot_row, foot_col = 46 + 1.5, 32.0  # FOOT_ROW below the top of the lowest marker row; columns 30-33
    x = 0.5 * 32 / (foot_row - 32)
    assert seen == pytest.approx([x, -(foot_col - 32) / 32 * x])
    # Pitched nose-down by 0.1 rad, the same pixel looks steeper: the foot is nearer.
    pitched = sight_marker(frame((10, 47)), CameraMount(np.zeros(3), np.eye(3)), settings, 0.0, 0.1)
    assert pitched[0] < seen[0]


def test_the_marker_is_green_and_the_floor_is_white_or_light_blue_but_no_block_is_either():
    pixels = np.array([[GREEN, WHITE, LIGHT_BLUE, BLUE_BLOCK, TEAL_BLOCK, WALL]], np.uint8)
    assert marker_mask(pixels).tolist() == [[True, False, False, False, False, False]]
    assert floor_like(pixels).tolist() == [[False, True, True, False, False, False]]
