"""LockStepAnswers: in lock-step, cost_node answers every instant of the body's readings on cmd_vel.

The gait waits for the guardrail's answer to each reading before the sim steps on, so which control
step a stop reaches never depends on when a message arrived. An instant is answered once its joint
reading is scored (or refused, or given up on after the sync timeout):
- at a tick, by the tick's judged proposal, so a reading at a tick also waits for that proposal;
- between ticks, by the stop rules re-checked at it.

An instant is known from its first trusted joint, IMU or odometry reading. When the node clock runs
half a tick past the newest instant answered, the loop went on without these answers (a fault): a
tick's reading then no longer waits for its proposal (the agent has fallen behind the sim), and the
node-clock timer re-checks the stop rules itself.
"""

from __future__ import annotations

from collections.abc import Callable

from builtin_interfaces.msg import Time as TimeMsg
from rclpy.node import Node

from lecun_agent.messages.conversions import sec_to_stamp

from .tick_gate import EPS, TickGate


class LockStepAnswers:
    """The instants of the body's readings and which of them have been answered.

    `recheck(stamp_msg)` answers one instant with the stop rules, stamped `stamp_msg`; `started()` says
    whether the first proposal has been taken (nothing is answered before it); `now()` is the node clock.
    """

    def __init__(self, node: Node, tick_s: float, timeout_s: float, recheck: Callable[[TimeMsg], None],
                 started: Callable[[], bool], now: Callable[[], float]) -> None:
        self.tick = tick_s
        self._recheck, self._started, self._now = recheck, started, now
        self.gate = TickGate(node, ("scored",), timeout_s, self._answer, also_ready=self._tick_judged)
        self.forget(-float("inf"))

    def forget(self, now: float) -> None:
        """Every instant held (the clock went back to `now`)."""
        self.judged = -float("inf")  # the newest instant a proposal was judged for
        self.waived = -float("inf")  # a tick whose proposal did not come in time
        self.answered = -float("inf")  # the newest instant answered
        self.instant = -float("inf")  # the newest instant of the body's readings
        self.gate.forget(now)

    def new_instant(self, stamp: float, stamp_msg: TimeMsg) -> None:
        """The first trusted reading of a newer instant makes it one to answer."""
        if stamp > self.instant:
            self.instant = stamp
            self.gate.event(stamp, stamp_msg)

    def scored(self, stamp: float, stamp_msg: TimeMsg) -> None:
        """The joint reading at `stamp` is scored: its instant may be answered."""
        offered_again = stamp <= self.answered + EPS  # (start-up) its answer may have been lost
        self.gate.input("scored", stamp, None)
        if offered_again:
            self._answer(stamp, stamp_msg, {}, timed_out=False)

    def refused(self, answered: float) -> None:
        """A joint reading was refused: the gait waits for an answer to it too, a stop at `answered`."""
        self.new_instant(answered, sec_to_stamp(answered))
        self.gate.input("scored", answered, None)

    def proposal_judged(self, answered: float) -> None:
        """A proposal was judged for the instant `answered`: that answers the tick's reading."""
        self.judged = max(self.judged, answered)
        self.gate.release()

    def loop_ran_on(self) -> bool:
        """Whether the node-clock timer must re-check the stop rules itself: the clock has run half a tick
        past the newest instant answered. A tick's reading still waiting for its proposal is waived first
        (the agent has fallen behind the sim) and answered with the readings queued behind it, which can
        make the answers current again; what is left is a body whose readings stopped."""
        if not self._ran_on():
            return False
        waiting = self.gate.oldest_pending()
        if waiting is not None:
            self.waived = max(self.waived, waiting)
            self.gate.release()
        return self._ran_on()

    def _ran_on(self) -> bool:
        return self._now() - self.answered > self.tick / 2

    def _tick_judged(self, stamp: float) -> bool:
        """A reading at a tick is answered only once the tick's proposal has been judged."""
        return stamp - max(self.judged, self.waived) < self.tick - EPS

    def _answer(self, stamp: float, stamp_msg: TimeMsg, _inputs: dict, timed_out: bool) -> None:
        """Answer the instant `stamp` on cmd_vel, unless the tick's proposal did."""
        self.answered = max(self.answered, stamp)
        if timed_out and not self._tick_judged(stamp):
            self.waived = stamp  # the tick's proposal did not come: the stop rules answer, and we go on
        if stamp <= self.judged + EPS or not self._started():
            return  # the newest judged tick answered it (or, at start-up, came after it), or none was judged yet
        self._recheck(stamp_msg)
