"""One simulated episode through ROS: bring the stack up, watch it, bring it down, score it.

This is `lecun-agent sim` and one episode of `lecun-agent eval`. The nodes run as separate
processes exactly as `ros2 launch` would start them; this process only publishes the goal (as
RViz's "2D Goal Pose" would) and watches.
- A goal episode (an agent): the arena's goal goes out on `goal_pose` before the body starts,
  so the first agent tick has it; the episode ends on success, a fall or the time limit
  (`episodes/goal.py`, judged on ground truth).
- A program episode (e.g. walk): it runs `duration_s` of sim time (a goal episode: its time limit).
The metrics come from sim_node's exact log of every control step (`truth.npz`), cut at the
step the episode ended, so they are the same whatever this watcher received; the guardrail's
interventions and the sync timeouts come from the nodes' final /diagnostics.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import rclpy
from geometry_msgs.msg import PoseStamped
from rclpy.executors import SingleThreadedExecutor

from lecun_agent.episodes.goal import GoalRules, count_collisions, energy_metrics, episode_end, goal_metrics
from lecun_agent.episodes.metrics import episode_metrics, fallen_flags
from lecun_agent.episodes.report import EPISODE_FILE, EpisodeSeries, cost_table, write_report
from lecun_agent.episodes.top_down import plot_top_down
from lecun_agent.nodes.qos import COMMAND_QOS
from lecun_agent.paths import default_checkpoint_dir
from lecun_agent.settings import specs
from lecun_agent.sim.arena import Arena, layout_arena
from lecun_agent.sim.config import ArenaConfig, SimConfig
from lecun_agent.sim.episode_log import load_truth

from .bringup import STARTUP_TIMEOUT_S, bring_up, init_runner_ros
from .description import (
    NodeLaunch,
    StackOptions,
    agent_node,
    arena_layout,
    node_checkpoints,
    node_param_files,
    profile_path,
    stack_nodes,
)
from .episode_monitor import EpisodeMonitor
from .exit_codes import REFUSED_START, StartRefused
from .params_files import parameters_from_files
from .runner import Stack
from .set_weights import planning_with, set_weights

log = logging.getLogger(__name__)
STALL_TIMEOUT_S = 120.0  # wall seconds without sim progress before giving up (lock-step waits are at most 15 s)
END_GRACE_S = 5.0  # wall seconds to hear the rest of an episode sim_node has reported ended
GOAL_LISTENERS = ("cost_node", "configurator_node")  # besides the agent


class WeightsRefused(RuntimeError):
    """cost_node did not take a weight the episode asked for (the run would not measure what was asked)."""


class EpisodeNotStarted(RuntimeError):
    """A node crashed (or the stack stalled) before the simulation's first step: nothing of the episode ran,
    so running it again gives the episode an uninterrupted run would have given."""


class EpisodeHooks(Protocol):
    """What a tool may add to an episode (the fault harness, `lecun_agent/faults/injector.py`)."""

    def nodes(self, nodes: list[NodeLaunch]) -> list[NodeLaunch]:
        """The stack to start, given the described one (rewire it: remappings, parameters)."""

    def attach(self, executor) -> None:
        """Add the tool's own ROS nodes to the episode's executor (it spins them with the monitor)."""

    def step(self, stack: Stack) -> bool:
        """Once per turn of the watch loop; True ends the episode."""


def sim_node_file_parameters(options: StackOptions) -> dict[str, Any]:
    """{dotted name: value} that sim_node's params files (a profile) give it under these options."""
    profile = profile_path(options.profile, options.namespace) if options.profile else None
    return parameters_from_files(node_param_files("sim_node", profile), "sim_node", options.namespace)


def file_settings(given: dict[str, Any], cls: type, prefix: str) -> dict[str, Any]:
    """The settings of dataclass `cls` among `given` (as `<prefix><field>`), each taken as the node takes it;
    ValueError for a value the node would refuse (its type, its range), before anything starts."""
    values = {}
    for spec in specs(cls):
        if (name := prefix + spec.name) not in given:
            continue
        value = float(given[name]) if spec.takes_widened(given[name]) else given[name]
        if type(value) is not type(spec.default):
            raise ValueError(f"the params files give sim_node {name}: {value!r}, a {type(value).__name__}; it "
                             f"takes a {type(spec.default).__name__} (like its default {spec.default!r})")
        if problem := spec.problem(value):
            raise ValueError(f"the params files give sim_node {prefix}{problem}")
        values[spec.name] = value
    return values


def episode_arena(options: StackOptions, given: dict[str, Any] | None = None) -> Arena:
    """The arena sim_node lays out for these options (same config, same seed, same pure function): the
    `arena.*` values of its params files (`given`, read here when not passed) and the layout the options ask for."""
    arena = file_settings(sim_node_file_parameters(options) if given is None else given, ArenaConfig, "arena.")
    return layout_arena(ArenaConfig(**{**arena, "layout": arena_layout(options)}), options.seed)


def episode_settings(options: StackOptions) -> tuple[GoalRules, Arena]:
    """The episode's rules and arena as sim_node's params files (a profile) give them: `episode.*` and `arena.*`,
    checked as the node checks them (ValueError: the type, the range, a layout these settings cannot draw)
    before anything starts."""
    given = sim_node_file_parameters(options)
    return GoalRules(**file_settings(given, GoalRules, "episode.")), episode_arena(options, given)


def run_episode(out: Path, options: StackOptions, duration_s: float | None = None,
                rules: GoalRules | None = None, hooks: EpisodeHooks | None = None,
                weights: dict[str, float] | None = None) -> dict:
    """Run one episode; its metrics (also in out/metrics.json), plots and video are written to `out`.
    `weights` (`weights.<term>` -> value) are set on cost_node through its parameter service before
    the body starts (set_weights.py), and the episode waits until the actor plans with them."""
    out = Path(out).resolve()
    options = replace(options, target="sim", record_dir=str(out))
    # A profile's `episode.*` (success radius, time limit) are the defaults; duration_s, then `rules`, win.
    file_rules, arena = episode_settings(options)
    rules, goal_episode = rules or file_rules, not options.program
    rules = replace(rules, time_limit_s=duration_s or rules.time_limit_s)  # a goal episode's limit too
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:  # a file where a folder of the path should be, no permission
        raise ValueError(f"cannot make the run folder {out}: {err.strerror}") from None
    init_runner_ros()
    monitor = EpisodeMonitor()
    executor = SingleThreadedExecutor()
    executor.add_node(monitor)
    nodes = stack_nodes(options)
    if hooks is not None:
        nodes = hooks.nodes(nodes)
        hooks.attach(executor)
    goal_pub = monitor.create_publisher(PoseStamped, "goal_pose", COMMAND_QOS)
    agent = agent_node(options)
    listeners = sum(n.name in (*GOAL_LISTENERS, agent) for n in nodes)
    # Every agent node reports the goal it holds in its /diagnostics ("goal"), at once when it arrives,
    # and whether it is ready to act ("ready": the actor has its model and cost_node's cost definition).

    def goal_out() -> bool:
        """Publish the goal once every listener is matched (a reliable message then reaches each), and go
        on once the agent says it has it: a goal still queued behind the first tick would change the run."""
        if weights and not weights_set:
            refused = set_weights(weights)
            if refused:
                raise WeightsRefused("; ".join(refused))
            weights_set.append(True)
        if not goal_episode:
            return True
        if goal_pub.get_subscription_count() < listeners:
            return False
        if not sent:
            goal_pub.publish(goal_message(arena.goal_xy))
            sent.append(time.monotonic())
        elif time.monotonic() - sent[-1] > 2.0:  # the agent was not matched after all: again
            goal_pub.publish(goal_message(arena.goal_xy))
            sent.append(time.monotonic())
        report = monitor.node_reports.get(agent, {})
        planning = not weights or agent != "actor_node" or planning_with(report, weights)
        return report.get("goal", "None") != "None" and report.get("ready", "True") == "True" and planning

    sent: list[float] = []
    weights_set: list[bool] = []

    stack, crashes, codes, interrupted = None, [], {}, False
    # sim_node stops stepping the moment the episode ends (episode rules as parameters), so the guardrail
    # decisions stamped before the end (the ones counted) are the same however fast the shutdown is.
    episode = {"episode": "goal" if goal_episode else "program",
               **{f"episode.{k}": v for k, v in asdict(rules).items() if k in ("success_radius_m", "time_limit_s")}}
    try:
        stack, crashes = bring_up(options, out / "logs", monitor, executor, goal_out, nodes,
                                   body_parameters=episode)
        crashes = crashes or _watch(executor, monitor, stack, arena, rules if goal_episode else None,
                                    rules.time_limit_s, hooks)
        monitor.episode_ended()  # by the rules, the hooks or a crash, if sim_node's own end was not heard first
    except KeyboardInterrupt:
        log.warning("interrupted; stopping the stack")
        interrupted = True
    finally:
        if stack is not None:
            codes = stack.shutdown(spin=lambda: executor.spin_once(timeout_sec=0.02))
        executor.shutdown()
    log.info("node exit codes: %s", codes)
    respawns = stack.respawns if stack is not None else {}
    # Scored before the monitor's node is destroyed: Fast DDS can deadlock destroying a publisher
    # (seen once in an eval, the process hung there for good), and the episode's results must be
    # on disk whatever the teardown does (the eval stops waiting for a process that wrote them).
    try:
        return _score(out, options, monitor, arena, rules, goal_episode, duration_s, crashes, respawns,
                      refused=sorted(name for name, code in codes.items() if code == REFUSED_START),
                      weights=dict(weights or {}), checkpoint=checkpoint_name(nodes, options), interrupted=interrupted)
    finally:
        monitor.destroy_node()
        rclpy.try_shutdown()


def goal_message(goal_xy: np.ndarray) -> PoseStamped:
    msg = PoseStamped()
    msg.header.frame_id = "odom"  # the odometry frame starts at the robot's true start pose
    msg.pose.position.x, msg.pose.position.y = float(goal_xy[0]), float(goal_xy[1])
    msg.pose.orientation.w = 1.0
    return msg


def checkpoint_name(nodes: list[NodeLaunch], options: StackOptions) -> str | None:
    """The world model the episode's nodes loaded (one: stack_nodes checks it): "default" for the shipped one,
    as --checkpoint or a profile gave it; None where no node loads one (no checkpoint ships, and none was given)."""
    loaded = set(node_checkpoints(nodes, options.namespace).values())
    if not loaded:
        return None
    (path,) = loaded
    return "default" if path == default_checkpoint_dir().resolve() else str(path)


def plan_metrics(monitor: EpisodeMonitor, agent: str, end_s: float, metrics: dict) -> dict:
    """The planner's numbers for an episode: plan time (actor_node's last /diagnostics: p50/p99 of its
    wall-clock plan times), deadline misses, detours (actor/detour.py), the guardrail's plan vetoes, and
    vetoes followed by a fall within a second (a veto must lead somewhere safe). None where the agent
    does not plan."""
    report = monitor.node_reports.get(agent, {})
    vetoes = [t for t, reasons in monitor.decisions_before(end_s) if any(r.startswith("plan_veto:") for r in reasons)]
    fall_s = metrics["sim_seconds"] if metrics.get("ended_by") == "fall" else None

    def number(key: str):
        value = report.get(key)
        return None if value in (None, "nan") else float(value)

    return {"plan_ms_p50": number("plan_ms_p50"), "plan_ms_p99": number("plan_ms_p99"),
            "deadline_misses": int(number("deadline_misses") or 0), "detours": int(number("detours") or 0),
            "plan_vetoes": len(vetoes),
            "vetoes_then_fall": sum(fall_s is not None and 0.0 <= fall_s - t <= 1.0 for t in vetoes)}


def _watch(executor, monitor: EpisodeMonitor, stack: Stack, arena: Arena, rules: GoalRules | None,
           duration_s: float, hooks: EpisodeHooks | None = None) -> list[str]:
    """Spin until the episode ends (goal rules, `duration_s` of sim time or the hooks), a node crashes, or
    it stalls."""
    start = last_progress = time.monotonic()
    last_time, ended_heard = -1.0, 0.0
    while True:
        executor.spin_once(timeout_sec=0.05)
        crashes = stack.supervise()  # the same crash policy as `ros2 launch` and `lecun-agent up`
        if crashes:
            for message in crashes:
                log.error("node crashed, ending the episode: %s", message)
            return crashes
        if hooks is not None and hooks.step(stack):
            return []
        # sim_node ended it and holds time: once everything up to its last step has been heard (hooks act
        # on what they hear), or END_GRACE_S later (the last best-effort truth message may be lost).
        report = monitor.node_reports.get("sim_node", {})
        if report.get("episode_end"):
            ended_heard = ended_heard or time.monotonic()
            if monitor.sim_time >= float(report["sim_time"]) - 1e-6 or time.monotonic() - ended_heard > END_GRACE_S:
                return []
        pose = monitor.latest_pose()
        if pose is not None:
            t, pos, quat = pose
            if (rules is not None and episode_end(t, pos, quat, arena.goal_xy, rules)) or t >= duration_s - 1e-9:
                return []
        now = time.monotonic()
        if monitor.sim_time > last_time:
            last_time, last_progress = monitor.sim_time, now
        waited = now - (start if last_time <= 0 else last_progress)
        if waited > (STARTUP_TIMEOUT_S if last_time <= 0 else STALL_TIMEOUT_S):
            message = f"simulation made no progress for {waited:.0f} s (sim time {monitor.sim_time:.2f} s)"
            log.error(message)
            return [message]


def _score(out: Path, options: StackOptions, monitor: EpisodeMonitor, arena: Arena, rules: GoalRules,
           goal_episode: bool, duration_s: float | None, crashes: list[str], respawns: dict[str, int],
           refused: list[str] = (), weights: dict[str, float] | None = None, checkpoint: str | None = None,
           interrupted: bool = False) -> dict:
    """metrics.json and the plots of an episode that ran; `interrupted`: Ctrl-C ended it (metrics.json says so:
    its numbers describe no whole episode)."""
    try:
        truth = load_truth(out)
    except FileNotFoundError as err:
        crashes = crashes or (["interrupted"] if interrupted else [])
        if not crashes:
            raise
        if refused:
            reasons = [line for crash in crashes for line in crash.splitlines() if ": cannot start: " in line]
            raise StartRefused(f"{', '.join(refused)} refused to start: {'; '.join(reasons) or crashes[0]} (node "
                               f"logs in {out / 'logs'})") from err
        raise EpisodeNotStarted(f"the episode did not start: {'; '.join(crashes)} (node logs in {out / 'logs'})"
                                ) from err
    if len(truth["t"]) < 2:
        raise RuntimeError(f"the episode produced no ground truth; see the node logs in {out / 'logs'}"
                           + "".join(f"\n{c}" for c in crashes))
    sim_goal = truth.pop("goal_xy")
    if not np.allclose(sim_goal, arena.goal_xy, atol=1e-6):  # scored against a goal the robot was not given
        raise RuntimeError(f"sim_node laid out another arena than this episode sent the goal of (its goal "
                           f"{sim_goal.round(3).tolist()}, sent {arena.goal_xy.round(3).tolist()}): give the arena "
                           "in a profile (`--profile`), which both read, not in sim_node's parameters alone")
    if goal_episode:
        metrics = goal_metrics(truth, arena.goal_xy, rules)
        end = int(np.searchsorted(truth["t"], metrics["sim_seconds"], side="right"))
    else:
        end = int(np.searchsorted(truth["t"], (duration_s or rules.time_limit_s) + 1e-9))
        cut = {k: v[:end] for k, v in truth.items()}
        fallen = fallen_flags(cut["pos"], cut["quat"], SimConfig())
        metrics = episode_metrics(cut["t"], cut["pos"], cut["quat"], fallen).as_dict()
        metrics["collisions"] = count_collisions(cut["t"], cut["body_contact_force"], rules)
        metrics.update(energy_metrics(cut["t"], cut["energy_w"], metrics["path_length_m"]))
    metrics.update(
        seed=options.seed, agent=options.program and f"program:{options.program}" or options.agent,
        realtime=options.realtime, line_blocked=bool(arena.line_blocked), goal_xy=arena.goal_xy.tolist(),
        profile=options.profile, checkpoint=checkpoint, weights=weights,
        guardrail_interventions=monitor.interventions(end=truth["t"][end - 1]),
        **plan_metrics(monitor, agent_node(options), truth["t"][end - 1], metrics),
        sync_timeouts=sum(monitor.sync_timeouts().values()),
        sync_timeouts_by_node=monitor.sync_timeouts(), crashed_nodes=crashes, respawns=dict(respawns),
        interrupted=interrupted)
    if options.realtime:  # how close to the wall clock this machine ran it (QA: a 0.8x run read as a plain success)
        wall = truth["wall_s"][end - 1] - truth["wall_s"][0]
        metrics["realtime_factor"] = (truth["t"][end - 1] - truth["t"][0]) / wall if wall > 0 else None
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    series = EpisodeSeries(truth["t"][:end], truth["pos"][:end], truth["quat"][:end], *cost_table(
        [(t, c) for t, c in monitor.costs if t <= truth["t"][end - 1] + 1e-9]))
    series.save(out / EPISODE_FILE)
    write_report(series, out)  # speed_tilt.png, costs.png
    plot_top_down(arena, truth["pos"][:end], out / "top_down.png", rules.success_radius_m)
    return metrics
