"""One fault's episode in a process of its own, as the harness starts it (harness._run_once):

    python -m lecun_agent.faults.row FAULT OUT AGENT RETRIES [--default-waits]

It writes OUT/metrics.json, OUT/observations.json and, last, OUT/fault.json, and exits 0; NOT_STARTED_EXIT
when the episode did not start (a node crashed before the first sim step: the harness starts it again).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from lecun_agent.faults.catalog import by_name
from lecun_agent.faults.harness import record_episode
from lecun_agent.heap import keep_freed_memory
from lecun_agent.stack.episode import EpisodeNotStarted
from lecun_agent.stack.evaluate import NOT_STARTED_EXIT


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m lecun_agent.faults.row", description=__doc__.split("\n")[0])
    p.add_argument("fault", help="the fault's name (lecun-agent faults --list)")
    p.add_argument("out", type=Path)
    p.add_argument("agent")
    p.add_argument("retries", type=int, help="attempts before this one (recorded in the row)")
    p.add_argument("--default-waits", action="store_true")
    args = p.parse_args(argv)
    keep_freed_memory()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    fault = by_name([args.fault], args.agent)[0]
    try:
        record_episode(fault, args.out, not args.default_waits, args.agent, args.retries)
    except EpisodeNotStarted as err:
        print(f"{args.fault}: {err}", file=sys.stderr)
        return NOT_STARTED_EXIT
    return 0


if __name__ == "__main__":
    sys.exit(main())
