"""`lecun-agent bench` stack part: the full stack in real time, measured from outside.

One real-time goal episode (`stack/episode.py run_episode`, the nodes as separate processes) with
an observer attached through the episode hooks:
- End-to-end latency of each agent tick: from the publication of the camera frame stamped s to the
  first publication, after the agent's proposal stamped s, of a `cmd_vel` carrying stamp s (the
  tick's answer; cost_node's re-checks at `guardrail.rate_hz` carry the time they were made at,
  which can be s too). Both times are the
  DDS source timestamps of the two messages (the publishers' wall clock, one machine), so the
  observer's own scheduling does not enter; rendering the frame, before its publication, is not
  counted. The observer reads only each message's header stamp from its serialized bytes (raw
  subscriptions), so it does not slow the image path.
- Each node's achieved rate on its main output against the configured one, per wall second and
  per sim second (in real time they differ by the sim's real-time factor when it falls behind).
- CPU (mean % of one core over the episode) and RSS (final and peak MB, process and children) of
  each node process, sampled with psutil every SAMPLE_S, and RSS over time (plotted).
- Deadline misses and plan time from the actor's /diagnostics (the episode's own plan metrics).

Quick: one goal episode of the full agent cut to QUICK_SIM_S of sim time. Full: one long episode
(FULL_SIM_S) for RSS over time. So that the agent walks and plans the whole run instead of resting at
its goal, the observer sends it on patrol once the episode starts: goals on `goal_pose` (as an
operator would), back and forth between two points on the free straight line from the start
towards the arena's goal, the next one whenever configurator_node reports the last reached (`rest`
on `agent/mode`). The arena's own goal is never approached, so sim_node's success rule does not end
the run; a fall still does.
"""

from __future__ import annotations

import json
import logging
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil
from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import PoseStamped, TwistStamped
from nav_msgs.msg import Odometry
from rclpy.node import Node
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import String
from trajectory_msgs.msg import JointTrajectory

from lecun_agent.bench.plain_json import plain_json
from lecun_agent.cost.guardrail import GuardrailConfig
from lecun_agent.episodes.goal import GoalRules
from lecun_agent.nodes.gait_node import GaitNodeSettings
from lecun_agent.nodes.qos import COMMAND_QOS, LATCHED_QOS
from lecun_agent.paths import default_checkpoint_dir
from lecun_agent.sim.config import SimConfig
from lecun_agent.stack.description import AGENTS, NodeLaunch, StackOptions, agent_node
from lecun_agent.stack.episode import episode_arena, goal_message, run_episode
from lecun_agent.stack.ros_domain import EPISODE_DOMAINS, private_domain

log = logging.getLogger(__name__)
QUICK_SIM_S = 15.0  # sim s of the quick episode (real time: about as many wall seconds, plus start-up)
FULL_SIM_S = 300.0  # sim s of the long run
SEED = 2  # the arena's goal 4.8 m away with a free straight line to it: room for the patrol
PATROL = (0.7, 0.2)  # patrol goals, as fractions of the way from the start to the arena's goal, in turn
SAMPLE_S = 0.5  # wall seconds between psutil samples
AGENT = "full"
# Best effort and deep for sensor streams (matches the publishers' sensor QoS, never slows them);
# reliable and deep for commands (the publishers are reliable, keep last 1).
OBSERVE_SENSOR_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=500, reliability=ReliabilityPolicy.BEST_EFFORT)
OBSERVE_COMMAND_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=500, reliability=ReliabilityPolicy.RELIABLE)
CAMERA, COMMAND = "camera/image_raw", "cmd_vel"
RUNNER = "bench_runner"  # this process: the episode's monitor and this observer


def rate_targets(agent: str) -> dict[str, tuple[str, type, float]]:
    """topic -> (node publishing it, message type, configured rate Hz): each node's main output.

    agent/predicted_latents is left out on purpose: world_model_node only predicts for a listener, so
    observing it would add load; its rate comes from its /diagnostics latent count instead.
    """
    sim, gait = SimConfig(), GaitNodeSettings()
    return {
        CAMERA: ("sim_node", Image, sim.camera_hz),
        "joint_states": ("sim_node", JointState, sim.control_hz),
        "odom": ("sim_node", Odometry, sim.control_hz),
        "agent/latent": ("perception_node", Image, sim.camera_hz),
        "agent/cmd_vel_proposed": (agent_node(StackOptions(agent=agent)), TwistStamped, sim.camera_hz),
        # cost_node: its keep-alive at guardrail.rate_hz, plus one answer per proposal
        COMMAND: ("cost_node", TwistStamped, GuardrailConfig().rate_hz + sim.camera_hz),
        "joint_commands": ("gait_node", JointTrajectory, min(gait.rate_hz, sim.control_hz)),
    }


def header_stamp_ns(data: bytes) -> int:
    """The header stamp (ns) of a serialized message whose first field is a std_msgs/Header (CDR)."""
    endian = "<" if data[1] & 1 else ">"  # encapsulation kind: CDR_LE = 0x0001, CDR_BE = 0x0000
    sec, nanosec = struct.unpack_from(endian + "iI", data, 4)
    return sec * 1_000_000_000 + nanosec


@dataclass
class Observations:
    """What the observer heard; wall times in ns (DDS source/received timestamps, or time.time_ns())."""

    first_pub: dict[str, dict[int, int]] = field(default_factory=dict)  # topic -> stamp -> first publication
    command_pubs: dict[int, list[int]] = field(default_factory=dict)  # cmd_vel stamp -> every publication
    arrivals: dict[str, list[int]] = field(default_factory=dict)  # topic -> received wall times
    stamps: dict[str, list[int]] = field(default_factory=dict)  # topic -> header stamps (arrival order)
    diagnostics: dict[str, dict[str, str]] = field(default_factory=dict)  # node -> latest values
    samples: list[tuple[float, float, dict[str, tuple[int, float, int]]]] = field(default_factory=list)
    # samples: (wall monotonic s, newest sim s heard, node -> (rss bytes, cpu seconds, pid))
    first_frame_monotonic: float | None = None  # when the first camera frame arrived (the episode's start)


class StackProbe:
    """Episode hooks (`stack/episode.py EpisodeHooks`): the observer node and the psutil sampler."""

    def __init__(self, agent: str, patrol: list[np.ndarray] | None = None) -> None:
        self.targets = rate_targets(agent)
        self.obs = Observations()
        self.node: Node | None = None
        self.next_sample = 0.0
        self.me = psutil.Process()
        self.patrol, self.legs, self.goal_reached = list(patrol or []), 0, False

    def nodes(self, nodes: list[NodeLaunch]) -> list[NodeLaunch]:
        return nodes

    def attach(self, executor) -> None:
        self.node = Node("bench_stack_observer")
        for topic, (_, kind, _) in self.targets.items():
            qos = OBSERVE_COMMAND_QOS if kind in (TwistStamped, JointTrajectory) else OBSERVE_SENSOR_QOS
            self.node.create_subscription(kind, topic, self._listener(topic), qos, raw=True)
        self.node.create_subscription(DiagnosticArray, "diagnostics", self._on_diagnostics, 100)
        self.node.create_subscription(String, "agent/mode", self._on_mode, LATCHED_QOS)
        self.goal_pub = self.node.create_publisher(PoseStamped, "goal_pose", COMMAND_QOS)
        executor.add_node(self.node)

    def _on_mode(self, msg: String) -> None:
        self.goal_reached = self.goal_reached or (self.legs > 0 and msg.data == "rest")

    def _listener(self, topic: str):
        first = self.obs.first_pub.setdefault(topic, {})
        arrivals, stamps = self.obs.arrivals.setdefault(topic, []), self.obs.stamps.setdefault(topic, [])

        def on_message(data: bytes, info) -> None:
            now = time.time_ns()
            stamp = header_stamp_ns(data)
            published = info.get("source_timestamp") or now
            if stamp not in first or published < first[stamp]:
                first[stamp] = published
            if topic == COMMAND:
                self.obs.command_pubs.setdefault(stamp, []).append(published)
            arrivals.append(info.get("received_timestamp") or now)
            stamps.append(stamp)
            if topic == CAMERA and self.obs.first_frame_monotonic is None:
                self.obs.first_frame_monotonic = time.monotonic()

        return on_message

    def _on_diagnostics(self, msg: DiagnosticArray) -> None:
        for status in msg.status:
            self.obs.diagnostics[status.name] = {kv.key: kv.value for kv in status.values}

    def step(self, stack) -> bool:
        if self.patrol and self.obs.first_frame_monotonic is not None and (self.legs == 0 or self.goal_reached):
            self.goal_pub.publish(goal_message(self.patrol[self.legs % len(self.patrol)]))
            self.legs, self.goal_reached = self.legs + 1, False
        now = time.monotonic()
        if now >= self.next_sample:
            self.next_sample = now + SAMPLE_S
            self.sample(stack, now)
        return False

    def sample(self, stack, now: float) -> None:
        procs = {p.node.name: p.popen.pid for p in stack.processes if p.popen.poll() is None}  # respawns: newest
        procs[RUNNER] = self.me.pid
        values = {}
        for name, pid in procs.items():
            try:
                proc = psutil.Process(pid)
                family = [proc, *(proc.children(recursive=True) if name != RUNNER else ())]  # the nodes are ours
                rss = sum(p.memory_info().rss for p in family)
                cpu = proc.cpu_times()
                values[name] = (rss, cpu.user + cpu.system + cpu.children_user + cpu.children_system, pid)
            except psutil.Error:
                continue  # it exited between the listing and the reading
        stamps = self.obs.stamps.get("joint_states") or [0]
        self.obs.samples.append((now, stamps[-1] * 1e-9, values))


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


def answers(obs: Observations) -> dict[int, int]:
    """stamp -> publication of the cmd_vel that answers the agent's proposal with that stamp: the first
    carrying it after the proposal (a re-check the guardrail made at that time is not an answer)."""
    proposals, out = obs.first_pub.get("agent/cmd_vel_proposed", {}), {}
    for stamp, published in obs.command_pubs.items():
        after = [t for t in published if t >= proposals[stamp]] if stamp in proposals else []
        if after:
            out[stamp] = min(after)
    return out


def latencies(obs: Observations, answered: dict[int, int]) -> tuple[list[int], list[float]]:
    """(camera stamps answered, e2e ms of each): frame publication -> the cmd_vel answering its proposal
    (`answered`, from `answers`)."""
    frames = obs.first_pub.get(CAMERA, {})
    matched = sorted(s for s in answered if s in frames)
    return matched, [(answered[s] - frames[s]) * 1e-6 for s in matched]


STAGES = (("perception", CAMERA, "agent/latent"), ("agent", "agent/latent", "agent/cmd_vel_proposed"),
          ("guardrail", "agent/cmd_vel_proposed", COMMAND))


def stage_latencies(obs: Observations, answered: dict[int, int]) -> dict[str, dict]:
    """Where the end-to-end time goes: publication to publication of each stage's input and output
    carrying the same stamp (perception: frame -> latent; agent: latent -> proposal; guardrail:
    proposal -> the cmd_vel answering it, `answered`), in ms."""
    out = {}
    for name, source, target in STAGES:
        a = obs.first_pub.get(source, {})
        b = answered if target == COMMAND else obs.first_pub.get(target, {})
        ms = [(b[s] - a[s]) * 1e-6 for s in b if s in a]
        out[name] = {"ms_p50": _percentile(ms, 50), "ms_p99": _percentile(ms, 99), "n": len(ms)}
    return out


def rates(obs: Observations, targets: dict[str, tuple[str, type, float]], episode_sim_s: float | None = None
          ) -> tuple[dict, dict]:
    """(node -> topic -> achieved rates against the target, the observation window).

    The window runs from the first to the last camera frame heard (the episode's agent ticks);
    each topic's messages received in it count, per wall second and per sim second.
    """
    cam_t, cam_s = obs.arrivals.get(CAMERA, []), obs.stamps.get(CAMERA, [])
    if len(cam_t) < 2:
        return {}, {"wall_s": 0.0, "sim_s": 0.0, "sim_rtf": None}
    t0, t1 = cam_t[0], cam_t[-1]
    wall_s, sim_s = (t1 - t0) * 1e-9, (max(cam_s) - min(cam_s)) * 1e-9
    out: dict[str, dict] = {}
    for topic, (node, _, target) in targets.items():
        n = sum(t0 <= t <= t1 for t in obs.arrivals.get(topic, []))
        hz = n / wall_s if wall_s > 0 else 0.0
        hz_sim = n / sim_s if sim_s > 0 else 0.0
        out.setdefault(node, {})[topic] = {"hz": round(hz, 2), "hz_sim": round(hz_sim, 2), "target_hz": target,
                                           "ratio": round(hz / target, 3)}
    latents = obs.diagnostics.get("world_model_node", {}).get("latents")
    if latents is not None and episode_sim_s:  # its own count (observing its outputs would make it predict)
        camera_hz = targets[CAMERA][2]
        hz_sim = round(int(latents) / episode_sim_s, 2)
        out["world_model_node"] = {"latents (diagnostics)": {
            "hz": None, "hz_sim": hz_sim, "target_hz": camera_hz, "ratio": round(hz_sim / camera_hz, 3)}}
    window = {"wall_s": round(wall_s, 2), "sim_s": round(sim_s, 2),
              "sim_rtf": round(sim_s / wall_s, 3) if wall_s > 0 else None}
    return out, window


def resources(obs: Observations, start_wall: float | None) -> dict:
    """Per node: mean CPU % of one core over the episode (from `start_wall`), final and peak RSS MB,
    and the RSS series."""
    samples = obs.samples
    if not samples:
        return {"cpu_percent": {}, "rss_mb": {}, "rss_mb_peak": {}, "rss_over_time": {"t_s": [], "sim_s": [],
                                                                                      "rss_mb": {}}}
    names = sorted({n for _, _, values in samples for n in values})
    in_run = [s for s in samples if start_wall is None or s[0] >= start_wall] or samples
    cpu, rss_final, rss_peak = {}, {}, {}
    for name in names:
        spans: dict[int, list[float]] = {}  # pid -> [first, last] cpu seconds (a respawn is a new pid)
        for _, _, values in in_run:
            if name in values:
                _, cpu_s, pid = values[name]
                spans.setdefault(pid, [cpu_s, cpu_s])[1] = cpu_s
        wall = in_run[-1][0] - in_run[0][0]
        used = sum(last - first for first, last in spans.values())
        cpu[name] = round(100.0 * used / wall, 1) if wall > 0 else None
        series = [values[name][0] for _, _, values in samples if name in values]
        rss_final[name], rss_peak[name] = round(series[-1] / 2**20, 1), round(max(series) / 2**20, 1)
    t_origin = samples[0][0]
    over_time = {"t_s": [round(t - t_origin, 2) for t, _, _ in samples],
                 "sim_s": [round(s, 2) for _, s, _ in samples],
                 "rss_mb": {name: [round(v[name][0] / 2**20, 1) if name in v else None for _, _, v in samples]
                            for name in names}}
    return {"cpu_percent": cpu, "rss_mb": rss_final, "rss_mb_peak": rss_peak, "rss_over_time": over_time}


def summarize(obs: Observations, targets: dict, metrics: dict, agent: str, legs: int = 0) -> dict:
    """The `stack` section of results.json from one observed episode (and its metrics)."""
    commands = answers(obs)
    matched, e2e = latencies(obs, commands)
    frames = obs.first_pub.get(CAMERA, {})
    node_rates, window = rates(obs, targets, metrics.get("sim_seconds"))
    res = resources(obs, obs.first_frame_monotonic)
    actor = obs.diagnostics.get(agent_node(StackOptions(agent=agent)), {})
    return {
        "agent": agent, "realtime": True, "seed": metrics.get("seed"),
        "e2e_ms_p50": _percentile(e2e, 50), "e2e_ms_p99": _percentile(e2e, 99),
        "e2e_ms_mean": round(float(np.mean(e2e)), 2) if e2e else None,
        "e2e_ms_max": round(float(np.max(e2e)), 2) if e2e else None,
        "e2e_clock": "DDS source timestamps: camera frame publication -> first cmd_vel publication with its stamp",
        "stages": stage_latencies(obs, commands),
        "ticks": len(frames), "ticks_commanded": len(matched), "frames_without_command": len(frames) - len(matched),
        "commands_without_frame": len(set(commands) - set(frames)),
        "node_rates": node_rates, **window,
        "cpu_percent": res["cpu_percent"], "rss_mb": res["rss_mb"], "rss_mb_peak": res["rss_mb_peak"],
        "deadline_misses": metrics.get("deadline_misses"),
        "agent_ticks": int(actor["ticks"]) if "ticks" in actor else None,
        "plan_ms_p50": metrics.get("plan_ms_p50"), "plan_ms_p99": metrics.get("plan_ms_p99"),
        "sync_timeouts": metrics.get("sync_timeouts"), "crashed_nodes": bool(metrics.get("crashed_nodes")),
        "episode_sim_s": metrics.get("sim_seconds"), "ended_by": metrics.get("ended_by"), "patrol_legs": legs,
        "rss_over_time": res["rss_over_time"],
        "_e2e_series": {"stamp_s": [round(s * 1e-9, 3) for s in matched], "ms": [round(v, 2) for v in e2e]},
    }


def measure(out: Path, agent: str = AGENT, sim_s: float = QUICK_SIM_S, seed: int = SEED) -> dict:
    """One observed real-time goal episode of `agent` cut at `sim_s`; -> the section (with its series)."""
    out = Path(out)
    if agent in AGENTS and AGENTS[agent][0] == "actor_node" and not (default_checkpoint_dir() / "meta.json").exists():
        log.warning("no world-model checkpoint: measuring the straight agent instead of %s", agent)
        agent = "straight"
    options = StackOptions(agent=agent, seed=seed, realtime=True, record_video=False)
    rules = GoalRules(time_limit_s=sim_s)
    arena = episode_arena(options)
    probe = StackProbe(agent, [f * arena.goal_xy for f in PATROL] if not arena.line_blocked else [])
    wall = time.monotonic()
    with private_domain(EPISODE_DOMAINS, keep_callers=True):
        metrics = run_episode(out / "episode", options, rules=rules, hooks=probe)
    section = summarize(probe.obs, probe.targets, metrics, agent, probe.legs)
    section["wall_s"] = round(time.monotonic() - wall, 1)
    if probe.node is not None:
        try:
            probe.node.destroy_node()
        except Exception:  # noqa: BLE001 - the context is already shut down; nothing to release
            pass
    return section


def plot(section: dict, out: Path) -> list[str]:
    """stack_latency.png (e2e histogram and over sim time) and stack_resources.png (RSS over time,
    CPU per node, rates against targets). -> the file names written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    written = []
    series = section.get("_e2e_series", {})
    if series.get("ms"):
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
        ms = np.array(series["ms"])
        ax1.hist(ms, bins=min(40, max(5, len(ms) // 4)), color="tab:blue")
        for q, style in ((50, "--"), (99, ":")):
            ax1.axvline(np.percentile(ms, q), color="k", linestyle=style, label=f"p{q} {np.percentile(ms, q):.0f} ms")
        ax1.set(xlabel="camera frame -> cmd_vel, ms", ylabel="ticks",
                title=f"end-to-end latency ({section['agent']}, real time)")
        ax1.legend()
        t = np.array(series["stamp_s"])
        ax2.plot(t - t[0], ms, ".", markersize=3)
        ax2.set(xlabel="sim time, s", ylabel="ms", title=f"{section['ticks_commanded']} of {section['ticks']} "
                "frames answered")
        fig.tight_layout()
        fig.savefig(out / "stack_latency.png", dpi=110)
        plt.close(fig)
        written.append("stack_latency.png")
    over = section.get("rss_over_time", {})
    if over.get("t_s"):
        fig, axes = plt.subplots(1, 3, figsize=(15, 4), gridspec_kw={"width_ratios": [1.2, 1, 1]})
        for name, values in sorted(over["rss_mb"].items()):
            axes[0].plot(over["t_s"], [np.nan if v is None else v for v in values], label=name)
        axes[0].set(xlabel="wall time, s", ylabel="RSS, MB", title="RSS per node over the run")
        axes[0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        names = sorted(section["cpu_percent"])
        axes[1].barh(names, [section["cpu_percent"][n] or 0.0 for n in names], color="tab:orange")
        axes[1].set(xlabel="CPU, % of one core (mean over the episode)", title="CPU per node")
        rows = [(f"{node}: {topic}", r) for node, topics in section["node_rates"].items()
                for topic, r in topics.items()]
        labels = [label for label, _ in rows]
        y = np.arange(len(rows))
        achieved = [r["hz"] if r["hz"] is not None else r["hz_sim"] for _, r in rows]  # world_model_node: sim
        axes[2].barh(y - 0.2, achieved, 0.4, label="achieved")
        axes[2].barh(y + 0.2, [r["target_hz"] for _, r in rows], 0.4, label="target", color="lightgray")
        axes[2].set_yticks(y, labels, fontsize=7)
        axes[2].set(xlabel="Hz", title=f"rates (sim real-time factor {section.get('sim_rtf')})")
        axes[2].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out / "stack_resources.png", dpi=110)
        plt.close(fig)
        written.append("stack_resources.png")
    return written


def run(quick: bool, out: Path) -> dict:
    """The `stack` section of results.json; plots under `out`."""
    out = Path(out)
    section = measure(out / "stack_run", sim_s=QUICK_SIM_S if quick else FULL_SIM_S)
    section["quick"] = quick
    section["plots"] = plot(section, out)
    (out / "stack_e2e_series.json").write_text(json.dumps(section.pop("_e2e_series")))
    return plain_json(section)
