"""The latent carrier: sensor_msgs/Image with encoding 32FC1, one row per latent, D columns.

Image has a header, so the camera frame's stamp rides along, and any tool can show it. Native
byte order is flagged in `is_bigendian`. `agent/latent` is 1 x D; `agent/predicted_latents` is
H x D; `agent/plan_actions` is H x A. A latent's frame_id names the latent space it lives in,
`latent/<weights id>` (`latent_frame`): a latent means something only to its encoder's own world
model, so a node running another checkpoint refuses it (`encoder_problem`).
"""

from __future__ import annotations

import sys

import numpy as np
from builtin_interfaces.msg import Time as TimeMsg
from sensor_msgs.msg import Image

FLOAT_ENCODING = "32FC1"


def float_image(stamp: TimeMsg, rows: np.ndarray, frame_id: str = "latent") -> Image:
    """rows: (H, D) -> Image 32FC1, H x D, stamped `stamp`."""
    rows = np.ascontiguousarray(np.atleast_2d(rows), dtype=np.float32)
    msg = Image(height=rows.shape[0], width=rows.shape[1], encoding=FLOAT_ENCODING,
                is_bigendian=int(sys.byteorder == "big"), step=4 * rows.shape[1], data=rows.tobytes())
    msg.header.stamp, msg.header.frame_id = stamp, frame_id
    return msg


def latent_frame(weights_id: str) -> str:
    """The frame_id of latents from the encoder of the checkpoint whose weights are `weights_id`."""
    return f"latent/{weights_id}"


def encoder_problem(msg: Image, weights_id: str) -> str | None:
    """Why a latent cannot be used by a node running the checkpoint `weights_id`, or None."""
    expected = latent_frame(weights_id)
    if msg.header.frame_id == expected:
        return None
    return (f"latent in frame {msg.header.frame_id!r}, not {expected!r}: another checkpoint's encoder made it; "
            "give perception_node, world_model_node and actor_node the same checkpoint")


def rows_from_float_image(msg: Image) -> np.ndarray:
    """Image 32FC1 -> (H, D) float32, H and D >= 1; a wrong encoding or size is a ValueError saying why."""
    if msg.encoding != FLOAT_ENCODING:
        raise ValueError(f"latent encoding {msg.encoding!r}; expected {FLOAT_ENCODING}")
    if msg.height == 0 or msg.width == 0:  # a 0-row plan would reach the predictor as no actions at all
        raise ValueError(f"latent is empty ({msg.height}x{msg.width})")
    raw = bytes(msg.data)
    if len(raw) % 4:
        raise ValueError(f"latent has {len(raw)} bytes, not a whole number of float32 values")
    data = np.frombuffer(raw, dtype=">f4" if msg.is_bigendian else "<f4")
    if msg.step != 4 * msg.width or data.size != msg.height * msg.width:
        raise ValueError(f"latent has {data.size} floats, step {msg.step}; expected {msg.height}x{msg.width}")
    return data.astype(np.float32).reshape(msg.height, msg.width)
