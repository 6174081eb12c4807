"""Cameras: the robot's onboard forward camera and a third-person chase view for videos.

Both use pybullet's TinyRenderer (CPU, no display needed). The onboard camera sits at
camera_link (x forward, z up); its pinhole intrinsics follow from the vertical FOV.
"""

from __future__ import annotations

import numpy as np
import pybullet

from lecun_agent.sim.sensors import rot_matrix


def intrinsics(width: int, height: int, fov_deg: float) -> tuple[float, float, float, float]:
    """(fx, fy, cx, cy) in pixels of a pinhole camera with the given vertical FOV, square pixels."""
    fy = (height / 2.0) / np.tan(np.radians(fov_deg) / 2.0)
    return float(fy), float(fy), width / 2.0, height / 2.0


def _render(client: int, eye, target, up, width: int, height: int, fov: float, near: float, far: float):
    view = pybullet.computeViewMatrix(list(eye), list(target), list(up), physicsClientId=client)
    proj = pybullet.computeProjectionMatrixFOV(fov, width / height, near, far, physicsClientId=client)
    img = pybullet.getCameraImage(
        width,
        height,
        view,
        proj,
        renderer=pybullet.ER_TINY_RENDERER,
        flags=pybullet.ER_NO_SEGMENTATION_MASK,
        shadow=0,
        physicsClientId=client,
    )
    rgba = np.asarray(img[2], dtype=np.uint8).reshape(height, width, 4)
    return np.ascontiguousarray(rgba[:, :, :3])  # (H, W, 3) uint8


def render_onboard(
    client: int, body: int, link: int, width: int, height: int, fov: float, near: float, far: float
) -> np.ndarray:
    """(H, W, 3) uint8 image from camera_link looking along its +x axis."""
    state = pybullet.getLinkState(body, link, computeForwardKinematics=True, physicsClientId=client)
    pos, quat = np.array(state[4]), np.array(state[5])
    r = rot_matrix(quat)
    return _render(client, pos, pos + r[:, 0], r[:, 2], width, height, fov, near, far)


CHASE_FOV_DEG = 60.0


def chase_pose(client: int, body: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(eye, target, up) of the chase view: behind and above the robot, following its heading only."""
    pos, quat = pybullet.getBasePositionAndOrientation(body, physicsClientId=client)
    pos = np.array(pos)
    fwd = rot_matrix(np.array(quat))[:, 0]
    heading = np.array([fwd[0], fwd[1], 0.0])
    heading /= max(np.linalg.norm(heading), 1e-6)
    eye = pos - 1.6 * heading + np.array([0.0, 0.0, 0.9])
    target = pos + 0.6 * heading
    target[2] = 0.2
    return eye, target, np.array([0.0, 0.0, 1.0])


def render_chase(client: int, body: int, width: int, height: int) -> np.ndarray:
    """(H, W, 3) uint8 view from behind and above the robot, following its heading only."""
    eye, target, up = chase_pose(client, body)
    return _render(client, eye, target, up, width, height, CHASE_FOV_DEG, 0.05, 30.0)


SIDE_FOV_DEG = 50.0


def render_side(client: int, body: int, width: int, height: int, distance_m: float = 1.3,
                elevation_deg: float = 10.0) -> np.ndarray:
    """(H, W, 3) uint8 view of the robot from the world's -y side, a little above it (for pictures of
    its posture: benchmarks/levelled_feet.py)."""
    pos, _ = pybullet.getBasePositionAndOrientation(body, physicsClientId=client)
    pos, e = np.array(pos), np.radians(elevation_deg)
    eye = pos + distance_m * np.array([0.0, -np.cos(e), np.sin(e)])
    return _render(client, eye, pos, (0.0, 0.0, 1.0), width, height, SIDE_FOV_DEG, 0.05, 20.0)


def project(points: np.ndarray, eye, target, up, width: int, height: int, fov_deg: float) -> np.ndarray:
    """World points (N, 3) -> pixel (u, v) (N, 2) in a view made like `_render`'s; NaN behind the camera."""
    forward = np.asarray(target, float) - eye
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, up)
    right /= np.linalg.norm(right)
    true_up = np.cross(right, forward)
    d = np.asarray(points, float) - eye
    x, y, z = d @ right, d @ true_up, d @ forward
    fx, fy, cx, cy = intrinsics(width, height, fov_deg)
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = np.stack([cx + fx * x / z, cy - fy * y / z], axis=-1)
    uv[z <= 0.05] = np.nan
    return uv
