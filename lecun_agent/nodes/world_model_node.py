"""world_model_node: predictor P, cost heads and short-term memory, served over ROS.

On each `agent/latent` s_t it rolls P forward H steps (`horizon`) under the actor's plan
(`agent/plan_actions`, while fresher than `plan_timeout_s`) or else under the current `cmd_vel`
held for H steps, and publishes, stamped with s_t's stamp:
- `agent/predicted_latents`: Image 32FC1, H x D, row k-1 = predicted s_t+k;
- `agent/predicted_costs`: JointState, name "<feature>[<k>]" (width-w features as
  "<feature>.<i>[<k>]", and "uncertainty[<k>]" = ensemble spread), position = value in the
  cost core's physical units, k = 1..H.
`agent/plan_actions` is Image 32FC1, rows = actions (vx, vy, yaw_rate) for t..t+H'-1; the last
row is held when H' < H. Memory: one (s_t, a_t, cost terms at t, s_t+1) per consecutive pair of
latents, a_t = the cmd_vel in force when s_t+1 arrives, cost terms = `agent/cost` effort (raw).
`checkpoint` reloads at run time; a bad file is rejected with its reason and the old weights stay.
With `online_learning` true, every `online_period_s` one Adam step adapts the predictor's ensemble
to a batch from memory (`world_model/online.py`); encoder and heads stay frozen. A reload starts
again from the new file's weights.
"""

from __future__ import annotations

import time
from collections import deque
from typing import NamedTuple

import numpy as np
import torch
from geometry_msgs.msg import TwistStamped
from rclpy.node import Node
from sensor_msgs.msg import Image, JointState

from lecun_agent.world_model.online import OnlinePredictorLearner

from .common import COMMAND_QOS, OK, SENSOR_QOS, WARN, Diagnostics, Parameters, spin_node, stamp_to_sec
from .conversions import twist_vector
from .latent_io import CheckpointParameter, float_image, rows_from_float_image


class Transition(NamedTuple):
    s: np.ndarray  # (D,)
    a: np.ndarray  # (A,)
    costs: dict[str, float]  # raw intrinsic cost terms at t
    s_next: np.ndarray  # (D,)
    stamp: float  # s, stamp of s_t+1


class WorldModelNode(Node):
    def __init__(self, **node_kwargs) -> None:
        super().__init__("world_model_node", **node_kwargs)
        p = self.params = Parameters(self)
        torch.set_num_threads(p.declare("threads", 1, "torch intra-op threads (CPU)", low=1, high=64,
                                        read_only=True))
        p.declare("horizon", 10, "H: model steps predicted ahead of each latent", low=1, high=200)
        p.declare("memory_size", 1000, "transitions kept in short-term memory (oldest dropped)",
                  low=2, high=1_000_000, read_only=True)
        p.declare("cmd_timeout_s", 0.5, "a cmd_vel older than this counts as zero (the gait stands)",
                  low=0.01, high=10.0)
        p.declare("plan_timeout_s", 0.5, "an agent/plan_actions older than this is ignored",
                  low=0.01, high=10.0)
        p.declare("max_gap_s", 0.5, "latents further apart than this (or going back) start a new episode "
                  "in memory", low=0.01, high=10.0)
        p.declare("diagnostics_period_s", 1.0, "seconds between /diagnostics reports", low=0.1, high=60.0,
                  read_only=True)
        p.declare("online_learning", False, "keep training the predictor on short-term memory (encoder and "
                  "heads frozen)")
        p.declare("online_lr", 1e-4, "Adam learning rate of online learning", low=0.0, high=1.0)
        p.declare("online_batch_size", 32, "transitions per online update; updates wait until memory has "
                  "this many", low=1, high=4096)
        p.declare("online_period_s", 0.5, "seconds between online updates", low=0.01, high=60.0,
                  read_only=True)
        self.learner: OnlinePredictorLearner | None = None
        self.ckpt = CheckpointParameter(self, p, on_swap=self._new_learner)
        self.memory: deque[Transition] = deque(maxlen=p["memory_size"])
        self.action_dim = self.ckpt.model.cfg.action_dim
        self.command, self.command_time = np.zeros(self.action_dim, np.float32), None
        self.plan, self.plan_time = None, None
        self.costs: dict[str, float] = {}
        self.prev: tuple[np.ndarray, float, dict[str, float]] | None = None  # (s_t, stamp, costs at t)
        self.counts = {"latents": 0, "predictions": 0, "skipped": 0}
        self.infer_ms: list[float] = []
        self.latent_pub = self.create_publisher(Image, "agent/predicted_latents", SENSOR_QOS)
        self.cost_pub = self.create_publisher(JointState, "agent/predicted_costs", SENSOR_QOS)
        self.create_subscription(Image, "agent/latent", self._on_latent, SENSOR_QOS)
        self.create_subscription(TwistStamped, "cmd_vel", self._on_cmd, COMMAND_QOS)
        self.create_subscription(Image, "agent/plan_actions", self._on_plan, COMMAND_QOS)
        self.create_subscription(JointState, "agent/cost", self._on_cost, SENSOR_QOS)
        self.diagnostics = Diagnostics(self)
        self.create_timer(p["diagnostics_period_s"], self._publish_diagnostics)
        self.create_timer(p["online_period_s"], self._learn_online)

    # ---- online learning -----------------------------------------------------------------------
    def _new_learner(self, model) -> None:
        self.learner = OnlinePredictorLearner(model, self.params["online_lr"])

    def _learn_online(self) -> None:
        p = self.params
        if not p["online_learning"] or len(self.memory) < p["online_batch_size"]:
            return
        self.learner.set_lr(p["online_lr"])
        self.learner.step(*self.learner.sample(self.memory, p["online_batch_size"]))

    # ---- inputs ----------------------------------------------------------------------------
    def _on_cmd(self, msg: TwistStamped) -> None:
        command = twist_vector(msg)
        if np.isfinite(command).all() and command.shape == (self.action_dim,):
            self.command, self.command_time = command.astype(np.float32), self.get_clock().now()

    def _on_plan(self, msg: Image) -> None:
        try:
            plan = rows_from_float_image(msg)  # (H', A)
            if plan.shape[1] != self.action_dim or not np.isfinite(plan).all():
                raise ValueError(f"plan is {plan.shape}, expected (H, {self.action_dim}) finite values")
        except ValueError as err:
            self.get_logger().warning(f"ignored agent/plan_actions: {err}", throttle_duration_sec=2.0)
            return
        self.plan, self.plan_time = plan, self.get_clock().now()

    def _on_cost(self, msg: JointState) -> None:
        self.costs = dict(zip(msg.name, (float(v) for v in msg.effort), strict=False))

    def _age(self, then) -> float:
        return np.inf if then is None else (self.get_clock().now() - then).nanoseconds * 1e-9

    def _on_latent(self, msg: Image) -> None:
        d = self.ckpt.model.cfg.latent_dim
        try:
            s = rows_from_float_image(msg)  # (1, D)
            if s.shape != (1, d) or not np.isfinite(s).all():
                raise ValueError(f"latent is {s.shape[0]}x{s.shape[1]}, expected 1x{d} finite values")
        except ValueError as err:
            self.counts["skipped"] += 1
            self.get_logger().warning(f"latent skipped: {err}", throttle_duration_sec=2.0)
            return
        self.counts["latents"] += 1
        s, stamp = s[0], stamp_to_sec(msg.header.stamp)
        fresh = self._age(self.command_time) <= self.params["cmd_timeout_s"]
        command = self.command if fresh else np.zeros_like(self.command)
        if self.prev is not None and 0.0 < stamp - self.prev[1] <= self.params["max_gap_s"]:
            self.memory.append(Transition(self.prev[0], command.copy(), self.prev[2], s, stamp))
        self.prev = (s, stamp, dict(self.costs))
        self._predict(s, command, msg.header.stamp)

    # ---- prediction ----------------------------------------------------------------------------
    def _actions(self, command: np.ndarray) -> np.ndarray:
        """(H, A): the fresh plan (its last row held) or the current command held."""
        h = self.params["horizon"]
        if self.plan is not None and self._age(self.plan_time) <= self.params["plan_timeout_s"]:
            rows = self.plan[:h]
            return np.concatenate([rows, np.repeat(rows[-1:], h - len(rows), axis=0)])
        return np.repeat(command[None], h, axis=0)

    @torch.no_grad()
    def _predict(self, s: np.ndarray, command: np.ndarray, stamp) -> None:
        model, start = self.ckpt.model, time.perf_counter()
        state, latents, spread = torch.from_numpy(s)[None], [], []  # state: (1, D)
        for a in torch.from_numpy(self._actions(command).astype(np.float32)):  # a: (A,)
            members = model.next_ensemble(state, a[None])  # (K, 1, D)
            state = members.mean(0)
            latents.append(state[0])
            spread.append(float(members.std(0).mean()))
        latents = torch.stack(latents)  # (H, D)
        feats = model.cost_heads(latents)  # name -> (H,) or (H, w)
        self.infer_ms.append(1e3 * (time.perf_counter() - start))
        names, values_out = [], []
        for name, values in feats.items():
            values = values.numpy().reshape(len(latents), -1)  # (H, w)
            for i in range(values.shape[1]):
                label = name if values.shape[1] == 1 else f"{name}.{i}"
                names += [f"{label}[{k + 1}]" for k in range(len(values))]
                values_out += values[:, i].astype(float).tolist()
        names += [f"uncertainty[{k + 1}]" for k in range(len(spread))]
        out = JointState(name=names, position=values_out + spread)
        out.header.stamp, out.header.frame_id = stamp, "latent"
        self.latent_pub.publish(float_image(stamp, latents.numpy()))
        self.cost_pub.publish(out)
        self.counts["predictions"] += 1

    def _publish_diagnostics(self) -> None:
        ms = np.array(self.infer_ms[-100:] or [0.0])
        self.infer_ms = self.infer_ms[-100:]
        values = {**self.counts, "memory_size": len(self.memory), "memory_capacity": self.memory.maxlen,
                  "inference_ms_mean": round(ms.mean(), 2), "inference_ms_max": round(ms.max(), 2),
                  "reloads": self.ckpt.reloads, "rejected_reloads": self.ckpt.rejected,
                  "checkpoint": self.params["checkpoint"] or "(default)",
                  "plan_in_use": self._age(self.plan_time) <= self.params["plan_timeout_s"],
                  "online_learning": self.params["online_learning"], "online_updates": self.learner.updates,
                  "online_loss": round(self.learner.last_loss, 5)}
        skipped = self.counts["skipped"]
        message = f"{skipped} latents skipped" if skipped else "ok"
        self.diagnostics.publish(WARN if skipped else OK, message, values)


def main(args=None) -> None:
    spin_node(WorldModelNode, args)


if __name__ == "__main__":
    main()
