"""Soak: the whole stack in real time for 30 minutes, goal after goal, RSS and CPU of every node sampled.

Issue 13 asks for proof that nothing grows without bound: the nodes stay up for the whole run
(the stack is brought up once), and the agent walks one goal episode after another: at the end of
each (goal reached, a fall, or 40 s) sim_node is reset to the next seed (`~/reset`, the clock
continues) with gait_node's trot reset to standing before and after (`~/reset`), cost_node's
latched stop is released (`reset_e_stop`) and the next arena's goal goes out on `goal_pose`. Every `--period`
wall seconds psutil samples each node process: resident memory (RSS) and CPU (percent of one core
since the last sample). A crashed agent node respawns (the crash
policy); a body, gait or guardrail crash ends the run.

    scripts/with_venv.sh python benchmarks/soak.py --minutes 30 --out docs/soak

writes `<out>/<date>.json` (machine, samples, episodes with how each ended and the largest tilt in
its first second, per-node RSS growth from minute 5 to the end, mean CPU) and `<out>/<date>.png`
(`--name` instead of the date). It runs outside the test suite (30 minutes of wall time).
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import platform
import time
from pathlib import Path

import numpy as np
import psutil
import rclpy
from geometry_msgs.msg import PoseStamped
from nav_msgs.msg import Odometry
from rcl_interfaces.srv import SetParameters
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.parameter import Parameter
from std_srvs.srv import Trigger

from lecun_agent.bench.machine import cpu_model
from lecun_agent.body.readings import tilt_of
from lecun_agent.episodes.goal import GoalRules, episode_end
from lecun_agent.nodes.qos import COMMAND_QOS, SENSOR_QOS
from lecun_agent.stack.bringup import bring_up, init_runner_ros
from lecun_agent.stack.description import StackOptions
from lecun_agent.stack.episode import episode_arena, goal_message

log = logging.getLogger("soak")
GROWTH_FROM_MIN = 5.0  # the first minutes are imports, allocator warm-up and first-episode caches
START_S, START_TILT_RAD = 1.0, 0.15  # an episode "starts tilted" past the guardrail's tilt clamp in its first 1 s


class SoakDriver(Node):
    """Keeps only the newest ground truth (the driver itself must not grow) and talks to the stack."""

    def __init__(self) -> None:
        super().__init__("soak_driver", parameter_overrides=[Parameter("use_sim_time", value=True)])
        self.pose: tuple[float, np.ndarray, np.ndarray] | None = None
        self.ignore_until = -np.inf  # ground truth from before the last reset, still queued
        self.episode_start: float | None = None  # sim time the current goal went out
        self.start_tilt = 0.0  # rad, largest tilt in the episode's first START_S
        self.create_subscription(Odometry, "sim/ground_truth", self._on_truth, SENSOR_QOS)
        self.goal_pub = self.create_publisher(PoseStamped, "goal_pose", COMMAND_QOS)
        self.reset_sim = self.create_client(Trigger, "sim_node/reset")
        self.reset_gait = self.create_client(Trigger, "gait_node/reset")
        self.reset_stop = self.create_client(Trigger, "reset_e_stop")
        self.set_sim = self.create_client(SetParameters, "sim_node/set_parameters")

    def _on_truth(self, msg: Odometry) -> None:
        p, q = msg.pose.pose.position, msg.pose.pose.orientation
        t = msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9
        if t > self.ignore_until:
            self.pose = t, np.array([p.x, p.y, p.z]), np.array([q.x, q.y, q.z, q.w])
            if self.episode_start is not None and t - self.episode_start <= START_S:
                self.start_tilt = max(self.start_tilt, tilt_of(self.pose[2]))


def machine() -> dict:
    return {"host": platform.node(), "cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1), "load_avg_start": os.getloadavg()}


def call(executor, client, request, timeout_s: float = 10.0):
    if not client.wait_for_service(timeout_sec=timeout_s):
        raise RuntimeError(f"{client.srv_name} not available")
    future = client.call_async(request)
    deadline = time.monotonic() + timeout_s
    while not future.done() and time.monotonic() < deadline:
        executor.spin_once(timeout_sec=0.05)
    return future.result()


def growth(samples: dict, start_min: float) -> dict:
    """Per node: mean RSS over the minute from `start_min` and over the last minute; growth in %."""
    t = np.array(samples["t"]) / 60.0
    out = {}
    for name, rss in samples["rss_mb"].items():
        rss = np.array(rss, dtype=float)
        ok = np.isfinite(rss)
        early = rss[ok & (t >= start_min) & (t < start_min + 1.0)]
        late = rss[ok & (t >= t[-1] - 1.0)]
        cpu = np.array(samples["cpu_percent"][name], dtype=float)
        out[name] = {"rss_start_mb": round(float(early.mean()), 1), "rss_end_mb": round(float(late.mean()), 1),
                     "growth_pct": round(100.0 * (late.mean() - early.mean()) / early.mean(), 2),
                     "cpu_mean_pct": round(float(np.nanmean(cpu[1:])), 1)}
    return out


def plot(samples: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = np.array(samples["t"]) / 60.0
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for name in samples["rss_mb"]:
        top.plot(t, samples["rss_mb"][name], label=name)
        bottom.plot(t, samples["cpu_percent"][name], label=name, lw=0.8)
    top.axvline(GROWTH_FROM_MIN, color="k", ls=":", lw=0.8)
    top.set_ylabel("RSS, MB")
    top.set_title(title)
    top.legend(fontsize=7, ncol=2)
    bottom.set_ylabel("CPU, % of one core")
    bottom.set_xlabel("wall time, min")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def soak(minutes: float, period_s: float, logs: Path, seed: int) -> dict:
    init_runner_ros()
    driver = SoakDriver()
    executor = SingleThreadedExecutor()
    executor.add_node(driver)
    options = StackOptions(realtime=True, seed=seed, record_video=False)
    rules = GoalRules()
    samples: dict = {"t": [], "rss_mb": {}, "cpu_percent": {}}
    episodes, stack = [], None
    try:
        stack, crashes = bring_up(options, logs, driver, executor)
        if crashes:
            raise RuntimeError("\n".join(crashes))
        start = last_sample = time.monotonic()
        arena = episode_arena(options)
        handles: dict[int, psutil.Process] = {}
        while time.monotonic() - start < minutes * 60.0:
            executor.spin_once(timeout_sec=0.05)
            fatal = stack.supervise()
            if fatal:
                raise RuntimeError("\n".join(fatal))
            now = time.monotonic()
            if driver.pose is not None and driver.episode_start is None:  # the new arena's first reading
                driver.goal_pub.publish(goal_message(arena.goal_xy))
                driver.episode_start = driver.pose[0]
                driver.start_tilt = 0.0
            if driver.pose is not None and driver.episode_start is not None:
                t, pos, quat = driver.pose
                ended = episode_end(t - driver.episode_start, pos, quat, arena.goal_xy, rules)
                if ended:
                    episodes.append({"seed": options.seed, "ended_by": ended,
                                     "sim_s": round(t - driver.episode_start, 2),
                                     "wall_min": round((now - start) / 60.0, 2),
                                     "start_tilt_deg": round(float(np.degrees(driver.start_tilt)), 1)})
                    log.info("episode %d (seed %d) ended by %s", len(episodes), options.seed, ended)
                    options = StackOptions(realtime=True, seed=options.seed + 1, record_video=False)
                    arena = episode_arena(options)
                    call(executor, driver.set_sim, SetParameters.Request(
                        parameters=[Parameter("seed", value=options.seed).to_parameter_msg()]))
                    # The gait stands before the body is put back (no stride carries over) and again after
                    # (nothing it began from the old body's last readings goes on).
                    call(executor, driver.reset_gait, Trigger.Request())
                    call(executor, driver.reset_sim, Trigger.Request())
                    call(executor, driver.reset_gait, Trigger.Request())
                    call(executor, driver.reset_stop, Trigger.Request())
                    driver.ignore_until, driver.pose, driver.episode_start = t, None, None
            if now - last_sample >= period_s:
                last_sample = now
                sample(stack, handles, samples, now - start)
    finally:
        if stack is not None:
            stack.shutdown(spin=lambda: executor.spin_once(timeout_sec=0.02))
        executor.shutdown()
        driver.destroy_node()
        rclpy.try_shutdown()
    return {"samples": samples, "episodes": episodes, "respawns": dict(stack.respawns) if stack else {}}


def sample(stack, handles: dict[int, psutil.Process], samples: dict, t: float) -> None:
    """RSS and CPU of every node's current process (a respawned node is a new process under the same name)."""
    samples["t"].append(round(t, 1))
    n = len(samples["t"])
    for proc in stack.processes:
        if proc.popen.poll() is not None:
            continue
        name, pid = proc.node.name, proc.popen.pid
        if pid not in handles:
            handles[pid] = psutil.Process(pid)
            handles[pid].cpu_percent(None)  # starts the CPU-time interval
        h = handles[pid]
        try:
            rss, cpu = h.memory_info().rss / 2**20, h.cpu_percent(None)
        except psutil.NoSuchProcess:
            continue
        for key, value in (("rss_mb", round(rss, 1)), ("cpu_percent", round(cpu, 1))):
            series = samples[key].setdefault(name, [])
            series.extend([None] * (n - 1 - len(series)))  # a node seen late (the body starts last)
            series.append(value)


def episodes_summary(episodes: list[dict]) -> dict:
    """How the episodes ended, and how many started tilted past the guardrail's tilt clamp (plain ints)."""
    limit_deg = float(np.degrees(START_TILT_RAD))
    return {"episodes": len(episodes),
            **{why: sum(1 for e in episodes if e["ended_by"] == why) for why in ("success", "fall", "time_limit")},
            f"started_tilted_{START_TILT_RAD}_rad": sum(1 for e in episodes if e["start_tilt_deg"] >= limit_deg),
            "start_tilt_deg_max": max((e["start_tilt_deg"] for e in episodes), default=None)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0,
                        help=f"wall minutes, more than {GROWTH_FROM_MIN + 1:.0f}: growth is measured from minute "
                             f"{GROWTH_FROM_MIN:.0f} to the last minute")
    parser.add_argument("--period", type=float, default=5.0, help="wall seconds between samples")
    parser.add_argument("--seed", type=int, default=0, help="first arena seed (then +1 per episode)")
    parser.add_argument("--out", type=Path, default=Path("docs/soak"))
    parser.add_argument("--logs", type=Path, default=Path("/tmp/lecun_agent_soak_logs"), help="node logs")
    parser.add_argument("--name", default=None, help="file name under --out, without suffix (default: the date)")
    args = parser.parse_args()
    if args.minutes <= GROWTH_FROM_MIN + 1.0:  # no minute to compare the last one with: the growth would be NaN
        parser.error(f"--minutes {args.minutes:g}: a soak must run more than {GROWTH_FROM_MIN + 1:.0f} minutes")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    date = datetime.datetime.now().strftime("%Y-%m-%d")
    info = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
            "minutes": args.minutes, "period_s": args.period, "mode": "realtime, lock-step off"}
    wall = time.monotonic()
    result = soak(args.minutes, args.period, args.logs, args.seed)
    info["machine"]["load_avg_end"] = os.getloadavg()
    for name in list(result["samples"]["rss_mb"]):  # pad the tails of nodes that died
        for key in ("rss_mb", "cpu_percent"):
            series = result["samples"][key][name]
            series.extend([None] * (len(result["samples"]["t"]) - len(series)))
    info["summary"] = growth(result["samples"], GROWTH_FROM_MIN)
    info["episodes_summary"] = episodes_summary(result["episodes"])
    info.update(wall_s=round(time.monotonic() - wall), **result)
    path = args.out / f"{args.name or date}.json"
    path.write_text(json.dumps(info, indent=1, default=float))  # a numpy scalar must not cost a 30-minute run
    plot(result["samples"], path.with_suffix(".png"), f"soak {date}, {args.minutes:.0f} min, {platform.node()}")
    print(json.dumps({**info["summary"], "episodes": info["episodes_summary"]}, indent=1))
    print(f"wrote {path} and {path.with_suffix('.png')}")


if __name__ == "__main__":
    main()
