"""actor_node: the actor. Plans in the world model's latent space and proposes the tick's command.

On each `agent/latent` (the agent tick: one per camera frame) it takes the odometry of the tick's
instant (TickGate), the body contacts since the previous tick (a touch goes into the planner's
contact memory, even one that began and ended between two ticks), the latest `goal_pose`
(HeldGoal: a respawned actor takes back the goal the other nodes hold on `agent/goal`, and walks
on to it; while the configurator's `agent/mode_stamped` of the tick holds that goal moved onto the
goal marker the robot sees, it walks to the moved one, and while the configurator looks around for
the marker it keeps the point the carrier names in view: actor/look_for_goal.py) and its
own previous proposal (where the command rate limit starts; the guardrail's later re-decisions of
a tick would make it depend on message timing, so lock-step runs could differ), runs one
`Actor.act` (actor/actor.py: MPPI through the world model with mode 1's proposal, or mode 1 alone)
and publishes, all stamped with the tick:
- `agent/plan_costs` (the plan's predicted raw cost terms and tilt, for the guardrail's veto),
  `agent/plan` (nav_msgs/Path), `agent/plan_actions` (32FC1, H x 3),
- then `agent/cmd_vel_proposed`: the plan's first command,
- `agent/plan_samples` (MarkerArray of the cheapest sampled paths) only when `sample_markers` > 0.
Every tick gets a proposal (zero in rest mode, after a goal it refused until a good one comes, or
when the latent or odometry cannot be used; without any goal it plans with no goal drive), so the
lock-step loop never waits on the actor; a tick offered again gets the same messages again. A tick
not planned publishes empty plan costs and, where the odometry is trusted, the plan "stand here" (the
pose now alone), so that the last plan does not stay drawn as if it were still followed.

The cost it plans with is cost_node's: cost_node publishes its weights, term settings and veto
limits on the latched `cost/definition` whenever one changes, and the next tick plans with them.
Until the first definition arrives the actor proposes zero and reports itself not ready.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import torch
from geometry_msgs.msg import TwistStamped
from nav_msgs.msg import Odometry
from nav_msgs.msg import Path as PathMsg
from rclpy.node import Node
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import String
from visualization_msgs.msg import MarkerArray

from lecun_agent.actor.actor import Actor, ActorSettings, actor_beside
from lecun_agent.actor.config import PlannerConfig
from lecun_agent.actor.contact_memory import strongest_touches
from lecun_agent.actor.presets import resolve_path
from lecun_agent.dataset.format import DatasetSpec
from lecun_agent.messages import conversions as conv
from lecun_agent.messages.latents import encoder_problem, float_image, rows_from_float_image
from lecun_agent.messages.mode import TickGoal, goal_of, mode_of
from lecun_agent.messages.plans import named_values, path_msg, plan_costs_msg, samples_markers
from lecun_agent.world_model.model import WorldModel

from .checkpoint_parameter import CheckpointParameter, ModelNodeSettings
from .diagnostics import ERROR, OK, WARN, Diagnostics
from .held_goal import HeldGoal
from .parameters import Parameters
from .qos import COMMAND_QOS, LATCHED_QOS, declare_reliable_sensors, sensor_qos
from .spin import propose_zero, spin_node
from .tick_gate import EPS, SYNC_TIMEOUT_S, TickGate


class ActorNode(Node):
    def __init__(self, **node_kwargs) -> None:
        super().__init__("actor_node", allow_undeclared_parameters=True, **node_kwargs)
        p = self.params = Parameters(self)
        common = p.declare_settings(ModelNodeSettings)
        self.settings = p.declare_settings(ActorSettings)
        self.planner_config = p.declare_settings(PlannerConfig, "planner.")
        sync_s = p.declare("sync_timeout_s", SYNC_TIMEOUT_S, "wall seconds to wait for the odometry of a tick's "
                           "instant (counted)", low=0.05, high=60.0)
        p.declare("sample_markers", 0, "publish this many of the cheapest sampled paths on agent/plan_samples "
                  "(MarkerArray, for RViz); 0 = off", low=0, high=4096, runtime=True)
        torch.set_num_threads(common.threads)
        self.actor: Actor | None = None
        self.definition: dict[str, float] | None = None
        self.refused_definition: str | None = None  # why the newest cost/definition was refused
        self.ckpt = CheckpointParameter(self, p, prepare=self._build, on_swap=self._install)
        reliable = declare_reliable_sensors(p)
        sensor = sensor_qos(reliable)
        p.reject_unknown_overrides()
        self.goal: np.ndarray | None = None  # None: no goal sent, plan without a goal drive (explore)
        self.homed_goal: np.ndarray | None = None  # the tick's goal to walk to (the goal moved onto its marker)
        self.look_at: np.ndarray | None = None  # the tick's point to keep in view (the configurator looks around)
        self.refused_goal: str | None = None  # why the newest goal sent was refused, until a good one comes
        self.not_planned: str | None = None  # why the last tick was not planned (rest mode aside), None if it was
        self.mode = "explore"
        self.last_proposal = np.zeros(3)  # where the next plan's rate limit starts
        self.answered: tuple[float, list] | None = None  # (stamp, messages) of the last tick answered
        self.last_tick_stamp: float | None = None  # body contacts after it are the next tick's touches
        self.plan_ms: list[float] = []
        self.counts: Counter[str] = Counter()
        self.gate = TickGate(self, ("odom", "mode", "body"), sync_s, self._tick)
        self.pub = self.create_publisher(TwistStamped, "agent/cmd_vel_proposed", COMMAND_QOS)
        self.plan_pub = self.create_publisher(PathMsg, "agent/plan", COMMAND_QOS)
        self.costs_pub = self.create_publisher(JointState, "agent/plan_costs", COMMAND_QOS)
        self.actions_pub = self.create_publisher(Image, "agent/plan_actions", COMMAND_QOS)
        self.samples_pub = self.create_publisher(MarkerArray, "agent/plan_samples", 1)
        self.samples_shown = False  # the last agent/plan_samples drew paths
        sub = self.create_subscription
        sub(Image, "agent/latent", lambda m: self.gate.event(conv.stamp_to_sec(m.header.stamp), m),
            sensor_qos(reliable, depth=1))  # plan on the newest frame, not through a queue
        sub(Odometry, "odom", self.gate.feed("odom"), sensor)
        # Measured body contacts (a robot without bump sensors sends none): the touches since the last
        # tick go into the planner's contact memory (actor/contact_memory.py).
        sub(JointState, "body_contacts", self.gate.feed("body"), sensor)
        self.held_goal = HeldGoal(self, self._on_goal)
        # The tick's mode: the configurator's as of the tick's odometry (lock-step: the same tick rests in
        # every run); the latched String until a stamped one is heard (a configurator without it).
        sub(JointState, "agent/mode_stamped", self.gate.feed("mode"), sensor)
        sub(String, "agent/mode", lambda m: setattr(self, "mode", m.data), LATCHED_QOS)
        sub(JointState, "cost/definition", self._on_definition, LATCHED_QOS)
        self.diagnostics = Diagnostics(self, self._report, common.diagnostics_period_s)

    # ---- inputs -----------------------------------------------------------------------------
    def _build(self, model: WorldModel, spec: DatasetSpec, checkpoint: str) -> tuple[Actor, dict[str, str]]:
        """A checkpoint being loaded: a new actor on it, with the mode-1 policy, the search heads and the search
        dynamics distilled on it. A missing file that was named, or one damaged or distilled on another model,
        raises, saying why (the checkpoint is refused; at start the node stops)."""
        return actor_beside(model, self.settings, self.planner_config, checkpoint, spec.step_dt)

    def _install(self, built: tuple[Actor, dict[str, str]]) -> None:
        """The checkpoint loaded: its actor plans from the next tick."""
        self.actor, self.built_with = built
        self.get_logger().info(f"planning path {resolve_path(self.settings.path)}; mode-1 policy "
                               f"{self.built_with['policy']}; samples scored with feature heads: "
                               f"{self.built_with['feature_heads']}; rolled out with: "
                               f"{self.built_with['search_dynamics']}"
                               + (f"; not beside the checkpoint: {self.built_with['absent']}"
                                  if self.built_with["absent"] else ""))
        if self.definition is not None:
            self.actor.follow(self.definition)

    def _on_definition(self, msg: JointState) -> None:
        try:
            definition = named_values(msg)
            if not all(np.isfinite(v) for v in definition.values()):
                raise ValueError("non-finite values")
            changed = self.actor.follow(definition)
        except (ValueError, TypeError) as err:  # keep planning with the last good definition
            self.counts["bad_definitions"] += 1
            self.refused_definition = str(err)
            self.get_logger().error(f"cost/definition refused: {err}")
            return
        self.definition, self.refused_definition = definition, None
        self.get_logger().info(f"cost definition from cost_node: {len(changed)} values changed "
                               f"({', '.join(changed[:6])}{'...' if len(changed) > 6 else ''})")
        self.diagnostics.publish()  # at once: an episode runner waits until the actor is ready

    def _on_goal(self, goal: np.ndarray | None, problem: str | None) -> None:
        self.refused_goal = problem  # the user's newest goal could not be used: zero until a good one
        if problem is not None:
            self.counts["refused_goals"] += 1
            self.get_logger().error(f"{problem}: goal dropped, proposing zero until a good one comes")
        if not np.array_equal(goal, self.goal):  # a goal sent again (a sender's retry) keeps the warm start
            self.goal = goal
            self.actor.reset()
            self.get_logger().info(f"goal {self.goal}")
        self.diagnostics.publish()

    # ---- one tick -----------------------------------------------------------------------------
    def _tick(self, stamp: float, latent_msg: Image, inputs: dict, timed_out: bool) -> None:
        if self.answered is not None and abs(stamp - self.answered[0]) < EPS:
            # The same tick again (a body re-offers a reading nobody answered yet): the same answer,
            # not a second plan, which would advance the warm start by a tick that never happened.
            self.counts["repeated_ticks"] += 1
            for publisher, msg in self.answered[1]:
                publisher.publish(msg)
            return
        self.mode = mode_of(inputs["mode"]) or self.mode
        self.homed_goal, self.look_at = self._homed(goal_of(inputs["mode"]))
        answer = self._answer(stamp, latent_msg, inputs["odom"], self._touches(stamp, inputs["body"]))
        self.answered = (stamp, answer)
        for publisher, msg in answer:
            publisher.publish(msg)

    def _homed(self, goals: TickGoal | None) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The goal to walk to, and the point to keep in view (None: none): the configurator's when it is
        homing the goal this node holds."""
        if goals is None or self.goal is None or not np.allclose(goals.sent, self.goal, rtol=0.0, atol=1e-9):
            return self.goal, None
        return goals.target, goals.look_at

    def _touches(self, stamp: float, instant: JointState | None) -> dict[str, float] | None:
        """The strongest body contact per link since the previous tick (the tick's instant only at the
        first tick, or when time went back: a new episode), over the messages cost_node would trust too
        (conv.contacts_problem: no negative force, no link named twice); None without bump sensors."""
        after, self.last_tick_stamp = self.last_tick_stamp, stamp
        if after is None or after >= stamp:
            window = [] if instant is None else [instant]
        else:  # an old reading already counted at its own tick is not a touch at this pose
            window = self.gate.since("body", after, stamp)
        trusted = (msg for msg in window if conv.contacts_problem(msg, "body_contacts") is None)
        return strongest_touches(conv.contact_forces(msg) for msg in trusted) if window else None

    def _answer(self, stamp: float, latent_msg: Image, odom: Odometry | None,
                touch: dict[str, float] | None) -> list[tuple]:
        """The tick's messages, in publishing order (the plan's predictions before the proposal)."""
        header_stamp, why = latent_msg.header.stamp, None
        d = self.actor.planner.model.latent_dim
        try:
            rows = rows_from_float_image(latent_msg)
            if rows.shape != (1, d):
                raise ValueError(f"latent is {rows.shape[0]}x{rows.shape[1]}, the world model takes 1x{d}")
            if problem := encoder_problem(latent_msg, self.ckpt.weights_id):
                raise ValueError(problem)
            latent = rows[0]
        except ValueError as err:
            latent, why = None, f"bad latent: {err}"
            self.get_logger().error(f"tick at t={stamp:.3f} s not planned: {err}", throttle_duration_sec=2.0)
        pose = None if odom is None else conv.planar_pose(odom)
        odom_problem = None if odom is None else conv.message_problem(odom)
        if why is None:
            why = ("rest mode" if self.mode == "rest" else f"refused goal: {self.refused_goal}" if self.refused_goal
                   else "no cost definition from cost_node yet"
                   if self.definition is None else "no odometry" if pose is None
                   else f"untrusted odometry: {odom_problem}" if odom_problem
                   else "non-finite latent" if not np.all(np.isfinite(latent)) else None)
        self.not_planned = None if why == "rest mode" else why
        if why is not None:
            self.counts[f"idle:{why.split(':')[0]}"] += 1
            return self._idle_answer(header_stamp, None if odom_problem else pose)
        seed = self.planner_config.seed + int(round(stamp * 1000))  # the same tick plans the same
        detours = self.actor.detour.count
        result = self.actor.act(latent, tuple(pose), self.homed_goal, self.last_proposal, seed,
                                self.planner_config.deadline_s, body_contacts=touch, stamp=stamp,
                                look_at=self.look_at)
        if self.actor.detour.count > detours:
            x, y = self.actor.detour.subgoal
            self.get_logger().info(f"detour at t={stamp:.1f} s: no nearer the goal for "
                                   f"{self.actor.detour.after_s:.1f} s, planning towards ({x:.2f}, {y:.2f})")
        self.last_proposal = result.actions[0].numpy().astype(float)
        self.counts["ticks"] += 1
        self.counts[f"source:{result.source}"] += 1
        self.counts["vetoed_plans"] += int(result.vetoed)
        self.counts["deadline_misses"] += int(result.deadline_missed)
        self.plan_ms.append(result.timings_ms.get("total", float("nan")))
        answer = [(self.costs_pub, plan_costs_msg(header_stamp, {k: v.numpy() for k, v in result.predicted.items()})),
                  (self.plan_pub, path_msg(header_stamp, result.poses.numpy())),
                  (self.actions_pub, float_image(header_stamp, result.actions.numpy(), frame_id="base_link"))]
        count = self.params["sample_markers"]
        if count > 0 or self.samples_shown:  # turned off: one clear, or RViz shows the last samples for good
            answer.append((self.samples_pub, samples_markers(header_stamp, result.samples_xy.numpy(),
                                                             result.sample_costs.numpy(), count)))
            self.samples_shown = count > 0
        return [*answer, (self.pub, conv.twist_msg(header_stamp, self.last_proposal))]

    def _idle_answer(self, header_stamp, pose: np.ndarray | None) -> list[tuple]:
        """A tick not planned: a zero proposal, no predicted costs (the guardrail need not wait), and, where
        the pose now is trusted, the plan "stand here" (the pose now alone), so that RViz and the video stop
        drawing the last plan walked as if it were still followed. Samples on screen are cleared."""
        self.last_proposal = np.zeros(3)
        answer = [(self.costs_pub, plan_costs_msg(header_stamp, {}))]
        if pose is not None:
            answer.append((self.plan_pub, path_msg(header_stamp, pose[None])))
        if self.samples_shown:
            answer.append((self.samples_pub, samples_markers(header_stamp, np.zeros((0, 1, 2)), np.zeros(0), 0)))
            self.samples_shown = False
        return [*answer, (self.pub, conv.twist_msg(header_stamp, np.zeros(3)))]

    # ---- reporting ------------------------------------------------------------------------------
    def _report(self):
        ready = self.definition is not None
        goal = None if self.goal is None else [round(float(v), 6) for v in self.goal]
        ms = np.array(self.plan_ms) if self.plan_ms else np.array([np.nan])
        homed = None if self.homed_goal is None else [round(float(v), 4) for v in self.homed_goal]
        values = {"ready": ready, "goal": goal, "homed_goal": homed, "looking_around": self.look_at is not None,
                  "mode": self.mode, "actor_mode": self.settings.mode,
                  "path": resolve_path(self.settings.path), "policy": self.built_with["policy"],
                  "feature_heads": self.built_with["feature_heads"],
                  "search_dynamics": self.built_with["search_dynamics"],
                  "plan_ms_p50": round(float(np.percentile(ms, 50)), 3),
                  "plan_ms_p99": round(float(np.percentile(ms, 99)), 3), "sync_timeouts": self.gate.timeouts,
                  "detours": self.actor.detour.count,
                  "detour_subgoal": None if self.actor.detour.subgoal is None
                  else [round(v, 3) for v in self.actor.detour.subgoal],
                  **{k: v for k, v in sorted(self.counts.items())}}
        # The weights it plans with (cost_node reports the ones it measures with under the same keys).
        values.update({f"weight.{k.removeprefix('weights.')}": v for k, v in (self.definition or {}).items()
                       if k.startswith("weights.")})
        if not ready:
            return WARN, "waiting for cost/definition from cost_node", values
        problems = []
        if self.refused_definition is not None:  # until a good one comes (the refusals stay counted)
            problems.append((ERROR, f"the newest cost/definition was refused ({self.refused_definition}); "
                                    "planning with the previous one"))
        if self.built_with["absent"]:  # a switch to a checkpoint never distilled: it plans, but worse and slower
            problems.append((WARN, f"planning without {self.built_with['absent']}: not in the checkpoint "
                                   "directory (lecun-agent distill, distill-heads, distill-dynamics)"))
        if self.not_planned is not None:  # the robot stands: say why where a user looks (QA: a latent-64 model
            problems.append((WARN, f"not planning (standing): {self.not_planned}"))  # beside a latent-32 actor)
        elif self.refused_goal is not None:  # at rest too: a refused goal must not pass in silence (QA, 2026-12-08)
            problems.append((WARN, f"refused goal: {self.refused_goal}"))
        if problems:
            return max(level for level, _ in problems), "; ".join(text for _, text in problems), values
        return OK, "planning" if self.goal is not None else "planning without a goal", values


def main(args=None) -> None:
    spin_node(ActorNode, args, on_shutdown=propose_zero)


if __name__ == "__main__":
    main()
