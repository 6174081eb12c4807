"""`lecun-agent bench`: speed, scale and competence in one run -> results.json, results.md, PNG plots."""

from __future__ import annotations

import importlib
import json
import logging
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
    p.add_argument("--parts", nargs="+", choices=tuple(PARTS), default=list(PARTS), help="run only these parts")
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
    """Run the parts in order; results.json is rewritten after each one, so a crash keeps what finished."""
    from lecun_agent.bench.plain_json import plain_json

    out.mkdir(parents=True, exist_ok=True)
    results: dict = {"durations_s": {}}
    start = time.monotonic()
    for key in [k for k in PARTS if k in parts or k == "machine"]:
        log.info("bench: %s", key)
        t0 = time.monotonic()
        try:
            module = importlib.import_module(f"lecun_agent.bench.{PARTS[key]}")
            kwargs = {"quality": quality} if key == "learning" else {}
            results[key] = plain_json(module.run(quick, out, **kwargs))  # valid JSON whatever a part returns
        except Exception as err:  # noqa: BLE001  one broken part must not lose the others' numbers
            log.error("bench part %s failed:\n%s", key, traceback.format_exc())
            results[key] = {"error": f"{type(err).__name__}: {err}"}
        results["durations_s"][key] = round(time.monotonic() - t0, 1)
        results["durations_s"]["total"] = round(time.monotonic() - start, 1)
        (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return results
