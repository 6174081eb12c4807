"""world_model_node: predictor P, cost heads and short-term memory, served over ROS.

On each `agent/latent` s_t (while anyone subscribes to its predictions) it rolls P forward H
steps (`horizon`) under the actor's plan
(`agent/plan_actions`, while fresher than `plan_timeout_s`) or else under the current `cmd_vel`
held for H steps, and publishes, stamped with s_t's stamp:
- `agent/predicted_latents`: Image 32FC1, H x D, row k-1 = predicted s_t+k;
- `agent/predicted_features`: JointState, name "<feature>[<k>]" (width-w features as
  "<feature>.<i>[<k>]", and "uncertainty[<k>]" = ensemble spread), position = value in the
  cost core's physical units, k = 1..H.
`agent/plan_actions` is Image 32FC1, rows = actions (vx, vy, yaw_rate) for t..t+H'-1; the last
row is held when H' < H. Short-term memory (`memory/replay.py`): one (s_t, a_t, raw cost terms at
t, s_t+1) per consecutive pair of latents, a_t = the cmd_vel in force when s_t+1 arrives, cost
terms = `agent/cost` effort. `checkpoint` reloads at run time; a bad file is rejected with its
reason and the old weights stay. With `online_learning` true, every `online_period_s` one Adam
step adapts the predictor's ensemble to a batch from memory (`world_model/online.py`); encoder
and heads stay frozen. A reload starts again from the new file's weights.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from geometry_msgs.msg import TwistStamped
from rclpy.node import Node
from sensor_msgs.msg import Image, JointState

from lecun_agent.cost.weights import TERM_NAMES
from lecun_agent.memory.replay import ShortTermMemory
from lecun_agent.messages.conversions import stamp_to_sec, twist_vector
from lecun_agent.messages.latents import encoder_problem, float_image, rows_from_float_image
from lecun_agent.nodes.checkpoint_parameter import CheckpointParameter, ModelNodeSettings
from lecun_agent.settings import setting
from lecun_agent.world_model.online import OnlinePredictorLearner

from .diagnostics import OK, WARN, Diagnostics
from .parameters import Parameters
from .qos import COMMAND_QOS, SENSOR_PUBLISHER_QOS, declare_reliable_sensors, sensor_qos
from .spin import spin_node


@dataclass(frozen=True)
class WorldModelNodeSettings:
    horizon: int = setting(10, "H: model steps predicted ahead of each latent", low=1, high=200, runtime=True)
    memory_size: int = setting(1000, "transitions kept in short-term memory (oldest dropped)", low=2,
                               high=1_000_000)
    cmd_timeout_s: float = setting(0.5, "a cmd_vel older than this counts as zero (the gait stands)",
                                   low=0.01, high=10.0, runtime=True)
    plan_timeout_s: float = setting(0.5, "an agent/plan_actions older than this is ignored", low=0.01,
                                    high=10.0, runtime=True)
    max_gap_s: float = setting(0.5, "latents further apart than this (or going back) are not a transition",
                               low=0.01, high=10.0, runtime=True)
    online_learning: bool = setting(False, "keep training the predictor on short-term memory (encoder and "
                                    "heads frozen)", runtime=True)
    online_lr: float = setting(1e-4, "Adam learning rate of online learning", low=0.0, high=1.0, runtime=True)
    online_batch_size: int = setting(32, "transitions per online update; updates wait until memory has this "
                                     "many", low=1, high=4096, runtime=True)
    online_period_s: float = setting(0.5, "seconds between online updates", low=0.01, high=60.0)


class WorldModelNode(Node):
    def __init__(self, **node_kwargs) -> None:
        super().__init__("world_model_node", allow_undeclared_parameters=True, **node_kwargs)
        p = self.params = Parameters(self)
        common = p.declare_settings(ModelNodeSettings)
        cfg = p.declare_settings(WorldModelNodeSettings)
        torch.set_num_threads(common.threads)
        self.learner: OnlinePredictorLearner | None = None
        self.memory: ShortTermMemory | None = None  # made once the first checkpoint gives its sizes
        self.prev: tuple[np.ndarray, float, dict[str, float]] | None = None  # (s_t, stamp, costs at t)
        self.ckpt = CheckpointParameter(self, p, prepare=lambda model, _spec, _path: OnlinePredictorLearner(
            model, self.params["online_lr"]), on_swap=self._swap)
        sensor = sensor_qos(declare_reliable_sensors(p))
        p.reject_unknown_overrides()
        model_cfg = self.ckpt.model.cfg
        self.memory = ShortTermMemory(cfg.memory_size, model_cfg.latent_dim, model_cfg.action_dim, TERM_NAMES)
        self.command, self.command_time = np.zeros(model_cfg.action_dim, np.float32), None
        self.plan, self.plan_time = None, None
        self.costs: dict[str, float] = {}
        self.counts = {"latents": 0, "predictions": 0, "skipped": 0}
        self._skipped_at_report = 0  # WARN while latents keep being skipped (a checkpoint switch skips a few)
        self.infer_ms: list[float] = []
        self.latent_pub = self.create_publisher(Image, "agent/predicted_latents", SENSOR_PUBLISHER_QOS)
        self.feature_pub = self.create_publisher(JointState, "agent/predicted_features", SENSOR_PUBLISHER_QOS)
        self.create_subscription(Image, "agent/latent", self._on_latent, sensor)
        self.create_subscription(TwistStamped, "cmd_vel", self._on_cmd, COMMAND_QOS)
        self.create_subscription(Image, "agent/plan_actions", self._on_plan, COMMAND_QOS)
        self.create_subscription(JointState, "agent/cost", self._on_cost, sensor)
        self.diagnostics = Diagnostics(self, self._report, common.diagnostics_period_s)
        self.create_timer(cfg.online_period_s, self._learn_online)

    def _swap(self, learner: OnlinePredictorLearner) -> None:
        """A new checkpoint is in: its learner, and a memory and a last latent of its own encoder's latents only.
        QA (2026-12-08): the old encoder's transitions stayed, and online learning trained the new predictor on
        them, in another latent space, until new ones had pushed them out."""
        self.learner = learner
        if self.memory is not None:  # not at the first load
            self.memory.forget()
        self.prev = None

    # ---- online learning -----------------------------------------------------------------------
    def _learn_online(self) -> None:
        p = self.params
        if not p["online_learning"] or len(self.memory) < p["online_batch_size"]:
            return
        self.learner.set_lr(p["online_lr"])
        self.learner.step_on(self.memory, p["online_batch_size"])

    # ---- inputs ----------------------------------------------------------------------------
    def _on_cmd(self, msg: TwistStamped) -> None:
        command = twist_vector(msg)
        if np.isfinite(command).all() and command.shape == self.command.shape:
            self.command, self.command_time = command.astype(np.float32), self.get_clock().now()

    def _on_plan(self, msg: Image) -> None:
        try:
            plan = rows_from_float_image(msg)  # (H', A)
            if plan.shape[1] != len(self.command) or not np.isfinite(plan).all():
                raise ValueError(f"plan is {plan.shape}, expected (H, {len(self.command)}) finite values")
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
            if problem := encoder_problem(msg, self.ckpt.weights_id):
                raise ValueError(problem)
        except ValueError as err:
            self.counts["skipped"] += 1
            self.get_logger().warning(f"latent skipped: {err}", throttle_duration_sec=2.0)
            return
        self.counts["latents"] += 1
        s, stamp = s[0], stamp_to_sec(msg.header.stamp)
        fresh = self._age(self.command_time) <= self.params["cmd_timeout_s"]
        command = self.command if fresh else np.zeros_like(self.command)
        if self.prev is not None and 0.0 < stamp - self.prev[1] <= self.params["max_gap_s"]:
            self.memory.add(self.prev[0], command, self.prev[2], s, stamp)
        self.prev = (s, stamp, dict(self.costs))
        if self.latent_pub.get_subscription_count() or self.feature_pub.get_subscription_count():
            self._predict(s, command, msg.header.stamp)  # only for someone who listens: it costs CPU

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
        actions = torch.from_numpy(self._actions(command).astype(np.float32))[None]  # (1, H, A)
        latents, spread = model.rollout(torch.from_numpy(s)[None], actions, with_spread=True)
        latents, spread = latents[0], spread[0]  # (H, D), (H,)
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
        out = JointState(name=names, position=values_out + spread.tolist())
        out.header.stamp, out.header.frame_id = stamp, "latent"
        self.latent_pub.publish(float_image(stamp, latents.numpy()))
        self.feature_pub.publish(out)
        self.counts["predictions"] += 1

    def _report(self):
        ms = np.array(self.infer_ms[-100:] or [0.0])
        self.infer_ms = self.infer_ms[-100:]
        values = {**self.counts, "memory_size": len(self.memory), "memory_capacity": self.memory.capacity,
                  "memory_refused": self.memory.refused,
                  "inference_ms_mean": round(ms.mean(), 2), "inference_ms_max": round(ms.max(), 2),
                  "reloads": self.ckpt.reloads, "rejected_reloads": self.ckpt.rejected,
                  "checkpoint": self.params["checkpoint"] or "(default)",
                  "plan_in_use": self._age(self.plan_time) <= self.params["plan_timeout_s"],
                  "online_learning": self.params["online_learning"], "online_updates": self.learner.updates,
                  "online_loss": round(self.learner.last_loss, 5)}
        new_skipped, self._skipped_at_report = self.counts["skipped"] - self._skipped_at_report, self.counts["skipped"]
        problems = [f"{new_skipped} latents skipped since the last report"] if new_skipped else []  # not for good
        batch = self.params["online_batch_size"]
        if self.params["online_learning"] and batch > self.memory.capacity:  # QA: it said OK, and never learnt
            problems.append(f"online learning cannot run: online_batch_size {batch} > memory_size "
                            f"{self.memory.capacity}, which the memory never holds")
        return (WARN, "; ".join(problems), values) if problems else (OK, "ok", values)


def main(args=None) -> None:
    spin_node(WorldModelNode, args)


if __name__ == "__main__":
    main()
