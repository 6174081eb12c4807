"""What perception_node and world_model_node share: the latent message carrier and the checkpoint parameter.

Latents travel as sensor_msgs/Image with encoding 32FC1 because Image has a header (the camera
frame's stamp rides along) and any tool can show it: one row per latent, D columns, native byte
order flagged in `is_bigendian`. `agent/latent` is 1 x D; `agent/predicted_latents` is H x D.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np
from builtin_interfaces.msg import Time as TimeMsg
from rclpy.node import Node
from sensor_msgs.msg import Image

from lecun_agent.dataset.format import DatasetSpec
from lecun_agent.world_model.checkpoint import CheckpointError, load_checkpoint
from lecun_agent.world_model.model import WorldModel

from .common import Parameters

FLOAT_ENCODING = "32FC1"


def float_image(stamp: TimeMsg, rows: np.ndarray, frame_id: str = "latent") -> Image:
    """rows: (H, D) -> Image 32FC1, H x D, stamped `stamp`."""
    rows = np.ascontiguousarray(np.atleast_2d(rows), dtype=np.float32)
    msg = Image(height=rows.shape[0], width=rows.shape[1], encoding=FLOAT_ENCODING,
                is_bigendian=int(sys.byteorder == "big"), step=4 * rows.shape[1], data=rows.tobytes())
    msg.header.stamp, msg.header.frame_id = stamp, frame_id
    return msg


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


class CheckpointParameter:
    """The `checkpoint` parameter: loaded while it is validated, swapped in only if that worked.

    Loading inside the validator means a corrupt, missing or mismatched file is rejected with
    `CheckpointError`'s reason as the set-parameters reason (what `ros2 param set` prints), and
    the running model is never touched. A reload must keep the observation/action spec and the
    latent size, because the other nodes' latents and commands are shaped by them.
    """

    def __init__(self, node: Node, params: Parameters, on_swap: Callable[[WorldModel], None] | None = None):
        self.node, self.on_swap = node, on_swap
        self.model: WorldModel | None = None
        self.spec: DatasetSpec | None = None
        self.meta: dict = {}
        self.reloads = self.rejected = 0
        self._pending: tuple[str, WorldModel, DatasetSpec, dict] | None = None
        params.declare("checkpoint", "", "world-model checkpoint directory (model.pt + meta.json); "
                       "empty = the checkpoint shipped with the package; set at run time to reload",
                       validator=self._load)
        self._swap(params["checkpoint"])  # declare() validated, i.e. loaded, the initial value
        params.on_change(lambda changed: "checkpoint" in changed and self._swap(changed["checkpoint"]))

    def _load(self, path: str) -> str | None:
        if self.model is None and self._pending is not None and self._pending[0] == path:
            return None  # declare() validates the initial value twice; load it once
        try:
            model, spec, meta = load_checkpoint(path or None, expect_spec=self.spec)
            if self.model is not None and model.cfg.latent_dim != self.model.cfg.latent_dim:
                raise CheckpointError(f"{path}: latent_dim {model.cfg.latent_dim} differs from the running "
                                      f"model's {self.model.cfg.latent_dim}; restart the nodes to change it")
        except CheckpointError as err:
            self.rejected += 1
            self.node.get_logger().error(f"checkpoint rejected, keeping the running weights: {err}")
            return str(err)
        self._pending = (path, model, spec, meta)
        return None

    def _swap(self, path: str) -> None:
        if self._pending is None or self._pending[0] != path:
            return
        first = self.model is None
        _, self.model, self.spec, self.meta = self._pending
        self._pending = None
        self.reloads += 0 if first else 1
        self.node.get_logger().info(f"{'loaded' if first else 'reloaded'} checkpoint {path or '(default)'}: "
                                    f"latent_dim {self.model.cfg.latent_dim}")
        if self.on_swap is not None:
            self.on_swap(self.model)
