"""The safety guardrail: every command to the body passes, is clamped, or is stopped, with a reason.

It sits between the agent's proposal and the body, as Nav2's collision monitor and
velocity smoother sit in front of a base. Rules, in order:

stop (output zero, immediately):
  e_stop            an e-stop was raised; only `reset_e_stop()` releases it (latched)
  measured:<q>      a measured state breached the veto rule (cost/veto.py) for a quantity cost_node
                    latches on (veto.LATCHING: tilt, fall); latched like the e-stop
  stale:<source>    an input (proposal, joint_states, imu, odom) is older than its timeout or never came; when a
                    sensor's messages keep coming but stamped that far in the past (a header.stamp left at 0, a sender's
                    clock behind), the detail says so
  future:<source>   the newest message of an input is stamped further ahead of the clock than
                    `future_tolerance_s`: a clock we cannot trust, so the input counts as stale
  invalid:<source>  the newest message of an input held NaN, Inf or a malformed field (the node says which)
  invalid:cost_terms  a raw cost term of the newest joint reading is not finite (a value finite in float64 that
                    overflows the float32 cost features); until a good joint reading comes
  nan_command       the latest proposal holds NaN or Inf
  clock_back        the node clock went back (`clock_went_back`): every input is forgotten, and the stale:<source>
                    stops above hold until each comes again on the new time
  tilted_stop       measured tilt at or above tilt_stop (front feet up on a block, the body pitching
                    back, a roll after a knock): zero, so the gait stands with its feet planted (and
                    levelled); not latched, it holds while the tilt does, and the next proposal after
                    it is judged under clamp:tilted; when it is the only stop rule, tilted_step (below)
  plan_veto:<q>     the latest fresh plan predicts quantity q (tilt, pain, force, fall) at or over its veto
                    limit (cost/veto.py, the rule the planner's fail flag uses too), or a non-finite
                    value, at any step of its horizon; plan_veto:future_stamp for plan_timeout after a
                    plan stamped ahead of the clock (or of the newest reading) by more than future_tolerance_s;
                    plan_veto:plan_costs for a plan whose costs cannot be read (the node says why) and, with
                    `expect_plans`, for the plan of a non-zero proposal that predicts none of a veto quantity
  stale:plan        with `expect_plans`, a non-zero proposal whose plan did not come (a plan older than it)
step (the guardrail's own command, with the same precedence as tilted_stop):
  tilted_step       tilted_stop's tilt, with tilted_stop the only stop rule that holds: a step towards
                    the lower side at tilt_step m/s (scaled down, its direction kept, to stay within
                    max_vx and max_vy), to put the feet back under a body that is falling over, as a
                    walker catches itself; standing let a knocked body roll on, or a body pitched
                    back at a block rear on, and fall
clamp (output changed, robot keeps moving):
  clamp:velocity      |vx|, |vy|, |wz| above their limits
  clamp:pain_rising   low-passed pain (time constant pain_filter) rose by more than pain_rise within
                      pain_window; speed scaled by slow_factor until slow_hold s after the last rise
  clamp:pain_high     low-passed pain at or above pain_high (pushing on against a wall hurts without
                      rising); speed scaled by slow_factor until slow_hold s after it was last high
  clamp:tilted        measured tilt at or above tilt_slow (a body climbing onto something, or rolling
                      after a knock): speed scaled by slow_factor until slow_hold s after it was last
                      tilted, and while it is tilted the part of the velocity towards the raised side
                      (uphill) removed
  clamp:acceleration  change from the last output faster than the acceleration limits (a slow-down
                      the clamps above ask for is immediate, as a stop is)
pass otherwise: the proposal goes out unchanged.

Time is read from stamps, never from a wall clock: `decide(now)` judges the newest proposal at
`now` (the proposal's own stamp or the node clock, whichever is later), ages are `now` minus the
inputs' stamps, and the acceleration limit uses the time since the last decision: the longer of
the proposals' stamps (the agent's ticks: in real time the moment a proposal is judged jitters
with the planner's latency, and a plan that came late followed by one on time would otherwise
leave the limiter a few milliseconds to change a command that is then held for a whole tick) and
the moments they were judged (a proposal stamped before the last one); after a stop between
proposals (`check`: a stale proposal among them), one output period from zero, so a pause in
proposals never lets a command jump. So a lock-stepped
simulation gets the same decisions on a fast or a loaded machine, and a real robot the honest
ones. `check(now)` re-judges only the stop rules between proposals (the node's output timer).
Commands are (3,) arrays: vx, vy (m/s, body frame) and yaw rate wz (rad/s).
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from lecun_agent.body.readings import rotation_matrix, tilt_of
from lecun_agent.cost.veto import VetoLimits, breaches
from lecun_agent.settings import setting

SOURCES = ("proposal", "joint_states", "imu", "odom")
SENSORS = SOURCES[1:]  # the body's readings: what the sim (or robot) clock stamps


@dataclass(frozen=True)
class GuardrailConfig:
    """Limits and thresholds: cost_node's read-only `guardrail.<field>` parameters.

    Each range ends at the shipped value on the unsafe side, so a params file or a launch
    override can make the guardrail stricter, never looser.
    """

    rate_hz: float = setting(50.0, "cmd_vel output rate, Hz", low=50.0, high=1000.0)
    max_vx: float = setting(1.0, "forward speed limit, m/s", low=0.0, high=1.0)
    max_vy: float = setting(0.5, "sideways speed limit, m/s", low=0.0, high=0.5)
    max_wz: float = setting(1.5, "yaw rate limit, rad/s", low=0.0, high=1.5)
    max_lin_acc: float = setting(2.0, "linear acceleration limit when speeding up, m/s^2", low=0.01, high=2.0)
    max_lin_dec: float = setting(4.0, "linear deceleration limit when slowing down, m/s^2 (stops are "
                                 "immediate)", low=4.0, high=50.0)
    max_ang_acc: float = setting(6.0, "yaw acceleration limit, rad/s^2", low=0.01, high=6.0)
    timeout_proposal: float = setting(0.5, "stop when agent/cmd_vel_proposed is older than this, s",
                                      low=0.01, high=0.5)
    timeout_joint_states: float = setting(0.25, "stop when joint_states is older than this, s", low=0.01,
                                          high=0.25)
    timeout_imu: float = setting(0.25, "stop when imu/data is older than this, s", low=0.01, high=0.25)
    timeout_odom: float = setting(0.5, "stop when odom is older than this, s", low=0.01, high=0.5)
    pain_filter: float = setting(0.2, "time constant of the low-pass filter on measured pain, s", low=0.0,
                                 high=0.2)
    pain_rise: float = setting(0.1, "filtered-pain increase within pain_window that counts as rising",
                               low=0.0, high=0.1)
    pain_window: float = setting(0.25, "window for the pain-rise test, s", low=0.25, high=10.0)
    slow_hold: float = setting(1.0, "stay slowed this long after pain last rose or was high, or the body was "
                               "last tilted, s", low=1.0, high=60.0)
    pain_high: float = setting(1.0, "filtered pain at or above this slows the robot even when it is not "
                               "rising", low=0.0, high=1.0)
    tilt_slow: float = setting(0.15, "measured tilt at or above this slows the robot and stops it driving "
                               "uphill (a body climbing onto something or rolling), rad", low=0.05, high=0.15)
    tilt_stop: float = setting(0.3, "measured tilt at or above this stops the robot while it lasts (the gait "
                               "stands, feet planted and levelled), rad; below the veto's latched stop", low=0.05,
                               high=0.3)
    tilt_step: float = setting(0.3, "tilted at or above tilt_stop, step this fast towards the lower side instead "
                               "of standing (slower where max_vx or max_vy is lower), m/s; 0 = stand", low=0.0,
                               high=0.3)
    slow_factor: float = setting(0.3, "speed scale while pain rises or is high, or the body is tilted", low=0.0,
                                 high=0.3)
    plan_timeout: float = setting(1.0, "a plan's veto holds this long after its stamp, s", low=1.0, high=10.0)
    future_tolerance_s: float = setting(0.1, "a stamp further ahead of the node clock than this is invalid "
                                        "(its input counts as stale), s", low=0.0, high=0.1)

    def timeout(self, source: str) -> float:
        return getattr(self, f"timeout_{source}")


class Verdict(StrEnum):
    PASS = "pass"
    CLAMP = "clamp"
    STOP = "stop"


@dataclass
class Decision:
    """One output command and why it is what it is."""

    cmd: np.ndarray  # (3,) vx, vy, wz
    verdict: Verdict
    reasons: tuple[str, ...] = ()  # reason keys, e.g. ("stale:imu",)
    detail: str = ""  # human-readable, for logs and diagnostics


@dataclass
class Guardrail:
    """Stateful command checker: feed it inputs as they arrive, `decide` on each proposal, `check` between."""

    config: GuardrailConfig = field(default_factory=GuardrailConfig)
    veto: VetoLimits = field(default_factory=VetoLimits)
    counts: Counter = field(default_factory=Counter)  # reason key -> decisions (or new stops) it affected
    verdicts: Counter = field(default_factory=Counter)  # Verdict -> decisions
    expect_plans: bool = False  # every non-zero proposal comes with its plan's predicted costs (`plan`)

    def __post_init__(self) -> None:
        self._e_stop: str | None = None
        self._forget_inputs()

    def _forget_inputs(self) -> None:
        """Every input and decision held, and every stamp with it (not a latched stop, not the counts)."""
        self._seen: dict[str, float] = {}  # source -> newest valid stamp
        # sensor -> (stamp, node time) of the last valid one to come (a proposal is taken when judged, not on arrival)
        self._came: dict[str, tuple[float, float]] = {}
        # source -> (reason key, detail, stamp): its newest cannot be trusted; only a good one stamped at or after
        # that stamp clears it (`seen`, `settled`)
        self._bad: dict[str, tuple[str, str, float]] = {}
        self._proposal = np.zeros(3)
        self._plan_stamp: float | None = None
        self._plan_worst: dict[str, float] = {}  # quantity -> max over the horizon
        self._untrusted_plan_until = -math.inf  # a plan stamped in the future vetoes until then
        self._untrusted_plan_detail = ""
        self._pain: deque[tuple[float, float]] = deque()  # (stamp, filtered pain) within the window
        self.pain_filtered = 0.0
        self._last_rise = -math.inf
        self._last_high = -math.inf
        self._last_tilted = -math.inf
        self.tilt_measured = 0.0
        self._uphill: np.ndarray | None = None  # (2,) body-frame unit vector while tilted
        self.last = Decision(np.zeros(3), Verdict.STOP, ("stale:proposal",), "no decision yet")
        self._proposal_stamp: float | None = None  # stamp of the newest proposal taken
        self._decided: tuple[float, float] | None = None  # (now, proposal stamp) of the last decision; None
        # before the first and after a stop between proposals: the next ramps from zero over one output period

    # ---- inputs -------------------------------------------------------------------------
    def seen(self, source: str, stamp: float, now: float, problem: str | None = None, settles: bool = True) -> bool:
        """Record a message of `source` stamped `stamp`, received at node time `now`.

        `problem` says why its content cannot be trusted (NaN, a missing field); a stamp ahead of
        `now` by more than future_tolerance_s cannot be trusted either. Either way the source
        stops the robot until a good message comes. Returns True when the message is good.
        `settles=False`: the message passed these checks, but more of it is judged later (cost_node
        checks a joint reading's contacts and cost terms when it scores it): it counts as fresh, and
        an earlier verdict that the source cannot be trusted stands until `settled`.
        """
        if source not in SOURCES:
            raise ValueError(f"unknown guardrail source {source!r}; sources are {SOURCES}")
        if not math.isfinite(stamp):
            problem = f"stamp {stamp}"
        elif stamp > now + self.config.future_tolerance_s:
            self._bad[source] = (f"future:{source}", f"the newest {source} is stamped {stamp - now:.3f} s ahead of "
                                 f"the clock (> future_tolerance_s {self.config.future_tolerance_s} s: are the "
                                 "clocks synchronised?)", now)
            return False
        if problem is not None:
            at = min(stamp, now) if math.isfinite(stamp) else now
            self._bad[source] = (f"invalid:{source}", f"the newest {source} cannot be trusted: {problem}", at)
            return False
        self._seen[source] = max(stamp, self._seen.get(source, -math.inf))
        if source in SENSORS:
            self._came[source] = (stamp, now)
        if settles:
            self.settled(source, stamp)
        return True

    def settled(self, source: str, stamp: float) -> None:
        """`source`'s message stamped `stamp` passed every check: it clears a verdict of an untrusted message stamped
        at or before it (not one of a later message, judged before this one was)."""
        bad = self._bad.get(source)
        if bad is not None and bad[2] <= stamp:
            del self._bad[source]

    def propose(self, cmd, stamp: float, now: float) -> bool:
        """The agent's proposed command (3,) vx, vy, wz, stamped `stamp` (non-finite: nan_command).
        -> whether it was taken (False: its stamp is not finite or is from the future; the robot stops)."""
        if self.seen("proposal", stamp, now):
            self._proposal = np.asarray(cmd, dtype=np.float64).reshape(3)
            self._proposal_stamp = stamp
            return True
        return False

    def cost_terms(self, stamp: float, raw: dict[str, float]) -> bool:
        """The raw cost terms of the joint reading at `stamp`. One not finite (a reading finite in float64 that
        overflows the float32 features) cannot be trusted: the robot stops until a good joint reading comes
        (`seen`). -> whether all are finite."""
        bad = [name for name, value in raw.items() if not math.isfinite(value)]
        if bad:
            self._bad["joint_states"] = ("invalid:cost_terms", f"raw cost terms {', '.join(bad)} of the joint "
                                         f"reading at t={stamp:.3f} not finite", stamp)
        return not bad

    def pain(self, stamp: float, value: float) -> None:
        """The measured pain term (raw) at `stamp`, from a reading `seen` accepted; a rise slows the robot.
        A non-finite one never enters the filter: it stops the robot as `cost_terms` does."""
        if not self.cost_terms(stamp, {"pain": value}):
            return
        cfg = self.config
        last = self._pain[-1][0] if self._pain else None
        if last is None or cfg.pain_filter <= 0:
            self.pain_filtered = value
        elif stamp > last:
            alpha = 1.0 - math.exp(-(stamp - last) / cfg.pain_filter)
            self.pain_filtered += alpha * (value - self.pain_filtered)
        else:
            return  # a reading from the past never rewinds the filter
        value = self.pain_filtered
        self._pain.append((stamp, value))
        while self._pain and self._pain[0][0] < stamp - cfg.pain_window:
            self._pain.popleft()
        if value - min(v for _, v in self._pain) > cfg.pain_rise:
            self._last_rise = stamp
        if value >= cfg.pain_high:
            self._last_high = stamp

    def attitude(self, stamp: float, quat) -> None:
        """The measured base orientation (x, y, z, w in odom, from a reading `seen` accepted) at `stamp`.

        Tilted at or over tilt_slow, the robot is slowed and may not drive uphill: the raised side of
        the body is where it is climbing onto something or rolling over."""
        quat = np.asarray(quat, dtype=np.float64)
        if not np.all(np.isfinite(quat)):
            return  # never trusted: `seen` refused its message and the robot stops
        up = rotation_matrix(quat)[2]  # the world's up axis in the body frame (R's third row)
        self.tilt_measured = tilt_of(quat)
        horizontal = float(np.hypot(up[0], up[1]))
        tilted = self.tilt_measured >= self.config.tilt_slow and horizontal > 0.0
        self._uphill = up[:2] / horizontal if tilted else None  # body frame: this way raises the body further
        if tilted:
            self._last_tilted = max(stamp, self._last_tilted)

    def time(self, clock: float) -> float:
        """The time: the node `clock`, or the newest trusted sensor reading if later (a node starved of CPU
        reads its clock late, and the readings it has taken prove the time is at least theirs)."""
        return max([clock, *(self._seen.get(s, -math.inf) for s in SENSORS)])

    def plan(self, stamp: float, predicted: dict[str, np.ndarray], now: float) -> None:
        """The latest plan's predicted quantities over its horizon, name -> (H,).

        Parts of one plan (the path, its predicted costs) share a stamp and are merged. An older
        plan arriving late never replaces a newer one. A plan stamped ahead of the time by more
        than future_tolerance_s (or not finite) comes from a clock that cannot be trusted: it
        vetoes for plan_timeout from its arrival, whatever honest plans come meanwhile, so a
        publisher with a broken clock beside the actor stops the robot instead of making it stop
        and go at the plan rate. The time is `time(now)`.
        """
        now = self.time(now)
        if not math.isfinite(stamp) or stamp > now + self.config.future_tolerance_s:
            self._untrusted_plan_until = now + self.config.plan_timeout
            self._untrusted_plan_detail = (f"a plan stamped {stamp:.3f} s arrived at {now:.3f} s (a clock ahead): "
                                           f"no plan trusted until {self._untrusted_plan_until:.3f} s")
            return
        if self._plan_stamp is not None and stamp < self._plan_stamp:
            return
        if stamp != self._plan_stamp:
            self._plan_worst = {}
        self._plan_stamp = stamp
        for name, values in predicted.items():
            values = np.asarray(values, dtype=np.float64)
            self._plan_worst[name] = math.inf if not np.all(np.isfinite(values)) else float(values.max())

    def clock_went_back(self, detail: str) -> Decision:
        """The node clock went back (a looped replay, a robot's clock stepped back): the stamps held are of a time
        that is not coming back, and the newest of them would keep a stale proposal fresh until the clock passed
        it again. Every input is forgotten and the robot stops until they come again on the new time; a latched
        stop stays latched."""
        self._forget_inputs()
        self.counts["clock_back"] += 1
        self.verdicts[Verdict.STOP] += 1
        self.last = Decision(np.zeros(3), Verdict.STOP, ("clock_back",), detail)
        return self.last

    def measured(self, breached: dict[str, bool], stamp: float) -> None:
        """The veto rule's verdict on a measured state: any breach latches a stop until reset_e_stop."""
        hit = sorted(name for name, bad in breached.items() if bad)
        if hit and self._e_stop is None:
            self._e_stop = f"measured:{hit[0]}"
            self._e_stop_detail = f"measured {', '.join(hit)} past the veto limit at t={stamp:.3f}"

    def e_stop(self, why: str = "e-stop raised") -> None:
        """Latch a stop until `reset_e_stop`."""
        self._e_stop, self._e_stop_detail = "e_stop", why

    def reset_e_stop(self) -> bool:
        """Release a latched stop (e-stop or measured breach); True if one was latched."""
        was, self._e_stop = self._e_stop is not None, None
        return was

    @property
    def e_stopped(self) -> bool:
        return self._e_stop is not None

    # ---- output -------------------------------------------------------------------------
    def stop_reasons(self, now: float) -> list[tuple[str, str]]:
        """(key, detail) for every rule that stops the robot at time `now`."""
        cfg, out = self.config, []
        if self._e_stop is not None:
            out.append((self._e_stop, f"{self._e_stop_detail}; latched until reset_e_stop"))
        for source in SOURCES:
            stamp = self._seen.get(source)
            if source in self._bad:
                out.append(self._bad[source][:2])
            elif stamp is None:
                out.append((f"stale:{source}", f"no {source} received yet"))
            elif (age := now - stamp) > cfg.timeout(source):
                out.append((f"stale:{source}", self._stale_detail(source, age, now)))
        if not np.all(np.isfinite(self._proposal)):
            out.append(("nan_command", f"proposed command is not finite: {self._proposal.tolist()}"))
        if self.tilt_measured >= cfg.tilt_stop:
            out.append(("tilted_stop", f"tilted {self.tilt_measured:.2f} rad >= {cfg.tilt_stop}: standing until "
                                       "it is back under"))
        if now <= self._untrusted_plan_until:
            out.append(("plan_veto:future_stamp", self._untrusted_plan_detail))
        if self._plan_stamp is not None and now - self._plan_stamp <= cfg.plan_timeout:
            limits = self.veto.as_dict()
            tripped = breaches(self._plan_worst, self.veto)
            for name, worst in self._plan_worst.items():
                if not math.isfinite(worst):
                    out.append((f"plan_veto:{name}", f"plan predicts a non-finite {name}"))
                elif tripped.get(name, False):
                    out.append((f"plan_veto:{name}", f"plan predicts {name}={worst:.3g} >= {limits[name]}"))
        if self.expect_plans and np.any(self._proposal != 0):
            out.extend(self._plan_missing())
        return out

    def _stale_detail(self, source: str, age: float, now: float) -> str:
        """Why `source` is stale: it stopped, or (QA, 2026-12-08: "joint_states is 4.792 s old" while it streamed at
        50 Hz stamped 0) its messages keep coming, but stamped in the past."""
        timeout, (stamp, came) = self.config.timeout(source), self._came.get(source, (now, -math.inf))
        if now - came <= timeout < came - stamp:  # the last came lately, and already too old when it came
            what = "0 (never set?)" if stamp == 0.0 else f"{stamp:.3f}, {came - stamp:.3f} s old when it came"
            return (f"{source} keeps coming (the last {now - came:.3f} s ago) but stamped in the past: its stamp "
                    f"{what} (> {timeout} s; the newest stamp is {age:.3f} s old): check its header.stamp (0 = never "
                    "set) and that the clocks are synchronised")
        return f"{source} is {age:.3f} s old > {timeout} s"

    def _plan_missing(self) -> list[tuple[str, str]]:
        """With expect_plans, for a non-zero proposal: stale:plan when its plan did not come (the newest plan is
        older than it), plan_veto:plan_costs when its plan predicts none of a veto quantity. A newer plan than the
        proposal is the next tick's, judged with its own proposal."""
        if self._plan_stamp is None or self._plan_stamp < self._proposal_stamp:
            newest = "none" if self._plan_stamp is None else f"the newest is stamped {self._plan_stamp:.3f}"
            return [("stale:plan", f"no plan for the proposal stamped {self._proposal_stamp:.3f} ({newest})")]
        missing = [q for q in sorted(self.veto.as_dict()) if q not in self._plan_worst]
        if self._plan_stamp == self._proposal_stamp and missing and "plan_costs" not in self._plan_worst:
            return [("plan_veto:plan_costs", f"the plan predicts no {', '.join(missing)}")]
        return []

    def decide(self, now: float) -> Decision:
        """The command for the newest proposal, judged at time `now`; counts its reasons."""
        stops = self.stop_reasons(now)
        decision = self._stopped(stops) if stops else self._clamp(now)
        self.last, self._decided = decision, (now, self._proposal_stamp)
        self.verdicts[decision.verdict] += 1
        self.counts.update(decision.reasons)
        return decision

    def check(self, now: float) -> Decision:
        """Between proposals: a stop if a stop rule now holds (counted when the reasons change),
        else the last decision again. It can stop the robot, never start it: moving again waits
        for the next proposal's `decide` (tilted_step, the guardrail's own, aside)."""
        stops = self.stop_reasons(now)
        if not stops:
            return self.last
        decision = self._stopped(stops)
        if decision.reasons != self.last.reasons:
            self.counts.update(decision.reasons)
            self.verdicts[decision.verdict] += 1
        self.last = decision
        if decision.verdict is Verdict.STOP:
            self._decided = None
        return decision

    def _stopped(self, stops: list[tuple[str, str]]) -> Decision:
        """The decision while stop rules hold: zero, with every rule's reason; or, when the only one is
        tilted_stop, the step towards the lower side (tilted_step)."""
        cfg, uphill = self.config, self._uphill
        if [k for k, _ in stops] == ["tilted_stop"] and uphill is not None:
            step = -cfg.tilt_step * uphill
            step *= _within(step, np.array([cfg.max_vx, cfg.max_vy]))  # a zero limit the step needs: no step
            if step.any():
                cmd = np.zeros(3)
                cmd[:2] = step
                return Decision(cmd, Verdict.CLAMP, ("tilted_step",),
                                f"{stops[0][1]}; stepping {cmd[:2].round(3).tolist()} m/s towards the lower side")
        return Decision(np.zeros(3), Verdict.STOP, tuple(k for k, _ in stops), "; ".join(d for _, d in stops))

    def _clamp(self, now: float) -> Decision:
        cfg, cmd, reasons, details = self.config, self._proposal.copy(), [], []
        limits = np.array([cfg.max_vx, cfg.max_vy, cfg.max_wz])
        limited = np.clip(cmd, -limits, limits)
        if not np.array_equal(limited, cmd):
            reasons.append("clamp:velocity")
            details.append(f"velocity {cmd.round(3).tolist()} limited to {limited.round(3).tolist()}")
            cmd = limited
        alarms = []  # (reason, detail)
        if now - self._last_rise < cfg.slow_hold:
            alarms.append(("clamp:pain_rising", "pain rising"))
        if now - self._last_high < cfg.slow_hold:
            alarms.append(("clamp:pain_high", f"pain >= {cfg.pain_high} within {cfg.slow_hold} s (now "
                                              f"{self.pain_filtered:.2f})"))
        if now - self._last_tilted < cfg.slow_hold:
            alarms.append(("clamp:tilted", f"tilted >= {cfg.tilt_slow} rad within {cfg.slow_hold} s (now "
                                           f"{self.tilt_measured:.2f})"))
        if alarms and np.any(cmd != 0):
            cmd = cmd * cfg.slow_factor
            reasons.extend(reason for reason, _ in alarms)
            details.append(f"{' and '.join(what for _, what in alarms)}: speed x{cfg.slow_factor}")
            if self._uphill is not None and (up := float(cmd[:2] @ self._uphill)) > 0.0:
                cmd[:2] -= up * self._uphill  # never further up onto what it is climbing
                details.append("its uphill part removed")
        smoothed = self._limit_acceleration(cmd, now, safety_slowdown=bool(alarms))
        if not np.allclose(smoothed, cmd, rtol=0.0, atol=1e-9):
            reasons.append("clamp:acceleration")
            details.append(f"acceleration limited: {cmd.round(3).tolist()} -> {smoothed.round(3).tolist()}")
            cmd = smoothed
        verdict = Verdict.CLAMP if reasons else Verdict.PASS
        return Decision(cmd, verdict, tuple(reasons), "; ".join(details))

    def _limit_acceleration(self, cmd: np.ndarray, now: float, safety_slowdown: bool = False) -> np.ndarray:
        """Move from the last output towards `cmd` no faster than the acceleration limits. A slow-down a
        safety clamp asks for (`safety_slowdown`) is immediate, as a stop is: only speeding up, or the
        new direction of a reversal, is limited then."""
        cfg = self.config
        # From the last output over the longer of the ticks (proposal stamps) and the time judged since the last
        # decision; the first decision, and the first after a stop between proposals, moves one output period's
        # worth from zero.
        if self._decided is None:
            dt = 1.0 / cfg.rate_hz
        else:
            (then, stamp), newest = self._decided, self._proposal_stamp
            dt = max(0.0, now - then, newest - stamp if newest is not None and stamp is not None else 0.0)
        last = self.last.cmd
        out = cmd.copy()
        for i in range(3):  # vx, vy: speeding up and slowing down have their own limits; yaw one for both
            up, down = (cfg.max_lin_acc, cfg.max_lin_dec) if i < 2 else (cfg.max_ang_acc, cfg.max_ang_acc)
            same_way = np.sign(cmd[i]) * np.sign(last[i]) >= 0
            speeding_up = abs(cmd[i]) > abs(last[i]) and same_way
            if safety_slowdown and not speeding_up:
                out[i] = cmd[i] if same_way else np.clip(cmd[i], -up * dt, up * dt)
            else:
                step = (up if speeding_up else down) * dt
                out[i] = last[i] + np.clip(cmd[i] - last[i], -step, step)
        return out


def _within(v: np.ndarray, limits: np.ndarray) -> float:
    """The factor (at most 1) that brings every |v[i]| within limits[i], keeping v's direction."""
    over = np.abs(v) > limits
    return float(np.min(limits[over] / np.abs(v[over]))) if over.any() else 1.0
