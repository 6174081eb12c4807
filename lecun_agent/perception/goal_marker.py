"""The goal marker in one camera frame: where its foot stands on the floor, seen from the base (no ROS).

A goal episode marks its goal with a green post (radius 0.04 m, 0.6 m tall) under a green ball
(sim/world.py). Odometry drifts (a few per cent of the path), so a robot that walks to the goal's
odometry coordinates stops 0.3-0.5 m from it after a long walk; a marker it sees tells it where
the goal is now, in its own odometry (configurator/goal_homing.py uses it).

`sight_marker` finds the marker's pixels (green well above red and blue), takes the lowest row as
the post's foot, and casts the ray through the foot's pixel from the camera to the floor, with the
body's roll and pitch from the IMU and the base's walking height. A frame gives no sighting when:
- too few marker pixels are in view, or the foot touches the image's side edges;
- the marker is drawn in pieces (rows without it between its top and its foot) or its foot is
  narrower than 2 pixels: a sliver beside a block's edge, whose lowest piece is not the foot;
- the foot is not in view (near the robot it drops below the image, at about 0.6 m);
- the pixels under the foot are not the floor's colours (a block or the far wall hides the foot, or
  the post is a sliver too thin to draw down to it: the ray would hit the floor too far away);
- the ray does not go down.

Range resolution is that of one pixel row at the foot: about 6 cm at 1 m and 20 cm at 2 m for
the 64 x 64 camera with a 70 degree field of view, so the homing trusts only near sightings.

The marker's green and the floor's colours are the simulated arena's. On a robot, mark the goal
with a post of that green; on a floor of other colours the foot check refuses every sighting, and
the goal stays where it was sent (odometry alone), which is what the stack did before homing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lecun_agent.body.readings import rpy_matrix
from lecun_agent.body.robot_model import RobotModel
from lecun_agent.settings import setting

MARKER_MIN_GREEN = 80  # 0-255: darker is shadow, not marker
MARKER_DOMINANCE = 1.6  # green over red and over blue
# The floor meets the post this many rows below the top of the lowest marker row (static frames at
# 0.7-2.2 m, the exact height: 1.5 gives the least bias, 1.0 a few cm too far; benchmarks/goal_sighting.py).
FOOT_ROW = 1.5
MIN_FOOT_WIDTH_PX = 2  # a post drawn narrower is far (about 2.3 m) or mostly hidden
FOOT_ROWS = 3  # the post's width and column are read over its lowest rows (its very lowest is its rounded end)


@dataclass(frozen=True)
class MarkerSettings:
    """How perception_node sees the goal marker (its read-only parameters `goal_marker.<field>`)."""

    enabled: bool = setting(True, "look for the goal marker in each frame and publish agent/goal_sighting")
    camera_vfov_deg: float = setting(70.0, "the camera's vertical field of view, deg (pinhole, square pixels, "
                                     "principal point at the image centre)", low=10.0, high=170.0)
    base_height_m: float = setting(0.36, "height of the base frame above the floor while walking, m",
                                   low=0.05, high=2.0)
    post_radius_m: float = setting(0.04, "radius of the marker's post, m (the foot seen is its near side)",
                                   low=0.0, high=1.0)
    min_pixels: int = setting(6, "marker pixels needed in a frame", low=1, high=10000)


@dataclass(frozen=True)
class CameraMount:
    """Where the camera sits on the base: camera_link's origin (3,) and rotation (3, 3) in the base frame
    (camera_link: x forward, y left, z up)."""

    xyz: np.ndarray
    rotation: np.ndarray

    @classmethod
    def from_model(cls, model: RobotModel) -> CameraMount:
        joint = next((j for j in model.joints.values() if j.child == model.camera_link), None)
        if joint is None:
            raise ValueError(f"the robot model has no joint to {model.camera_link!r}")
        return cls(np.asarray(joint.origin_xyz, float), rpy_matrix(*joint.origin_rpy))


def marker_mask(rgb: np.ndarray) -> np.ndarray:
    """(H, W) bool: the pixels of an (H, W, 3) uint8 frame that look like the green marker."""
    r, g, b = (rgb[..., i].astype(np.int32) for i in range(3))
    return (g >= MARKER_MIN_GREEN) & (g >= MARKER_DOMINANCE * r) & (g >= MARKER_DOMINANCE * b)


def floor_like(rgb: np.ndarray) -> np.ndarray:
    """(...) bool: pixels (..., 3) uint8 of the floor's colours: its white checks (about 235 grey) and its
    light-blue ones (about 165, 185, 225). The walls (grey, 190 at most) and the blocks (saturated red,
    blue, yellow, purple, teal, brown) are neither."""
    r, g, b = (rgb[..., i].astype(np.int32) for i in range(3))
    white = (np.minimum(np.minimum(r, g), b) >= 215) & (np.maximum(np.maximum(r, g), b) - np.minimum(r, b) <= 20)
    light_blue = (b >= 200) & (r >= 140) & (b - r >= 40)
    return white | light_blue


def sight_marker(rgb: np.ndarray, mount: CameraMount, settings: MarkerSettings, roll: float,
                 pitch: float) -> np.ndarray | None:
    """The marker's centre on the floor, (x, y) m in base_footprint (under the base, x forward, roll and
    pitch removed), from one frame and the base's roll and pitch (rad); None when this frame cannot
    say (module doc)."""
    mask = marker_mask(rgb)
    height, width = mask.shape
    if mask.sum() < settings.min_pixels:
        return None
    rows = np.nonzero(mask.any(axis=1))[0]
    bottom = int(rows.max())
    post = np.nonzero(mask[max(bottom - FOOT_ROWS + 1, 0) : bottom + 1].any(axis=0))[0]  # its lowest rows
    if bottom >= height - 1 or post.min() == 0 or post.max() == width - 1:
        return None
    if len(post) < MIN_FOOT_WIDTH_PX or len(rows) != rows.max() - rows.min() + 1:
        return None  # a sliver of post drawn in pieces (beside a block's edge, or far): its foot is not its own
    if not floor_like(rgb[bottom + 1, mask[bottom]]).all():  # the floor right under the foot
        return None
    f = (height / 2.0) / np.tan(np.radians(settings.camera_vfov_deg) / 2.0)
    u, v = post.mean() + 0.5, bottom + FOOT_ROW
    ray_camera = np.array([1.0, -(u - width / 2.0) / f, -(v - height / 2.0) / f])
    tilt = rpy_matrix(roll, pitch, 0.0)
    eye = np.array([0.0, 0.0, settings.base_height_m]) + tilt @ mount.xyz
    ray = tilt @ mount.rotation @ ray_camera
    if not ray[2] < -1e-6:
        return None
    foot = eye[:2] + (-eye[2] / ray[2]) * ray[:2]
    ahead = ray[:2] / np.linalg.norm(ray[:2])
    centre = foot + settings.post_radius_m * ahead
    return centre if np.all(np.isfinite(centre)) else None
