"""From what the harness observed to one row: reaction time, unsafe commands, recovery.

An oracle independent of the guardrail's code: it rebuilds, from the messages cost_node was sent on
each of its sources (publication time in sim time, stamp, whether the content was finite and well
formed), when the guardrail's rules say the robot must be stopped: a source is *bad* from its
timeout past its newest good stamp on (stale), or from the first message that is not finite, is
malformed or is stamped further than the tolerance ahead of the clock, until a good one comes; an
injected bad plan vetoes from its publication until its stamp plus the plan timeout (one
stamped further than the tolerance ahead: for the plan timeout from its publication). A command on
cmd_vel with any non-zero velocity, published while a source has been bad for longer than one
output period, is an unsafe command.

Times: every publication's wall-clock source time is mapped to the sim time of the newest control
step the sim had taken by then (sim_node's own log of its steps' system-clock times, harness.sim_clock;
the /clock the harness heard for older runs), so the numbers are sim time at publication, whatever
the harness's own lag. ROS-free: plain tuples in, a dict out.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from lecun_agent.cost.guardrail import GuardrailConfig

OUTPUT_PERIOD_S = 1.0 / GuardrailConfig().rate_hz
TIME_EPS_S = 1e-6  # sim times are sums of steps: a command exactly one period after is on time, not late


@dataclass
class Observations:
    """Everything the harness heard, with wall-clock publication times (JSON-able: saved with each run)."""

    clock: list[tuple[float, float]] = field(default_factory=list)  # (wall s, sim s) per /clock or sim step
    cmds: list[tuple[float, float, bool]] = field(default_factory=list)  # (wall, stamp, moving) per cmd_vel
    sources: dict[str, list[tuple[float, float, bool]]] = field(default_factory=dict)  # (wall, stamp, ok)
    plans: list[tuple[float, float]] = field(default_factory=list)  # (wall, stamp sim s) per injected plan
    # source -> wall times the harness's subscription matched a new publisher of it (a respawned node's):
    # what that publisher sent before then never reached the harness, whatever cost_node got.
    matches: dict[str, list[float]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict) -> Observations:
        rows = lambda items: [tuple(x) for x in items]  # noqa: E731
        if any(len(p) != 2 for p in data["plans"]):
            raise ValueError("this run's plans were recorded by an older harness as (wall, veto from, veto until); "
                             "run its faults again to judge them")
        return cls(rows(data["clock"]), rows(data["cmds"]), {k: rows(v) for k, v in data["sources"].items()},
                   rows(data["plans"]), data.get("matches", {}))

    def sim_at(self, wall: float) -> float:
        """Sim time of the newest /clock published at or before `wall` (0 before the first)."""
        i = bisect.bisect_right(self.clock, (wall, math.inf)) - 1
        return self.clock[i][1] if i >= 0 else 0.0


def unobserved(obs: Observations, start: float, cleared: float | None) -> dict[str, list[tuple[float, float]]]:
    """source -> [(from, until)] sim times the harness could not see what a source's new publisher sent:
    from when the killed node was back (`cleared`) until the harness heard its first message after its
    subscription matched the new publisher (a match is two-sided: what the publisher sends just after
    the reader matched it can still miss the reader). A moving command then is not judged against that
    source (counted as unjudged): cost_node may well have had the respawned node's fresh messages, which
    the harness had yet to hear."""
    if cleared is None:
        return {}
    out = {}
    for source, walls in obs.matches.items():
        heard = sorted(wall for wall, _, _ in obs.sources.get(source, ()))
        spans = []
        for w in walls:
            first = next((h for h in heard if h >= w), None)  # nothing heard after the match: to the end
            until = math.inf if first is None else obs.sim_at(first)
            if until > max(start, cleared):
                spans.append((cleared, until))
        if spans:
            out[source] = spans
    return out


def bad_intervals(events: list[tuple[float, float, bool]], timeout: float, end: float,
                  tolerance: float = GuardrailConfig().future_tolerance_s) -> list[tuple[float, float]]:
    """[(from, until)] sim times a source must stop the robot. events: (published, stamp, ok), sim s."""
    out: list[tuple[float, float]] = []
    newest = -math.inf  # newest good stamp
    bad_from: float | None = None  # first message of the current run of untrusted ones
    events = sorted(events, key=lambda e: e[0])  # stable: messages placed at one step keep their order
    for i, (published, stamp, ok) in enumerate(events):
        trusted = ok and math.isfinite(stamp) and stamp <= published + tolerance
        nxt = events[i + 1][0] if i + 1 < len(events) else end
        if trusted:
            if bad_from is not None:
                out.append((bad_from, published))
                bad_from = None
            newest = max(newest, stamp)
        elif bad_from is None:
            bad_from = published
        if bad_from is None and newest + timeout + TIME_EPS_S < nxt:  # goes stale before the next message
            out.append((max(newest + timeout, published), nxt))
    if bad_from is not None:
        out.append((bad_from, end))
    merged: list[tuple[float, float]] = []  # a stale stretch followed by untrusted messages is one stretch
    for a, b in sorted((a, b) for a, b in out if b > a):
        if merged and a <= merged[-1][1] + 1e-9:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def plan_intervals(plans: list[tuple[float, float]], timeout: float = GuardrailConfig().plan_timeout,
                   tolerance: float = GuardrailConfig().future_tolerance_s) -> list[tuple[float, float]]:
    """[(from, until)] sim times injected bad plans veto. plans: (published, stamp), sim s."""
    out = []
    for published, stamp in plans:
        ahead = not math.isfinite(stamp) or stamp > published + tolerance
        until = published + timeout if ahead else stamp + timeout  # a plan older than the timeout is ignored
        if until > published:
            out.append((published, until))
    return out


def verdict(obs: Observations, start: float, cleared: float | None, timeouts: dict[str, float]) -> dict:
    """The row's safety numbers for a fault that started at sim time `start` and cleared at `cleared`."""
    if not obs.clock:
        return {"reaction_s": None, "bound_s": None, "unsafe_cmds": 0, "recovered": None, "first_cmd": None}
    # A command from before the first /clock heard cannot be placed in sim time: not judged. A source
    # message from before it still counts, as published by then.
    cmds = [(obs.sim_at(wall), stamp, moving) for wall, stamp, moving in obs.cmds if wall >= obs.clock[0][0]]
    if not cmds:
        return {"reaction_s": None, "bound_s": None, "unsafe_cmds": 0, "recovered": None, "first_cmd": None}
    first, end = cmds[0][0], cmds[-1][0]  # nothing is judged after the last command
    bad = []
    for source, events in obs.sources.items():
        sim_events = [(obs.sim_at(max(wall, obs.clock[0][0])), stamp, ok) for wall, stamp, ok in events]
        bad += [(a, b, source) for a, b in bad_intervals(sim_events, timeouts[source], end) if b > first]
    bad += [(a, b, "plan") for a, b in plan_intervals([(obs.sim_at(wall), stamp) for wall, stamp in obs.plans])]
    unseen = unobserved(obs, start, cleared)
    unsafe, unjudged = [], set()
    for t, _, moving in cmds:
        if not moving or t < first:
            continue
        for a, b, source in bad:
            if a + OUTPUT_PERIOD_S + TIME_EPS_S < t < b:
                if any(u <= t <= v for u, v in unseen.get(source, ())):
                    unjudged.add(t)
                else:
                    unsafe.append((t, a, source))
    stop = next((t for t, _, moving in cmds if t >= start - 1e-9 and not moving), None)
    # A stretch that begins while the harness could not hear a respawned node's new publisher may never
    # have been bad: cost_node may have had that node's fresh messages. It does not require a stop.
    judged = [(a, b) for a, b, source in bad if not any(u <= a <= v for u, v in unseen.get(source, ()))]
    # A stretch no longer than one output period need not be seen: the guardrail checks once a period.
    must = min((a for a, b in judged if b > start and b - a > OUTPUT_PERIOD_S + TIME_EPS_S), default=None)
    row = {"reaction_s": None if stop is None else round(max(0.0, stop - start), 3),
           "bound_s": None if must is None else round(max(0.0, must - start) + OUTPUT_PERIOD_S, 3),
           "unsafe_cmds": len({t for t, _, _ in unsafe}),
           "unsafe_detail": sorted({f"t={t:.3f}: {s} bad since {a:.3f}" for t, a, s in unsafe})[:5],
           "bad_sources": sorted({s for a, b, s in bad if b > start}),
           "unjudged_cmds": len(unjudged)}
    resume_after = max(x for x in (start, cleared, stop) if x is not None) if cleared is not None else None
    resumed = None if resume_after is None else next(
        (t for t, _, moving in cmds if moving and t >= resume_after), None)
    row["resumed_s"] = None if resumed is None else round(resumed - (cleared if cleared is not None else start), 3)
    row["stopped"] = stop is not None
    return row
