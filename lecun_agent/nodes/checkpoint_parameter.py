"""What every node running the world model shares: its settings and the `checkpoint` parameter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rclpy.node import Node

from lecun_agent.dataset.format import DatasetSpec
from lecun_agent.settings import setting
from lecun_agent.world_model.checkpoint import CheckpointError, load_checkpoint
from lecun_agent.world_model.model import WorldModel

from .parameters import ParameterError, Parameters


@dataclass(frozen=True)
class ModelNodeSettings:
    """What every node running the world model has."""

    threads: int = setting(1, "torch intra-op threads for inference (CPU)", low=1, high=64)
    diagnostics_period_s: float = setting(1.0, "seconds between /diagnostics reports", low=0.1, high=60.0)


class CheckpointParameter:
    """The `checkpoint` parameter: loaded while it is validated, swapped in only if that worked.

    Loading inside the validator means a corrupt, missing or mismatched file is rejected with
    `CheckpointError`'s reason as the set-parameters reason (what `ros2 param set` prints), and
    the running model is never touched. A reload must keep the observation/action spec and the
    latent size, because the other nodes' latents and commands are shaped by them. What else the node
    builds on a checkpoint is built in the validator too (`prepare(model, spec, path)`: the actor's
    mode-1 policy, search heads and search dynamics, from the files beside it), so a file beside it that
    is missing, damaged or distilled on another model refuses the value as well (QA, 2026-12-08: it was
    built only once the value was taken, and the actor crashed instead). `on_swap(prepared)` then puts
    it in place. At start there is no running model to keep: any of these stops the node with the
    reason (ParameterError).
    """

    def __init__(self, node: Node, params: Parameters,
                 prepare: Callable[[WorldModel, DatasetSpec, str], Any] | None = None,
                 on_swap: Callable[[Any], None] | None = None):
        self.node, self.prepare, self.on_swap = node, prepare, on_swap
        self.model: WorldModel | None = None
        self.spec: DatasetSpec | None = None
        self.meta: dict = {}
        self.reloads = self.rejected = 0
        self._pending: tuple[str, WorldModel, DatasetSpec, dict, Any] | None = None
        params.declare("checkpoint", "", "world-model checkpoint directory (model.pt + meta.json); "
                       "empty = the checkpoint shipped with the package; set at run time to reload, on "
                       "perception_node, world_model_node and actor_node alike (each refuses latents of another "
                       "checkpoint's encoder: the actor proposes zero until all three run the same)",
                       runtime=True, validator=self._load)
        self._swap(params["checkpoint"])  # declare() validated, i.e. loaded, the initial value
        params.on_change(lambda changed: "checkpoint" in changed and self._swap(changed["checkpoint"]))

    @property
    def weights_id(self) -> str:
        """The running model's weights id: names the latent space (messages/latents.py)."""
        return self.model.weights_id

    def _load(self, path: str) -> str | None:
        if self.model is None and self._pending is not None and self._pending[0] == path:
            return None  # declare() validates the initial value twice; load it once
        try:
            model, spec, meta = load_checkpoint(path or None, expect_spec=self.spec)
            if self.model is not None and model.cfg.latent_dim != self.model.cfg.latent_dim:
                raise CheckpointError(f"{path}: latent_dim {model.cfg.latent_dim} differs from the running "
                                      f"model's {self.model.cfg.latent_dim}; restart the nodes to change it")
            prepared = None if self.prepare is None else self.prepare(model, spec, path)
        except (CheckpointError, ValueError, FileNotFoundError) as err:
            if self.model is None:  # starting: nothing runs that could go on
                raise ParameterError(str(err)) from err
            self.rejected += 1
            self.node.get_logger().error(f"checkpoint rejected, keeping the running weights: {err}")
            return str(err)
        self._pending = (path, model, spec, meta, prepared)
        return None

    def _swap(self, path: str) -> None:
        if self._pending is None or self._pending[0] != path:
            return
        first = self.model is None
        _, self.model, self.spec, self.meta, prepared = self._pending
        self._pending = None
        self.reloads += 0 if first else 1
        self.node.get_logger().info(f"{'loaded' if first else 'reloaded'} checkpoint {path or '(default)'}: "
                                    f"latent_dim {self.model.cfg.latent_dim}, weights {self.weights_id}"
                                    + ("" if first else "; perception_node, world_model_node and actor_node "
                                       "must all run it (each refuses the others' latents until then)"))
        if self.on_swap is not None:
            self.on_swap(prepared)
