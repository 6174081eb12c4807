"""Energy per metre, mean power and time to goal of `lecun-agent eval` runs, on the seeds every run reached.

    python benchmarks/paired_energy.py 0.005=docs/eval/energy_0.005.jsonl 0.01=docs/eval/energy_0.01.jsonl ...

An eval summary's energy per metre averages the episodes each run happened to finish, so a run
that fails a costly blocked seed looks cheaper. This compares the runs on the same episodes: the
seeds every run reached, free-line and blocked-line apart. Mean power is each episode's energy over
its time, averaged over the seeds: what `weights.energy` prices per plan step.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path


def rows(path: Path) -> dict[int, dict]:
    return {r["seed"]: r for r in map(json.loads, path.read_text().splitlines())}


def power_w(row: dict) -> float:
    """W: the row's mean_power_w, or for rows written before it, its energy (J/m x path) over its sim time."""
    if row.get("mean_power_w") is not None:
        return row["mean_power_w"]
    return row["energy_per_meter"] * row["path_length_m"] / row["sim_seconds"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", metavar="NAME=ROWS.jsonl", help="an eval's per-episode rows (<json>l)")
    args = p.parse_args()
    runs = {name: rows(Path(path)) for name, path in (item.split("=", 1) for item in args.runs)}
    first = next(iter(runs.values()))
    groups = (("free line", lambda r: not r["line_blocked"]), ("blocked line", lambda r: r["line_blocked"]),
              ("all", lambda r: True))
    for group, keep in groups:
        seeds = [s for s, r in first.items() if keep(r) and all(run.get(s, {}).get("success") for run in runs.values())]
        if not seeds:
            print(f"{group}: no seed reached in every run")
            continue
        parts = [f"{name}: {statistics.mean(run[s]['energy_per_meter'] for s in seeds):.1f} J/m, "
                 f"{statistics.mean(power_w(run[s]) for s in seeds):.1f} W, "
                 f"{statistics.mean(run[s]['time_to_goal_s'] for s in seeds):.2f} s" for name, run in runs.items()]
        print(f"{group}, {len(seeds)} seeds reached in every run: " + "; ".join(parts))


if __name__ == "__main__":
    main()
