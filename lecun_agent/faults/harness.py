"""Runs faults, one goal episode each, and turns each into a row of the reliability table.

Every episode is seed SEED (a free line to a goal ~3.4 m away, reached in ~7 s when nothing goes
wrong), in lock-step, with one fault from `catalog.py` starting at sim time START_S. A row says what
the guardrail did (reaction time in sim time, from the fault's start to the first zero cmd_vel), what
the robot did (max tilt, falls, collisions, from sim_node's exact log), whether any unsafe command
reached cmd_vel (`verdict.py`), whether the agent walked again after the fault cleared, and whether
the row is what the stack must do (`ok`).
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from lecun_agent.episodes.goal import GoalRules
from lecun_agent.sim.episode_log import load_truth
from lecun_agent.stack.description import StackOptions
from lecun_agent.stack.episode import EpisodeNotStarted, episode_arena, run_episode
from lecun_agent.stack.evaluate import NOT_STARTED_EXIT, TEARDOWN_GRACE_S, wait_for_episode
from lecun_agent.stack.ros_domain import passed_on

from . import DEFAULT_AGENT
from .catalog import Fault
from .injector import FaultInjector
from .observer import timeouts
from .verdict import Observations, verdict

log = logging.getLogger(__name__)
SEED = 2
TIME_LIMIT_S = 15.0  # sim s: a stop of a few seconds still leaves time to reach the goal
# Lock-step holds the sim at every control step until cost_node has answered its reading, so a stop
# due between ticks reaches cmd_vel at that reading. The slack allows one agent tick more for a stop
# that a timed-out wait delayed (a stream to cost_node that died: the gait waits for its answer once,
# then steps on without it until cost_node answers again). No new moving command goes out in that
# slack (the unsafe count checks it).
LOCKSTEP_SLACK_S = 0.1
START_ATTEMPTS = 3  # a run whose robot never walked before the fault is started this often in all


def run_fault(fault: Fault, out: Path, short_waits: bool = True, agent: str = DEFAULT_AGENT) -> dict:
    """One episode with `fault`, the stack driven by `agent`; -> its row (also out/fault.json, with
    out/observations.json). The fault must come from `catalog.faults_for(agent)`, which names the
    agent's node among a topic's readers.

    A run in which the harness did not hear the robot walking before the fault started tested nothing it
    can judge: the stack never got going (a relay that heard nothing of its topic in the whole episode:
    a DDS match that came late or never), or the harness heard the commands late. So is one that did not
    start at all (a node that crashed before the first step: cost_node died of a SIGSEGV in its start-up
    once, on two cores busy with an eval, and that ended the whole table). Either is started again, up to
    START_ATTEMPTS in all, each such attempt's folder kept beside as `<folder>.attempt<k>`; the row
    counts the restarts in `start_retries`, and a start that fails every time is raised.

    short_waits: the harness's lock-step waits (injector.SYNC_TIMEOUTS_S), else the nodes' defaults.
    """
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            row = _run_once(fault, out, short_waits, agent, retries=attempt - 1)
        except EpisodeNotStarted as err:
            if attempt == START_ATTEMPTS:
                raise
            why = str(err)
        else:
            if row["walked_before_fault"] or attempt == START_ATTEMPTS:
                break
            why = "the robot never walked before the fault"
        kept = out.with_name(f"{out.name}.attempt{attempt}")
        shutil.rmtree(kept, ignore_errors=True)
        if out.exists():
            out.rename(kept)
        log.warning("%s: %s (attempt %d of %d, kept as %s): starting it again", fault.name, why, attempt,
                    START_ATTEMPTS, kept)
    return row


def _run_once(fault: Fault, out: Path, short_waits: bool, agent: str, retries: int) -> dict:
    """One attempt, its episode in a process of its own (`faults/row.py`) -> its row, judged here from the files
    it wrote. The harness's own node (the injector's relays and observer) lives in that process: twice a Fast
    DDS deadlock destroying one of its publishers at an episode's end hung the whole run (docs/reliability.md).
    A process that wrote its row's files and is still running TEARDOWN_GRACE_S later is killed, as the eval
    kills such an episode process; one that has not written them is waited for."""
    out.mkdir(parents=True, exist_ok=True)
    done = out / "fault.json"  # written last
    done.unlink(missing_ok=True)  # an earlier run's result in the same folder is not this one's
    cmd = [sys.executable, "-m", "lecun_agent.faults.row", fault.name, str(out), agent, str(retries),
           *([] if short_waits else ["--default-waits"])]
    proc = subprocess.Popen(cmd, pass_fds=passed_on())  # the row's episode keeps the harness's domain claimed
    try:
        code = wait_for_episode(proc, done, grace_s=TEARDOWN_GRACE_S)
    except KeyboardInterrupt:  # Ctrl-C reached the row's process too: let it end its episode, then stop
        try:
            proc.wait(timeout=TEARDOWN_GRACE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
        raise
    if code == NOT_STARTED_EXIT:
        raise EpisodeNotStarted(f"{fault.name}: the episode did not start (its process said why above)")
    if code != 0 or not done.exists():
        raise RuntimeError(f"{fault.name}: the row's process ({' '.join(cmd)}) exited with code {code}")
    return judge(fault, out)


def record_episode(fault: Fault, out: Path, short_waits: bool, agent: str, retries: int) -> None:
    """Run the fault's episode (out/metrics.json and the stack's logs) and write what the harness saw
    (out/observations.json, then out/fault.json); `judge` makes the row from them."""
    # The default, the straight-line agent, publishes no plans: the harness's plan faults are then the
    # only plans the guardrail sees, and a fault's effect is never mixed with a planner's choices. The
    # full agent's table shows the same faults reaching the actor (docs/reliability.md).
    options = StackOptions(seed=SEED, record_video=False, agent=agent)
    injector = FaultInjector(fault, episode_arena(options).goal_xy, short_waits)
    wall = time.monotonic()
    run_episode(out, options, rules=GoalRules(time_limit_s=TIME_LIMIT_S), hooks=injector)  # -> metrics.json
    wall = time.monotonic() - wall
    obs = injector.observer.obs
    if injector.ended_wall is not None:  # the harness ended it: the shutdown's final zero is no reaction
        obs.cmds = [c for c in obs.cmds if c[0] < injector.ended_wall]
    (out / "observations.json").write_text(json.dumps(asdict(obs)))
    run = {"start_s": injector.fault_start(), "cleared_s": injector.cleared, "wall_s": round(wall, 1),
           "params": injector.abuse, "kill_wall": injector.kill_wall, "start_retries": retries}
    (out / "fault.json").write_text(json.dumps({"fault": asdict(fault), "run": run}, indent=1))


def sim_clock(out: Path) -> list[tuple[float, float]]:
    """(wall s, sim s) of every control step, from sim_node's own log (truth.npz), or [] for an episode
    logged before it kept the system clock. The harness's /clock subscription can match after the sim
    has already run a second or two (discovery on a busy machine; a lock-step sim does not wait for
    observers), and what it heard before its first /clock could not be placed in sim time."""
    try:
        truth = load_truth(out)
    except FileNotFoundError:
        return []
    if "wall_epoch_s" not in truth:
        return []
    return list(zip(truth["wall_epoch_s"].tolist(), truth["t"].tolist(), strict=True))


def judge(fault: Fault, out: Path) -> dict:
    """The row of a finished episode, from what it recorded (out/fault.json, observations.json, metrics.json):
    `lecun-agent faults --rejudge` reruns this on a finished run."""
    saved = json.loads((out / "fault.json").read_text())
    run = saved.get("run") or saved["row"]  # "row": runs recorded before the rows were rebuilt from files
    metrics = json.loads((out / "metrics.json").read_text())
    obs = Observations.from_json(json.loads((out / "observations.json").read_text()))
    steps = sim_clock(out)
    obs.clock = steps or obs.clock
    start, cleared = run["start_s"], run["cleared_s"]
    if steps and run.get("kill_wall") is not None:  # when the kill went out, on the sim's own clock
        start = obs.sim_at(run["kill_wall"])
    v = verdict(obs, start, cleared, timeouts())
    row = {"fault": fault.name, "kind": fault.kind, "expect": fault.expect, "note": fault.note,
           "start_s": round(start, 3), "cleared_s": None if cleared is None else round(cleared, 3),
           **v, "max_tilt_deg": round(metrics["max_tilt_deg"], 2), "falls": metrics["falls"],
           "collisions": metrics["collisions"], "ended_by": metrics["ended_by"],
           "sim_s": round(metrics["sim_seconds"], 2), "wall_s": run["wall_s"],
           "crashed_nodes": [c.split(" ", 1)[0] for c in metrics["crashed_nodes"]],
           "interrupted": metrics["interrupted"],
           "respawns": metrics["respawns"], "sync_timeouts": metrics["sync_timeouts"], "params": run["params"],
           "walked_before_fault": any(moving and obs.sim_at(wall) < start for wall, _, moving in obs.cmds),
           "start_retries": run.get("start_retries", 0)}
    row["recovered"] = recovered(fault, row)
    row["ok"] = judged_ok(fault, row)
    return row


def recovered(fault: Fault, row: dict) -> str:
    if fault.expect == "stack":
        return "no, by design: the stack stops" if fault.node in row["crashed_nodes"] else "NO: the stack kept running"
    if row["resumed_s"] is None:
        return "yes: reached the goal before it cleared" if _carried_on(fault, row) else "no"
    if not row["stopped"]:
        return "yes (never stopped)"
    return f"yes, {row['resumed_s']:.2f} s after it cleared"


def _carried_on(fault: Fault, row: dict) -> bool:
    """A fault that needs no stop (a killed node the agent does not use) and an episode that ended at the
    goal before the node was back: nothing to resume (the stop that the row saw is the rest at the goal)."""
    return fault.expect == "none" and row["ended_by"] == "success"


def judged_ok(fault: Fault, row: dict) -> bool:
    """What the stack must do: never fall, never pass an unsafe command, stop when it must, walk again."""
    if row["falls"] or row["unsafe_cmds"]:
        return False
    if fault.expect == "stack":
        return fault.node in row["crashed_nodes"]
    if row["crashed_nodes"] or (row["resumed_s"] is None and not _carried_on(fault, row)):
        return False
    if row["bound_s"] is not None and not row["stopped"]:  # a source went bad: it had to stop
        return False
    if row["bound_s"] is not None and row["reaction_s"] > row["bound_s"] + LOCKSTEP_SLACK_S + 1e-6:
        return False  # later than the rule allows, even granting the lock-step's slack
    if fault.kind == "params":
        return all(not r["accepted"] and not r["changed"] and r["atomic_refused"] for r in row["params"].values())
    return True


def run_faults(faults: list[Fault], out: Path, rows_path: Path | None = None, short_waits: bool = True,
               agent: str = DEFAULT_AGENT) -> list[dict]:
    """Each fault in turn (its episode under out/<slug>); rows appended to `rows_path` as they finish."""
    rows = []
    for i, fault in enumerate(faults):
        log.info("fault %d/%d: %s", i + 1, len(faults), fault.name)
        row = run_fault(fault, out / fault.slug, short_waits, agent)
        if row["interrupted"]:
            raise KeyboardInterrupt
        rows.append(row)
        log.info("%s: %s", fault.name, {k: row[k] for k in ("reaction_s", "unsafe_cmds", "recovered", "ok")})
        if rows_path is not None:
            with rows_path.open("a") as f:
                f.write(json.dumps(row) + "\n")
    return rows


def _s(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def table(rows: list[dict]) -> str:
    """The markdown table of docs/reliability.md."""
    lines = ["| fault | must | reaction, sim s (bound) | max tilt ° | falls | collisions | unsafe cmds | "
             "recovered | ok | wall s |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["kind"] == "params":
            sent = sum(p["sent"] for p in r["params"].values())
            refused = sum(p["refused"] for p in r["params"].values())
            reaction = f"refused {refused}/{sent}, none changed" if not any(
                p["changed"] for p in r["params"].values()) else f"refused {refused}/{sent}, CHANGED"
        elif r["reaction_s"] is None:
            reaction = "no stop" if r["expect"] != "stack" else "no output (cost_node dead)"
        else:
            reaction = f"{_s(r['reaction_s'])} ({_s(r['bound_s'])})"
        lines.append(f"| {r['fault']} | {r['expect']} | {reaction} | {r['max_tilt_deg']:.1f} | {r['falls']} | "
                     f"{r['collisions']} | {r['unsafe_cmds']} | {r['recovered']} | {'yes' if r['ok'] else 'NO'} | "
                     f"{r['wall_s']:.0f} |")
    return "\n".join(lines)
