"""`lecun-agent bench`: speed, scale and competence in one run -> results.json, results.md, PNG plots."""

from __future__ import annotations

import functools
import importlib
import json
import logging
import subprocess
import time
import traceback
from pathlib import Path

log = logging.getLogger(__name__)
# results.json key -> the module under lecun_agent/bench/ that measures it, in running order (cheap first).
PARTS = {"machine": "machine", "planner": "planner", "sim_rtf": "sim_speed", "learning": "learning",
         "stack": "stack", "scaling": "scaling", "competence": "competence"}


def add_bench(sub) -> None:
    p = sub.add_parser("bench", help="benchmarks: planner against peers, the stack in real time, sim speed, "
                       "learning, competence and scaling; writes DIR/results.json, results.md and plots")
    p.add_argument("--quick", action="store_true", help="the short version (under 10 minutes on 2 cores)")
    p.add_argument("--out", type=Path, help="output folder (required unless --render)")
    p.add_argument("--parts", nargs="+", choices=tuple(PARTS), default=list(PARTS),
                   help="run only these parts; the other parts' results in an existing DIR/results.json are kept")
    p.add_argument("--quality", type=Path, default=None,
                   help="a `benchmarks/bench_world_model.py quality --json` result to carry into `learning`")
    p.add_argument("--render", type=Path, default=None, metavar="RESULTS_JSON",
                   help="measure nothing: rewrite results.md beside this results file (and --readme)")
    p.add_argument("--readme", type=Path, default=None, help="also regenerate this README's bench block")
    p.set_defaults(func=_run_bench)


def _run_bench(args) -> int:
    from lecun_agent.bench import report

    if args.render is not None:
        results_path = args.render
        results = json.loads(results_path.read_text())
    else:
        if args.out is None:
            raise ValueError("--out DIR is required (or --render RESULTS_JSON)")
        results_path = args.out / "results.json"
        results = measure(args.parts, args.quick, args.out, args.quality)
    (results_path.parent / "results.md").write_text(report.results_md(results))
    if args.readme is not None:
        report.update_readme(args.readme, results, str(results_path))
    failed = [k for k, v in results.items() if isinstance(v, dict) and "error" in v]
    print(f"results: {results_path} and {results_path.parent / 'results.md'}"
          + (f"; FAILED parts: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def measure(parts: list[str], quick: bool, out: Path, quality: Path | None) -> dict:
    """Run the parts in order; results.json is rewritten after each one, so a crash keeps what finished.

    A results.json already in `out` keeps the parts not run now (re-measuring one part never loses the
    others); `measured` says when, at which commit and on which CPU each part was last measured."""
    from lecun_agent.bench.machine import utc_now
    from lecun_agent.bench.plain_json import plain_json

    out.mkdir(parents=True, exist_ok=True)
    existing = out / "results.json"
    results: dict = json.loads(existing.read_text()) if existing.exists() else {}
    results.setdefault("durations_s", {}).pop("total", None)
    measured = results.setdefault("measured", {})
    last_machine = results.get("machine", {})
    for key in PARTS:  # a file from before `measured` existed: its parts date from its machine part
        if key in results and key not in measured:
            measured[key] = {"date": last_machine.get("date", "?"), "commit": "?"}
        if key in measured:  # measured before the CPU was recorded per part: on the file's last machine
            measured[key].setdefault("cpu", last_machine.get("cpu", "?"))
    start = time.monotonic()
    for key in [k for k in PARTS if k in parts or k == "machine"]:
        log.info("bench: %s", key)
        t0, commit = time.monotonic(), _commit(out)  # the code that runs, not what the tree holds when it ends
        try:
            module = importlib.import_module(f"lecun_agent.bench.{PARTS[key]}")
            kwargs = {"quality": quality} if key == "learning" else {}
            results[key] = plain_json(module.run(quick, out, **kwargs))  # valid JSON whatever a part returns
        except Exception as err:  # noqa: BLE001  one broken part must not lose the others' numbers
            log.error("bench part %s failed:\n%s", key, traceback.format_exc())
            results[key] = {"error": f"{type(err).__name__}: {err}"}
        results["durations_s"][key] = round(time.monotonic() - t0, 1)
        measured[key] = {"date": utc_now(), "commit": commit, "cpu": results.get("machine", {}).get("cpu", "?")}
        if set(parts) >= set(PARTS) - {"machine"}:
            results["durations_s"]["total"] = round(time.monotonic() - start, 1)
        existing.write_text(json.dumps(results, indent=2) + "\n")
    return results


def _commit(out: Path) -> str:
    """The checkout's commit (with '+changes' when the tree is dirty outside `out`, where the bench
    writes its own results), or '?' outside a git checkout."""
    try:
        run = functools.partial(subprocess.run, capture_output=True, text=True, timeout=10, check=True)
        head = run(["git", "rev-parse", "--short", "HEAD"]).stdout.strip()
        top = Path(run(["git", "rev-parse", "--show-toplevel"]).stdout.strip()).resolve()
        own = out.resolve()
        exclude = [f":(exclude){own.relative_to(top)}"] if own.is_relative_to(top) and own != top else []
        dirty = run(["git", "status", "--porcelain", "--untracked-files=no", "--", str(top), *exclude],
                    cwd=top).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"
    return head + ("+changes" if dirty else "")
