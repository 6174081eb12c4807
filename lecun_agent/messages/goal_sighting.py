"""`agent/goal_sighting`: where perception saw the goal marker in one camera frame.

geometry_msgs/PoseArray, stamped with the frame, frame_id `base_footprint` (under the base on the
floor, x forward, y left, the body's roll and pitch removed): one pose, the marker's centre on the
floor (z = 0, identity orientation), or no pose when the frame shows no marker whose foot can be
placed (perception/goal_marker.py). perception_node publishes one for every camera frame, so a
lock-step reader can wait for the frame's sighting like for any reading of that instant.
"""

from __future__ import annotations

import numpy as np
from builtin_interfaces.msg import Time as TimeMsg
from geometry_msgs.msg import Pose, PoseArray

FOOTPRINT_FRAME = "base_footprint"


def sighting_msg(stamp: TimeMsg, marker_xy: np.ndarray | None) -> PoseArray:
    msg = PoseArray()
    msg.header.stamp, msg.header.frame_id = stamp, FOOTPRINT_FRAME
    if marker_xy is not None:
        pose = Pose()
        pose.position.x, pose.position.y = (float(v) for v in marker_xy)
        pose.orientation.w = 1.0
        msg.poses.append(pose)
    return msg


def sighting_of(msg: PoseArray) -> tuple[np.ndarray | None, str | None]:
    """(marker (x, y) m in base_footprint or None, None) for a usable message, else (None, why not)."""
    if msg.header.frame_id != FOOTPRINT_FRAME:
        return None, f"goal sighting in frame {msg.header.frame_id!r}, expected {FOOTPRINT_FRAME!r}"
    if len(msg.poses) > 1:
        return None, f"goal sighting with {len(msg.poses)} poses (one marker at most)"
    if not msg.poses:
        return None, None
    xy = np.array([msg.poses[0].position.x, msg.poses[0].position.y], dtype=float)
    if not np.all(np.isfinite(xy)):
        return None, "goal sighting position is not finite"
    return xy, None
