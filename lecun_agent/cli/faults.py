"""`lecun-agent faults`: the fault-injection harness (lecun_agent/faults/), and the table of docs/reliability.md."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from lecun_agent.faults import DEFAULT_AGENT

DOC = Path("docs/reliability.md")


def markers(agent: str) -> tuple[str, str]:
    """The markers around the agent's table in DOC: the default agent's table, or one per other agent."""
    which = "" if agent == DEFAULT_AGENT else f" ({agent} agent)"
    return f"<!-- faults table{which}: begin -->", f"<!-- faults table{which}: end -->"


def add_faults(sub) -> None:
    from lecun_agent.stack.description import AGENTS

    p = sub.add_parser("faults", help="inject faults into lock-step goal episodes (kills, bad streams, stamps, "
                       "floods, NaN, abusive parameters) and tabulate what the guardrail did")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--fast", action="store_true", help="only the fast subset (what the default tests run)")
    which.add_argument("--only", nargs="+", metavar="FAULT", help="these faults, by name (see --list)")
    which.add_argument("--list", action="store_true", help="list the faults and exit")
    which.add_argument("--rejudge", action="store_true", help="no episodes: rebuild the rows and the table from "
                       "what a finished run in --out recorded (after a change to the verdict)")
    which.add_argument("--resume", action="store_true", help="go on with a run in --out that stopped (Ctrl-C, a "
                       "hung middleware): keep the rows in its rows.jsonl and run only the faults without one")
    p.add_argument("--agent", choices=tuple(AGENTS), default=DEFAULT_AGENT, help="the agent that drives the "
                   "stack (the default, the straight line, publishes no plans, so the injected plans are the "
                   "only ones; a planning agent's table has no injected plans)")
    p.add_argument("--out", type=Path, default=Path("faults_run"), help="episodes, rows (rows.jsonl), table")
    p.add_argument("--default-waits", action="store_true", help="keep the nodes' own lock-step waits (5-15 s) "
                   "instead of the harness's short ones: shows how long a starved wait makes an episode crawl")
    p.add_argument("--write-docs", action="store_true", help=f"put the table into {DOC} (run from the repo root)")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from lecun_agent.faults.catalog import FAST, by_name, faults_for
    from lecun_agent.faults.harness import judge, run_faults, table

    every_fault = faults_for(args.agent)
    if args.list:
        for fault in every_fault:
            print(f"{fault.name}  [{fault.expect}]{'  (fast)' if fault.name in FAST else ''}")
        return 0
    faults = by_name(FAST, args.agent) if args.fast else by_name(args.only, args.agent) if args.only else every_fault
    isolate()
    args.out.mkdir(parents=True, exist_ok=True)
    rows_path = args.out / "rows.jsonl"
    start = time.monotonic()
    if args.rejudge:
        rows = [judge(f, args.out / f.slug) for f in every_fault if (args.out / f.slug / "fault.json").exists()]
        wall = sum(r["wall_s"] for r in rows)
        rows_path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:
        done = finished_rows(rows_path) if args.resume else {}
        if not args.resume:
            rows_path.write_text("")
        todo = [f for f in faults if f.name not in done]
        if args.resume:
            print(f"resuming {args.out}: {len(faults) - len(todo)} rows kept, {len(todo)} faults to run")
        ran = {r["fault"]: r for r in run_faults(todo, args.out, rows_path, short_waits=not args.default_waits,
                                                 agent=args.agent)}
        rows = [done.get(f.name) or ran[f.name] for f in faults]  # in the catalog's order
        wall = sum(done[f.name]["wall_s"] for f in faults if f.name in done) + time.monotonic() - start
    text = table(rows)
    summary = {"faults": len(rows), "ok": sum(r["ok"] for r in rows), "falls": sum(r["falls"] for r in rows),
               "unsafe_cmds": sum(r["unsafe_cmds"] for r in rows), "wall_s": round(wall),
               "start_retries": sum(r.get("start_retries", 0) for r in rows)}
    (args.out / "table.md").write_text(text + "\n")
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(text)
    print(json.dumps(summary))
    if args.write_docs:
        write_table(DOC, text, summary, args.agent)
        print(f"wrote the table into {DOC}")
    return 0 if summary["ok"] == summary["faults"] else 1


def finished_rows(rows_path: Path) -> dict[str, dict]:
    """The rows a run wrote so far (rows.jsonl, one per finished fault), by fault name; {} without the file.
    A line cut short by a crash is left out: that fault runs again."""
    if not rows_path.exists():
        return {}
    rows = {}
    for line in rows_path.read_text().splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        rows[row["fault"]] = row
    return rows


def isolate() -> None:
    """The harness kills nodes and publishes garbage: it must never reach another graph (a real robot's).
    Its own ROS domain (claimed from eval's range, held until the process ends) and discovery on this
    machine only."""
    from lecun_agent.stack.ros_domain import EPISODE_DOMAINS, DomainClaim

    os.environ["ROS_DOMAIN_ID"] = str(DomainClaim(EPISODE_DOMAINS).domain)  # never released: the process's own
    os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
    print(f"fault harness on ROS_DOMAIN_ID={os.environ['ROS_DOMAIN_ID']}, discovery on localhost only")


def write_table(doc: Path, text: str, summary: dict, agent: str) -> None:
    """Replace the agent's table between its markers in `doc`, with the run's date and wall time under it."""
    begin, end = markers(agent)
    command = "lecun-agent faults" + ("" if agent == DEFAULT_AGENT else f" --agent {agent}")
    retries = summary.get("start_retries", 0)
    stamp = (f"\n\n{summary['ok']}/{summary['faults']} faults as they must be; produced by `{command} "
             f"--write-docs` on {time.strftime('%Y-%m-%d')} in {summary['wall_s'] / 60:.0f} min of wall time"
             + (f"; {retries} run(s) started again, the robot not heard walking before the fault" if retries else "")
             + ".")
    body = doc.read_text()
    new, n = re.subn(re.escape(begin) + ".*?" + re.escape(end), f"{begin}\n{text}{stamp}\n{end}", body, flags=re.S)
    if n != 1:
        raise ValueError(f"{doc} has no '{begin}' ... '{end}' block")
    doc.write_text(new)
