"""TickGate: act on an event stamped t only once every input it needs has reached t.

DDS delivers each topic in order, but not different topics in order with each other, and
rclpy's executor takes ready subscriptions in its own order. A node that acts on the camera
frame at t must therefore wait for the joint reading, IMU and odometry stamped t, or its
result depends on which message happened to be taken first. In lock-step simulation this wait
is what makes runs repeatable on any machine under any load; on a real robot it costs a few
milliseconds, since the sensors run faster than the camera. A wait longer than `timeout_s`
(wall time) is logged and counted, and the event is acted on with what has arrived: the gate
never deadlocks.
"""

from __future__ import annotations

import math
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from typing import Any

from rclpy.clock import Clock, ClockType
from rclpy.node import Node

from lecun_agent.messages.conversions import stamp_to_sec

EPS = 1e-6  # s: stamps are integer nanoseconds; this absorbs float round-off only
# Default wall-clock wait of an agent node for the inputs of an instant. Long, because at start-up
# discovery may take seconds and the sim offers its first instant again until the loop closes;
# waiting only costs time when something has failed (and safety never waits: the guardrail's
# timer stops a robot whose inputs go stale). The gait (10 s) and the sim (15 s) wait longer
# still, so the first to give up is the node nearest to the missing input.
SYNC_TIMEOUT_S = 5.0


class TickGate:
    """`input(name, stamp, msg)` for every input message; `event(stamp, item)` for what triggers an act.

    `act(stamp, item, inputs, timed_out)` runs once per event, in stamp order, with `inputs` =
    {name: the newest message stamped at or before the event (None if none)}. Every input is
    waited for from the start, so the first act does not depend on whether discovery delivered it
    yet. Once a wait for an input runs out (a robot without bump sensors, a sender that stopped or
    runs late) the gate gives up on it until it catches up, that is until a message of it stamped
    at or after the instant it was given up at: an outage costs one wait, not one per event, and
    a healthy input is waited for every time. `stopped_after` ({input: s}, real time only) tells an input
    that stopped from one that runs late without that wait: once an input was heard and its newest message is older
    than the newest event by more than its limit, the events are acted on without it at once (the act judges the
    old message it gets, as cost_node judges a contact stream that stopped), and waited for again as soon as it
    comes. In lock-step leave it out: there an input is always waited for, however far behind it is, since
    nothing goes on before it comes. `also_ready(stamp)` may add a condition of the
    node's own (the gait waits for the guardrail's answer to its reading too). `optional` inputs are
    kept and handed to `act` like the others but never waited for. `slop_s` > 0 (real time on a robot, whose
    drivers stamp each topic on its own): an input whose newest message is at most that much older than the
    event counts as in, so an event does not wait for the next message of a slower input (odometry at 20 Hz
    held each camera frame up to 50 ms); 0, the default, keeps the exact wait lock-step repeatability needs.
    A message stamped before the one of
    its input that came just before it (a lagging relay, a second publisher) is counted in `out_of_order`
    and handed to `act` for its own instant only: the inputs of an instant are picked by stamp, not by
    arrival.
    """

    def __init__(self, node: Node, inputs: Iterable[str], timeout_s: float,
                 act: Callable[[float, Any, dict[str, Any], bool], None],
                 also_ready: Callable[[float], bool] | None = None, keep: int = 64,
                 optional: Iterable[str] = (), slop_s: float = 0.0,
                 stopped_after: dict[str, float] | None = None) -> None:
        self.node, self.timeout_s, self.act, self.also_ready = node, timeout_s, act, also_ready
        self.slop_s = slop_s
        self.stopped_after = dict(stopped_after or {})
        self.newest_event = -math.inf  # the newest event's stamp: how far the triggering stream has got
        self.given_up: dict[str, float] = {}  # input -> the instant a wait for it ran out, until it catches up
        self.optional = frozenset(optional)
        self.history: dict[str, deque[tuple[float, Any]]] = {name: deque(maxlen=keep)
                                                             for name in (*inputs, *self.optional)}
        self.pending: deque[tuple[float, Any, float]] = deque()  # (stamp, item, wall time it arrived)
        self.timeouts = 0
        self.newest: dict[str, float] = {}  # input -> its newest stamp (`stopped_after`)
        self.out_of_order: Counter = Counter()  # input -> messages stamped before one that came earlier
        node.create_timer(0.02, self._expire, clock=Clock(clock_type=ClockType.STEADY_TIME))

    def input(self, name: str, stamp: float, msg: Any) -> None:
        hist = self.history[name]
        if hist and stamp < hist[-1][0] - EPS:
            self.out_of_order[name] += 1
            self.node.get_logger().warning(f"{name} stamped {stamp:.3f} came after one stamped later: used for its "
                                           "own instant only (counted as out_of_order)", throttle_duration_sec=2.0)
        hist.append((stamp, msg))
        self.newest[name] = max(stamp, self.newest.get(name, -math.inf))
        if stamp >= self.given_up.get(name, math.inf) - EPS:
            del self.given_up[name]
        self.release()

    def forget(self, now: float) -> None:
        """The clock went back to `now`: every message and event of the time before is forgotten, since its stamps
        are of a time that is not coming. Those that came after the last one stamped after `now` are kept: they are
        of the new time, come before the node read its clock (a reading can arrive before the /clock that went
        back), and an event waiting for them would wait in vain. An input given up on stays given up until it
        reaches `now` (a sensor the robot lacks costs no second wait)."""
        for queue in (*self.history.values(), self.pending):
            old = [i for i, entry in enumerate(queue) if entry[0] > now + EPS]
            for _ in range(old[-1] + 1 if old else 0):
                queue.popleft()
        self.newest = {name: max(t for t, _ in hist) for name, hist in self.history.items() if hist}
        self.newest_event = max((entry[0] for entry in self.pending), default=-math.inf)
        self.given_up = dict.fromkeys(self.given_up, now)

    def feed(self, name: str) -> Callable[[Any], None]:
        """A subscription callback that adds each stamped message to input `name`."""
        return lambda msg: self.input(name, stamp_to_sec(msg.header.stamp), msg)

    def since(self, name: str, after: float, upto: float) -> list[Any]:
        """Input `name`'s messages stamped in (after, upto], oldest first (as many as `keep` holds)."""
        return [msg for t, msg in self.history[name] if after + EPS < t <= upto + EPS]

    def newest_stamps(self) -> list[float]:
        """The newest stamp of each input heard (inputs with none left out)."""
        return list(self.newest.values())

    def all_after(self, names: Iterable[str], stamp: float) -> bool:
        """Whether every message kept of each input in `names` is stamped after `stamp`, and there are some: an
        event that old comes too late for the history kept, not too early for its inputs."""
        return all(self.history[n] and self.history[n][0][0] > stamp + EPS for n in names)

    def oldest_pending(self) -> float | None:
        """The stamp of the oldest event still waiting for its inputs, or None."""
        return self.pending[0][0] if self.pending else None

    def event(self, stamp: float, item: Any) -> None:
        self.pending.append((stamp, item, time.monotonic()))
        self.newest_event = max(stamp, self.newest_event)
        self.release()

    def ready(self, stamp: float) -> bool:
        reached = all(self._reached(name, stamp) for name in self.history)
        return reached and (self.also_ready is None or self.also_ready(stamp))

    def _reached(self, name: str, stamp: float) -> bool:
        hist = self.history[name]
        return (name in self.optional or name in self.given_up
                or (bool(hist) and hist[-1][0] >= stamp - self.slop_s - EPS) or self.stopped(name))

    def stopped(self, name: str) -> bool:
        """`name` was heard, and its newest message is older than the newest event by more than its `stopped_after`
        limit: a stream that stopped (or lags further than it may), not one a little late."""
        limit, newest = self.stopped_after.get(name), self.newest.get(name)
        return limit is not None and newest is not None and self.newest_event - newest > limit + EPS

    def release(self) -> None:
        """Act on every pending event whose inputs are in (events stay in stamp order)."""
        while self.pending and self.ready(self.pending[0][0]):
            self._act(self.pending.popleft(), timed_out=False)

    def _at(self, stamp: float) -> dict[str, Any]:
        """{input: its message stamped nearest at or before `stamp` (of equal stamps the last to come), or None}."""
        out = {}
        for name, hist in self.history.items():
            at = [(t, i) for i, (t, _) in enumerate(hist) if t <= stamp + EPS]
            out[name] = hist[max(at)[1]][1] if at else None
        return out

    def _act(self, pending: tuple[float, Any, float], timed_out: bool) -> None:
        stamp, item, _ = pending
        self.act(stamp, item, self._at(stamp), timed_out)

    def _expire(self) -> None:
        while self.pending and time.monotonic() - self.pending[0][2] > self.timeout_s:
            stamp = self.pending[0][0]
            missing = [n for n in self.history if not self._reached(n, stamp)]
            self.timeouts += 1
            self.node.get_logger().warning(
                f"waited {self.timeout_s} s for {missing or 'the command'} at t={stamp:.3f}; acting without "
                f"{'them' if missing else 'it'} (counted as sync_timeouts)"
                + (f"; not waiting for {missing} again until they reach t={stamp:.3f} (an input that stopped "
                   "costs this one wait; a robot without such a sensor pays it once, at start)" if missing else ""),
                throttle_duration_sec=2.0)
            for name in missing:
                self.given_up[name] = stamp
            self._act(self.pending.popleft(), timed_out=True)
            self.release()
