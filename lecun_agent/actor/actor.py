"""Actor: one agent tick on a world model, mode 2 (the planner) or mode 1 (the distilled policy) alone.

actor_node and the in-process goal episodes both call `Actor.act`, so both act the same:

    actor = Actor(model, ActorSettings(), PlannerConfig(), policy=load_policy(file, model))
    result = actor.act(latent, pose, goal, last_action, seed=tick_seed, deadline_s=0.0)
    command = result.actions[0]

- mode "plan": MPPI (or CEM, or random shooting) through the planning path, with mode 1's
  proposal among the samples and as the fallback on a deadline miss, when a policy is loaded.
- mode "mode1": the policy run closed-loop through the model for H steps; that sequence is
  scored like a plan's final candidates, so the guardrail gets its predictions just the same.

Either mode aims at the goal, or, after a stall, at a detour's subgoal beside the robot (detour.py).

The cost is an `IntrinsicCost` built from cost_node's published definition (cost/definition.py):
`follow(definition)` rebuilds it when the term settings or veto limits change and only re-weights
it when the weights do, so the next tick plans with what cost_node measures with.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

import torch
from torch import nn

from lecun_agent.actor.config import PlannerConfig
from lecun_agent.actor.contact_memory import Footprint
from lecun_agent.actor.detour import Detour
from lecun_agent.actor.feature_heads import HEADS_FILE, load_feature_heads
from lecun_agent.actor.feature_heads import describe as describe_heads
from lecun_agent.actor.planner import Planner
from lecun_agent.actor.policy import Mode1Policy, load_policy, policy_plan
from lecun_agent.actor.presets import AUTO, DEFAULT_PATH, PATHS, planning_path, resolve_path
from lecun_agent.actor.result import PlanResult
from lecun_agent.actor.search_dynamics import DYNAMICS_FILE, load_search_dynamics
from lecun_agent.actor.search_dynamics import describe as describe_dynamics
from lecun_agent.body.robot_model import load_robot_model
from lecun_agent.cost.definition import parts_of
from lecun_agent.cost.limits import BodyLimits
from lecun_agent.cost.total import IntrinsicCost
from lecun_agent.paths import default_checkpoint_dir
from lecun_agent.settings import setting
from lecun_agent.world_model.checkpoint import load_checkpoint
from lecun_agent.world_model.model import WorldModel

ACTOR_MODES = ("plan", "mode1")
TOUCH_N = 1.0  # N of measured body (non-foot) contact force that makes a tick a touch (the eval's collision)
POLICY_FILE = "mode1.pt"  # the mode-1 policy's default name in a checkpoint directory


@dataclass(frozen=True)
class ActorSettings:
    """How the actor acts (actor_node's read-only parameters; planner sizes are `planner.<field>`)."""

    mode: str = setting("plan", "plan: mode 2, the planner (mode 1 proposes and is the fallback when a policy "
                        "is loaded); mode1: the distilled policy alone, its plan checked through the model",
                        choices=ACTOR_MODES)
    path: str = setting(DEFAULT_PATH, "planning path: which model computes what, in which precision; auto = "
                        "member-bf16 on a CPU with native bf16, else member (actor/presets.py, docs/actor.md)",
                        choices=(AUTO, *PATHS))
    policy_file: str = setting("", "mode-1 policy (lecun-agent distill); empty = mode1.pt in the checkpoint "
                               "directory when there is one; 'none' = no mode-1 policy")
    heads_file: str = setting("", "search heads the samples are scored with (lecun-agent distill-heads; the "
                              "final check uses the world model's own); empty = planning_heads.pt in the "
                              "checkpoint directory when there is one; 'none' = the world model's heads always")
    dynamics_file: str = setting("", "search dynamics the samples are rolled out with instead of member 0 "
                                 "(lecun-agent distill-dynamics; the final check runs the whole ensemble); empty = "
                                 "planning_dynamics.pt in the checkpoint directory when there is one and the path "
                                 "is a member path; 'none' = member 0 always")


class Actor:
    def __init__(self, model: WorldModel, settings: ActorSettings | None = None,
                 planner_config: PlannerConfig | None = None, policy: Mode1Policy | None = None,
                 limits: BodyLimits | None = None, dt: float = 0.1, footprint: Footprint | None = None,
                 feature_heads: nn.Sequential | None = None, search_dynamics: nn.Sequential | None = None) -> None:
        self.settings = settings or ActorSettings()
        if self.settings.mode == "mode1" and policy is None:
            raise ValueError("actor mode mode1 needs a mode-1 policy: run `lecun-agent distill` first")
        self.model, self.policy, self.limits = model, policy, limits
        self.cost = IntrinsicCost(limits)
        self.definition: dict[str, float] | None = None
        cfg = planner_config or PlannerConfig()
        pm, overrides = planning_path(model, self.settings.path, dt=dt, contact_force_n=cfg.contact_force_n,
                                      feature_heads=feature_heads, search_dynamics=search_dynamics)
        cfg = replace(cfg, **overrides)
        self.planner = Planner(pm, self.cost, cfg, policy=policy,
                               footprint=footprint or Footprint.of(load_robot_model()))
        self.detour = Detour(cfg.detour_after_s, cfg.detour_m)

    def follow(self, definition: dict[str, float]) -> list[str]:
        """Take cost_node's definition; returns the names whose values changed."""
        changed = sorted(k for k, v in definition.items() if (self.definition or {}).get(k) != v)
        weights, settings, veto = parts_of(definition)
        if self.definition is None or any(not k.startswith("weights.") for k in changed):
            self.cost = IntrinsicCost(self.limits, settings, weights, veto)
            self.planner.cost = self.planner.scorer.cost = self.cost
        else:
            self.cost.set_weights({k[len("weights."):]: definition[k] for k in changed})
        self.definition = dict(definition)
        return changed

    def reset(self) -> None:
        """A new goal or episode: forget the warm start, the touches and any detour."""
        self.planner.reset()
        self.detour.reset()

    @torch.inference_mode()
    def act(self, latent, pose, goal, last_action, seed: int, deadline_s: float = 0.0,
            body_contacts: Mapping[str, float] | None = None, stamp: float | None = None,
            look_at=None) -> PlanResult:
        """One tick: latent (D,), odom pose (x, y, yaw), odom goal (x, y) or None, the command the rate
        limit starts from (3,) or None (actor_node: its previous proposal); `seed` makes the tick's
        sampling reproducible (lock-step). body_contacts: the measured body (non-foot) contact force
        per link since the last tick, N (contact_memory.strongest_touches; None without bump sensors):
        above TOUCH_N in all, the touch goes into the planner's contact memory, placed by the links
        that touched. A point the body now stands on is forgotten first. stamp: the tick's time, s (sim
        time in lock-step); with it, a robot that stopped getting nearer the goal plans towards a
        detour's subgoal for a while (detour.py), and where the samples first predict a contact is
        remembered once out of view (seen_contacts.py); None: always the goal, nothing seen kept. look_at:
        (x, y) odom to keep in the camera's view (look_for_goal.py): the goal sent, while the configurator
        looks around for its marker (configurator/look_around.py); None: nothing."""
        at = torch.as_tensor(pose, dtype=torch.float32).reshape(-1)
        self.planner.memory.forget_under(at)
        touch_n = sum(body_contacts.values()) if body_contacts else 0.0
        if math.isfinite(touch_n) and touch_n > TOUCH_N:  # a non-finite reading is untrusted: no touch
            self.planner.memory.touch(at,
                                      None if last_action is None else torch.as_tensor(last_action).float().reshape(-1),
                                      body_contacts)
        if stamp is not None:
            goal = self.detour.goal(stamp, pose, goal, self.planner.memory.points)
        if self.settings.mode == "mode1":
            actions = policy_plan(self.policy, self.planner.model, latent, pose, goal, last_action,
                                  self.planner.cfg.horizon)
            return self.planner.score_plan(latent, actions, pose, goal, last_action)
        return self.planner.plan(latent, pose, goal, last_action, seed=seed, deadline_s=deadline_s or None,
                                 stamp=stamp, look_at=look_at)


def policy_path(settings: ActorSettings, checkpoint: str) -> Path | None:
    """Where the actor's mode-1 policy is: `policy_file`, else mode1.pt in the checkpoint directory."""
    return _beside_checkpoint(settings.policy_file, checkpoint, POLICY_FILE)


def mode1_policy(settings: ActorSettings, checkpoint: str, model: WorldModel) -> Mode1Policy | None:
    """The actor's mode-1 policy: `policy_file` (must load), else mode1.pt beside the checkpoint when it
    exists, else None (and with 'none'). A file distilled on another world model raises ValueError, saying so."""
    return _load_if_there(settings.policy_file, policy_path(settings, checkpoint), load_policy, model)


def _beside_checkpoint(setting: str, checkpoint: str, default_name: str) -> Path | None:
    """A search model's file: the setting when given, else `default_name` in the checkpoint directory; None
    for 'none'."""
    if setting == "none":
        return None
    return Path(setting or Path(checkpoint or default_checkpoint_dir()) / default_name)


def _load_if_there(setting: str, path: Path | None, load, model: WorldModel):
    """`load(path, model)` when the file was named (it must load) or lies in its default place, else None."""
    if path is None or not (setting or path.exists()):
        return None
    return load(path, model)


def heads_path(settings: ActorSettings, checkpoint: str) -> Path | None:
    """Where the actor's search heads are: `heads_file`, else planning_heads.pt in the checkpoint directory."""
    return _beside_checkpoint(settings.heads_file, checkpoint, HEADS_FILE)


def feature_heads(settings: ActorSettings, checkpoint: str, model: WorldModel) -> nn.Sequential | None:
    """The actor's search heads, or None (the world model's heads). Heads distilled from another world
    model raise ValueError, saying so."""
    return _load_if_there(settings.heads_file, heads_path(settings, checkpoint), load_feature_heads, model)


def dynamics_path(settings: ActorSettings, checkpoint: str) -> Path | None:
    """Where the actor's search dynamics are: `dynamics_file`, else planning_dynamics.pt in the checkpoint
    directory."""
    return _beside_checkpoint(settings.dynamics_file, checkpoint, DYNAMICS_FILE)


def search_dynamics(settings: ActorSettings, checkpoint: str, model: WorldModel) -> nn.Sequential | None:
    """The actor's search dynamics, or None (member 0). A file distilled from another world model raises
    ValueError, saying so. A path whose samples take every member (ensemble, penalty) leaves the file beside
    the checkpoint alone; one named in `dynamics_file` is an error there (planning_path says so)."""
    if not _wants_search_dynamics(settings):
        return None
    return _load_if_there(settings.dynamics_file, dynamics_path(settings, checkpoint), load_search_dynamics, model)


def _wants_search_dynamics(settings: ActorSettings) -> bool:
    """Whether the planning path rolls its samples out with one model (the search dynamics, else member 0):
    a `dynamics_file` was named, or the path's fast part is "member"."""
    spec = PATHS.get(resolve_path(settings.path))  # an unknown path: planning_path names the known ones
    return bool(settings.dynamics_file) or spec is None or spec["fast"] == "member"


def absent_beside(settings: ActorSettings, checkpoint: str) -> list[str]:
    """The distilled files the actor looked for beside the checkpoint and did not find (it then plans without
    them: no mode-1 proposal, the world model's heads, member 0), for a user who switched to a checkpoint
    that was never distilled. A file named in a setting is not looked for: it must load."""
    looked_for = [(settings.policy_file, policy_path(settings, checkpoint)),
                  (settings.heads_file, heads_path(settings, checkpoint))]
    if _wants_search_dynamics(settings):
        looked_for.append((settings.dynamics_file, dynamics_path(settings, checkpoint)))
    return [path.name for setting, path in looked_for if not setting and path is not None and not path.exists()]


def actor_beside(model: WorldModel, settings: ActorSettings, config: PlannerConfig, checkpoint: str,
                 dt: float) -> tuple[Actor, dict[str, str]]:
    """An Actor on `model` with the mode-1 policy, search heads and search dynamics of `settings` (or the
    files beside `checkpoint`), and what it was built with, for the log and /diagnostics: `policy`,
    `feature_heads`, `search_dynamics`, and `absent` (the files it looked for there and did not find). A
    file that must load and does not, or was distilled on another world model, raises ValueError, saying so."""
    policy = mode1_policy(settings, checkpoint, model)
    heads = feature_heads(settings, checkpoint, model)
    dynamics = search_dynamics(settings, checkpoint, model)
    built_with = {
        "policy": "none" if policy is None else str(policy_path(settings, checkpoint)),
        "feature_heads": describe_heads(heads) + ("" if heads is None else f" ({heads_path(settings, checkpoint)})"),
        "search_dynamics": describe_dynamics(dynamics) + (
            "" if dynamics is None else f" ({dynamics_path(settings, checkpoint)})"),
    }
    built_with["absent"] = ", ".join(absent_beside(settings, checkpoint))
    actor = Actor(model, settings, config, policy, dt=dt, feature_heads=heads, search_dynamics=dynamics)
    return actor, built_with


def load_actor(checkpoint: str = "", parameters: dict | None = None) -> Actor:
    """An Actor as actor_node builds one, outside ROS: `parameters` are actor_node's (`mode`, `path`,
    `policy_file`, `heads_file`, `dynamics_file`, `planner.<field>`); the mode-1 policy, the search heads
    and the search dynamics are loaded when their files exist."""
    params = parameters or {}
    unknown = [k for k in params if k not in {f.name for f in fields(ActorSettings)} and not k.startswith("planner.")]
    if unknown:
        raise ValueError(f"unknown actor parameters {unknown}")
    model, spec, _ = load_checkpoint(checkpoint or None)
    settings = ActorSettings(**{k: v for k, v in params.items() if not k.startswith("planner.")})
    cfg = replace(PlannerConfig(), **{k[len("planner."):]: v for k, v in params.items() if k.startswith("planner.")})
    return actor_beside(model, settings, cfg, checkpoint, spec.step_dt)[0]
