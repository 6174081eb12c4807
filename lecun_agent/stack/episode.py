"""One simulated episode through ROS: bring the stack up, watch it for a duration, bring it down.

This is `lecun-agent sim`. The nodes run as separate processes exactly as `ros2 launch`
would start them; this process only watches (ground truth, commands) and writes the
episode's metrics, plot and video into the run directory.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from pathlib import Path

import rclpy
from rclpy.executors import SingleThreadedExecutor

from lecun_agent.episodes.metrics import episode_metrics, fallen_flags
from lecun_agent.episodes.report import EPISODE_FILE, EpisodeSeries, cost_table, write_report
from lecun_agent.sim.config import SimConfig

from .bringup import STARTUP_TIMEOUT_S, bring_up, init_runner_ros
from .description import StackOptions
from .episode_monitor import EpisodeMonitor
from .runner import Stack

log = logging.getLogger(__name__)
STALL_TIMEOUT_S = 30.0  # wall seconds without sim progress before giving up


def run_episode(out: Path, options: StackOptions, duration_s: float) -> dict:
    """Run the simulated stack for `duration_s` sim seconds; the metrics (also in out/metrics.json)."""
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    options = replace(options, target="sim", record_dir=str(out))
    crashes: list[str] = []
    stack = None
    init_runner_ros()
    monitor = EpisodeMonitor()
    executor = SingleThreadedExecutor()
    executor.add_node(monitor)
    try:
        stack, crashes = bring_up(options, out / "logs", monitor, executor, lambda: bool(monitor.truth))
        crashes = crashes or _watch(executor, monitor, stack, duration_s)
    except KeyboardInterrupt:
        log.warning("interrupted; stopping the stack")
    finally:
        codes = stack.shutdown() if stack is not None else {}
        data = monitor.trajectory()
        executor.shutdown()
        monitor.destroy_node()
        rclpy.try_shutdown()
    log.info("node exit codes: %s", codes)

    if len(data["t"]) < 2:
        raise RuntimeError(f"the episode produced no ground truth; see the node logs in {out / 'logs'}"
                           + "".join(f"\n{c}" for c in crashes))
    fallen = fallen_flags(data["pos"], data["quat"], SimConfig())
    metrics = episode_metrics(data["t"], data["pos"], data["quat"], fallen).as_dict()
    # Sim time since start (stamps begin at 0), not the span the monitor saw: it may join a
    # few ticks late, when discovery is slower than the lock-stepped sim.
    metrics["sim_seconds"] = float(data["t"][-1])
    metrics.update(program=options.program, seed=options.seed, realtime=options.realtime,
                   crashed_nodes=crashes)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    series = EpisodeSeries(data["t"], data["pos"], data["quat"], *cost_table(data["costs"]))
    series.save(out / EPISODE_FILE)
    write_report(series, out)  # speed_tilt.png, costs.png
    return metrics


def _watch(executor, monitor: EpisodeMonitor, stack: Stack, duration_s: float) -> list[str]:
    """Spin until `duration_s` sim seconds have passed, a node crashes, or the sim stalls."""
    start = last_progress = time.monotonic()
    last_time = -1.0
    while monitor.sim_time < duration_s:
        executor.spin_once(timeout_sec=0.05)
        crashes = stack.crashed()
        if crashes:
            for message in crashes:
                log.error("node crashed: %s", message)
            return crashes
        now = time.monotonic()
        if monitor.sim_time > last_time:
            last_time, last_progress = monitor.sim_time, now
        waited = now - (start if last_time <= 0 else last_progress)
        if waited > (STARTUP_TIMEOUT_S if last_time <= 0 else STALL_TIMEOUT_S):
            message = f"simulation made no progress for {waited:.0f} s (sim time {monitor.sim_time:.2f} s)"
            log.error(message)
            return [message]
    return []


