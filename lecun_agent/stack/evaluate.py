"""`lecun-agent eval`: N seeded goal episodes through the ROS stack, in parallel, scored and tabled.

Each episode is one `lecun-agent sim` process (the same nodes `ros2 launch` starts, in
lock-step unless --realtime) in a ROS domain of its own, so parallel workers never see each
other's topics. Each finished episode's row is appended to `<json>l` (JSON lines) at once, so
an interrupted eval keeps every row it finished; the summary (`<json>`) and a markdown table
(`<json>` with .md) are written from the rows at the end, or at the interruption.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from lecun_agent.paths import result_sibling
from lecun_agent.stack.exit_codes import REFUSED_START, StartRefused
from lecun_agent.stack.ros_domain import EPISODE_DOMAINS, DomainClaim, passed_on

log = logging.getLogger(__name__)
ROW_KEYS = ("seed", "success", "ended_by", "line_blocked", "falls", "collisions", "time_to_goal_s",
            "energy_per_meter", "mean_power_w", "path_length_m", "final_distance_m", "sim_seconds",
            "guardrail_interventions", "sync_timeouts", "plan_ms_p50", "plan_ms_p99", "deadline_misses", "detours",
            "plan_vetoes", "vetoes_then_fall", "checkpoint", "wall_s")
TEARDOWN_GRACE_S = 60.0  # s an episode process may take to exit after writing its metrics
# `lecun-agent sim`'s exit status when the episode did not start (EX_TEMPFAIL: nothing ran, try again).
NOT_STARTED_EXIT = 75
# The row of an episode whose stack refused its parameters: the eval stops there, since every episode would be.
REFUSED_ROW = "error (refused to start)"
# The row of an episode that stopped before success, a fall or its time limit (its metrics cover part of one).
STOPPED_EARLY_ROW = "error (stopped before an ending)"
START_ATTEMPTS = 3  # an episode that did not start (a node crashed before the first step) is started this often


def stopped_early(metrics: dict[str, Any]) -> bool:
    """A goal episode's metrics that cover part of one: it stopped before success, a fall or its time limit
    (a program's metrics have no ending)."""
    return "ended_by" in metrics and metrics["ended_by"] is None


def result_paths(json_path: Path) -> tuple[Path, Path, Path, Path]:
    """`--json F` (F.json or F) -> the summary F.json, the rows F.jsonl, the table F.md and the episodes'
    folder F (paths.result_sibling: `energy_0.005` keeps its `.005`, and the summary is never the episodes'
    folder)."""
    return tuple(result_sibling(Path(json_path), ext) for ext in (".json", ".jsonl", ".md", ""))


def _loaded_checkpoint(rows: list[dict[str, Any]]) -> str | None:
    """The world model the episodes loaded, as their metrics name it ("default": the shipped one); None when no
    episode ran or none loads one."""
    loaded = sorted({row["checkpoint"] for row in rows if row.get("checkpoint")})
    return ", ".join(loaded) or None


def run_eval(agent: str, episodes: int, seed_start: int, workers: int, video: int, json_path: Path,
             realtime: bool = False, extra: tuple[str, ...] = (), weights: dict[str, float] | None = None,
             arena: str = "", profile: str = "", checkpoint: str = "") -> dict[str, Any]:
    """Run the episodes; -> the summary (also written to json_path). KeyboardInterrupt keeps finished rows.
    `weights` (`weights.<term>` -> value) are set on each episode's cost_node (`lecun-agent sim --weights`);
    `arena` is the sim's layout (`lecun-agent sim --arena`; empty: the goal arena); `profile` is overlaid on
    every node's parameters (`lecun-agent sim --profile`: another arena's sizes, the agent's settings);
    `checkpoint` is the world model of every episode (`lecun-agent sim --checkpoint`; empty: the shipped one, or
    the profile's)."""
    weights = weights or {}
    if arena:
        extra = (*extra, "--arena", arena)
    if profile:
        extra = (*extra, "--profile", profile)
    if checkpoint:
        extra = (*extra, "--checkpoint", checkpoint)
    if weights:
        extra = (*extra, "--weights", *(f"{k.removeprefix('weights.')}={v!r}" for k, v in weights.items()))
    json_path, rows_path, table_path, run_dir = result_paths(json_path)
    rows_path.write_text("")
    seeds, rows, lock = list(range(seed_start, seed_start + episodes)), [], threading.Lock()
    claims: list[DomainClaim] = []  # a ROS domain of its own for each worker, for the whole eval (ros_domain.py)
    free_slots = list(range(min(workers, episodes)))  # no more at once than there are episodes
    procs: dict[int, subprocess.Popen] = {}
    start = time.monotonic()

    stopping = threading.Event()  # a refusal or Ctrl-C: episodes not yet begun are not begun

    def one(index: int, seed: int) -> dict[str, Any] | None:
        if stopping.is_set():
            return None
        with lock:
            slot = free_slots.pop()
        try:
            row = _episode(agent, seed, run_dir / f"seed_{seed:06d}", index < video, realtime, extra,
                           claims[slot].domain, procs)
            if row["ended_by"] == REFUSED_ROW:  # every other episode would be refused too
                stopping.set()
            return row
        finally:
            with lock:
                free_slots.append(slot)

    interrupted, refusal = False, None
    with (ExitStack() as held, ThreadPoolExecutor(workers) as pool,  # the claims are released last
          tqdm(total=episodes, desc=f"eval {agent}", unit="ep") as bar):
        claims.extend(held.enter_context(DomainClaim(EPISODE_DOMAINS)) for _ in free_slots)
        pending = {pool.submit(one, i, s) for i, s in enumerate(seeds)}
        try:
            while pending and refusal is None:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    row = future.result()
                    if row is None:  # not begun: the eval is stopping
                        continue
                    rows.append(row)
                    with rows_path.open("a") as f:
                        f.write(json.dumps(row) + "\n")
                    bar.update(1)
                    bar.set_postfix(success=f"{np.mean([r['success'] for r in rows]):.2f}")
                    if row["ended_by"] == REFUSED_ROW and refusal is None:
                        refusal = StartRefused(f"seed {row['seed']}: {row['error']}")
                        log.error("seed %d's episode refused to start (its input, or a node's parameters): stopping "
                                  "the eval, since every episode would be refused too", row["seed"])
                        _stop(pending, procs, stopping)
        except KeyboardInterrupt:
            interrupted = True
            log.warning("interrupted: stopping the running episodes; %d finished rows kept in %s", len(rows),
                        rows_path)
            _stop(pending, procs, stopping)
    rows.sort(key=lambda r: r["seed"])
    summary = summarize(agent, rows, realtime)
    summary.update(wall_s=round(time.monotonic() - start, 1), workers=workers, interrupted=interrupted,
                   episodes_requested=episodes, seed_start=seed_start, weights_set=weights, arena=arena or "goal",
                   profile=profile, checkpoint=_loaded_checkpoint(rows))
    json_path.write_text(json.dumps(summary, indent=2))
    table_path.write_text(markdown_table(summary))
    if interrupted:
        raise KeyboardInterrupt
    if refusal is not None:
        raise refusal
    return summary


def _stop(pending: set, procs: dict[int, subprocess.Popen], stopping: threading.Event) -> None:
    """Begin no more episodes and stop the running ones (their rows are not waited for)."""
    stopping.set()
    for future in pending:
        future.cancel()
    for proc in list(procs.values()):
        proc.terminate()


def wait_for_episode(proc: subprocess.Popen, metrics_file: Path, grace_s: float = TEARDOWN_GRACE_S,
                     poll_s: float = 1.0) -> int:
    """The episode process's exit code. A process that wrote its metrics and is still running grace_s
    later is stuck in its teardown (a Fast DDS deadlock destroying a publisher was seen once): it is
    killed and counts as finished (0), since the episode and its results are complete. One that never
    writes them is waited for, as before: how long an episode takes is not the eval's to judge."""
    written_at = None
    while True:
        try:
            return proc.wait(timeout=poll_s)
        except subprocess.TimeoutExpired:
            pass
        if written_at is None and metrics_file.exists():
            written_at = time.monotonic()
        if written_at is not None and time.monotonic() - written_at > grace_s:
            log.warning("%s written, but the episode process (pid %d) did not exit within %.0f s: killed",
                        metrics_file, proc.pid, grace_s)
            proc.kill()
            proc.wait()
            return 0


def _episode(agent: str, seed: int, out: Path, video: bool, realtime: bool, extra: tuple[str, ...], domain: int,
             procs: dict[int, subprocess.Popen]) -> dict[str, Any]:
    """One `lecun-agent sim` process; its metrics as a row (a crashed episode is a failed row, not lost)."""
    cmd = [sys.executable, "-m", "lecun_agent.cli", "sim", "--agent", agent, "--seed", str(seed), "--out", str(out),
           *(["--realtime"] if realtime else []), *([] if video else ["--no-record-video"]), *extra]
    env = {**os.environ, "ROS_DOMAIN_ID": str(domain), "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST"}
    return episode_row(cmd, env, seed, out, procs)


def episode_row(cmd: list[str], env: dict[str, str], seed: int, out: Path,
                procs: dict[int, subprocess.Popen] | None = None) -> dict[str, Any]:
    """Run one episode process (`cmd`, writing out/metrics.json) -> its row. A process that says the episode
    did not start (NOT_STARTED_EXIT: a node crashed before the first sim step, so nothing ran) is started
    again, up to START_ATTEMPTS in all; each failed attempt's episode.log and logs/ are kept beside, renamed
    with `.attempt<k>`, and the row counts the restarts in `start_retries`."""
    out.mkdir(parents=True, exist_ok=True)
    procs = {} if procs is None else procs
    start = time.monotonic()
    metrics_file = out / "metrics.json"
    for attempt in range(1, START_ATTEMPTS + 1):
        metrics_file.unlink(missing_ok=True)  # a result from an earlier run into the same folder is not this one's
        with open(out / "episode.log", "w") as logfile:
            proc = subprocess.Popen(cmd, stdout=logfile, stderr=subprocess.STDOUT, env=env,
                                    pass_fds=passed_on(int(env.get("ROS_DOMAIN_ID", "0"))))
            procs[seed] = proc
            code = wait_for_episode(proc, metrics_file)
            procs.pop(seed, None)
        if code != NOT_STARTED_EXIT or metrics_file.exists() or attempt == START_ATTEMPTS:
            break
        _keep_attempt(out, attempt)
        log.warning("seed %d: the episode did not start (attempt %d of %d; its logs are kept as %s): starting it "
                    "again", seed, attempt, START_ATTEMPTS, out / f"episode.attempt{attempt}.log")
    retries = attempt - 1
    if code != 0 and not metrics_file.exists():
        lines = (out / "episode.log").read_text(errors="replace").splitlines()
        log.error("seed %d: the episode failed (exit %d): %s", seed, code, "\n".join(lines[-5:]))
        ended_by = {NOT_STARTED_EXIT: "error (did not start)", REFUSED_START: REFUSED_ROW}.get(code,
                                                                                               f"error (exit {code})")
        error = next((line for line in reversed(lines) if "error:" in line), lines[-1] if lines else "")
        return {"seed": seed, "success": False, "ended_by": ended_by, "error": error.strip(),
                "start_retries": retries, "wall_s": time.monotonic() - start}
    metrics = json.loads(metrics_file.read_text())
    row = {k: metrics.get(k) for k in ROW_KEYS}
    if stopped_early(metrics):  # `sim` exits 1
        row["ended_by"] = STOPPED_EARLY_ROW
    row.update(seed=seed, wall_s=round(time.monotonic() - start, 1), crashed_nodes=bool(metrics.get("crashed_nodes")),
               start_retries=retries)
    return row


def is_runner_file(name: str) -> bool:
    """Whether `name`, in an episode's folder, is the runner's own (`episode_row`): the episode process's output,
    episode.log, and each failed start's, kept. `sim` writes beside these, and beside nothing else."""
    return re.fullmatch(r"episode(\.attempt\d+)?\.log|logs\.attempt\d+", name) is not None


def _keep_attempt(out: Path, attempt: int) -> None:
    """Rename a failed start's episode.log and logs/ to *.attempt<k>, so the next start does not overwrite them."""
    for name, kept in (("episode.log", f"episode.attempt{attempt}.log"), ("logs", f"logs.attempt{attempt}")):
        if (out / name).exists():
            (out / name).replace(out / kept)


def summarize(agent: str, rows: list[dict[str, Any]], realtime: bool = False) -> dict[str, Any]:
    """The summary keys of the eval interface, from the episode rows."""

    def mean(key: str, subset: list[dict[str, Any]] | None = None) -> float | None:
        values = [r[key] for r in (rows if subset is None else subset) if r.get(key) is not None]
        return float(np.mean(values)) if values else None

    def median(key: str) -> float | None:
        values = [r[key] for r in rows if r.get(key) is not None]
        return float(np.median(values)) if values else None

    def worst(key: str) -> float | None:
        values = [r[key] for r in rows if r.get(key) is not None]
        return float(max(values)) if values else None

    interventions: dict[str, int] = {}
    for r in rows:
        for reason, n in (r.get("guardrail_interventions") or {}).items():
            interventions[reason] = interventions.get(reason, 0) + n
    blocked = [r for r in rows if r.get("line_blocked")]
    free = [r for r in rows if r.get("line_blocked") is False]
    return {
        "agent": agent, "realtime": realtime, "episodes": len(rows),
        "success_rate": mean("success"), "success_rate_blocked": mean("success", blocked) if blocked else None,
        "success_rate_free": mean("success", free) if free else None, "blocked_episodes": len(blocked),
        "falls": int(sum(r.get("falls") or 0 for r in rows)),
        "collisions": int(sum(r.get("collisions") or 0 for r in rows)),
        "mean_time_to_goal_s": mean("time_to_goal_s", [r for r in rows if r.get("success")]),
        "energy_per_meter": mean("energy_per_meter"),
        "mean_power_w": mean("mean_power_w"),
        "guardrail_interventions": dict(sorted(interventions.items())),
        "sync_timeouts": int(sum(r.get("sync_timeouts") or 0 for r in rows)),
        # Plan time: the median of the episodes' medians and the worst of their p99s (wall clock).
        "plan_ms_p50": median("plan_ms_p50"), "plan_ms_p99": worst("plan_ms_p99"),
        "deadline_misses": int(sum(r.get("deadline_misses") or 0 for r in rows)),
        "detours": int(sum(r.get("detours") or 0 for r in rows)),
        "plan_vetoes": int(sum(r.get("plan_vetoes") or 0 for r in rows)),
        "vetoes_then_fall": int(sum(r.get("vetoes_then_fall") or 0 for r in rows)),
        # Episodes started again because a node crashed before their first step (nothing had run).
        "start_retries": int(sum(r.get("start_retries") or 0 for r in rows)),
        # Episodes whose process ended in an error without running (their rows' `error` says why): not failures
        # of the agent, counted here so that a success rate of 0 over episodes that never ran reads as what it is.
        "episodes_failed_to_run": sum(1 for r in rows if str(r.get("ended_by", "")).startswith("error")),
        "episodes_detail": rows,
    }


def fmt(value: Any, digits: int = 2) -> str:
    """A table cell: - for None, yes/no for booleans, `digits` decimals for floats."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def markdown_table(summary: dict[str, Any]) -> str:
    """The summary and one row per episode, as markdown."""
    head = (f"**{summary['agent']}** ({'real time' if summary['realtime'] else 'lock-step'}"
            + (f", profile {Path(summary['profile']).name}" if summary.get("profile") else "")
            + (f", checkpoint {summary['checkpoint']}" if summary.get("checkpoint") not in (None, "default") else "")
            + "), "
            f"{summary['episodes']} episodes: success {fmt(summary['success_rate'])} (blocked line "
            f"{fmt(summary['success_rate_blocked'])}, free {fmt(summary['success_rate_free'])}), falls "
            f"{summary['falls']}, collisions {summary['collisions']}, mean time to goal "
            f"{fmt(summary['mean_time_to_goal_s'], 1)} s, energy {fmt(summary['energy_per_meter'], 1)} J/m "
            f"({fmt(summary['mean_power_w'], 1)} W), "
            f"sync timeouts {summary['sync_timeouts']}"
            + (f", episodes started again {summary['start_retries']}" if summary.get("start_retries") else "")
            + (f", **episodes that did not run {summary['episodes_failed_to_run']}**"
               if summary.get("episodes_failed_to_run") else "")
            + (f", plan time p50/p99 {fmt(summary['plan_ms_p50'], 1)}/{fmt(summary['plan_ms_p99'], 1)} ms (the "
               f"episodes' median p50, the worst episode's p99), deadline "
               f"misses {summary['deadline_misses']}, detours {summary['detours']}, "
               f"plan vetoes {summary['plan_vetoes']} (followed by a fall within "
               f"1 s: {summary['vetoes_then_fall']})" if summary.get("plan_ms_p50") is not None else "") + "\n\n")
    cols = ("seed", "line_blocked", "success", "ended_by", "time_to_goal_s", "collisions", "falls",
            "energy_per_meter", "final_distance_m")
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in summary["episodes_detail"]:
        lines.append("| " + " | ".join(fmt(r.get(c), 1 if c.endswith("_s") else 2) for c in cols) + " |")
    return head + "\n".join(lines) + "\n"
