"""gait_node: locomotion reflexes. Turns /cmd_vel (vx, vy, yaw rate) into /joint_commands.

It computes one joint command per joint_states reading (decimated to `rate_hz` by the readings' stamps, see
RateSchedule; in lock-step a reading between two of its steps gets the last targets again, since the sim waits
for an answer to each), with the IMU and odometry of the same instant (TickGate), and stamps it with the reading's
stamp, so a synchronous simulator knows which observation the command answers. The command used for the reading at t
is the newest /cmd_vel stamped at or before t; it is stale when older than
`cmd_timeout_s` by stamps, and then the robot stands. With `sync_period_s` > 0 (lock-step
simulation) a reading waits for a /cmd_vel stamped less than that period before it: the guardrail
answers every reading (cost_node, period = the control step), an unguarded command source every
agent tick. So the whole loop is one barrier, and which command a reading gets never depends on
when it arrived. Non-finite commands are ignored; IMU or odometry that `message_problem` refuses (NaN/Inf,
a value beyond its plausible bound) never reaches the trot's filters, and a joint reading that lacks joints is
not read: the robot holds its standing pose instead. A joint reading stamped more than FUTURE_TOLERANCE_S
ahead of the node clock is refused and not answered, and every reading for UNTRUSTED_HOLD_S after it is answered
with the standing pose: a second publisher of such readings (a replayed bag, a driver with a skewed clock) must
not make the targets alternate between trot and stance, which tipped the robot over (QA, 2026-12-07), nor step a
lock-step sim by itself. Only when no honest reading is answered within UNANSWERED_S wall seconds of a refused one
does the standing pose go out for it, stamped with the node clock (a robot whose every reading is ahead, or a
lock-step sim whose reading was replaced by one from the future), and then for every refused reading at once until
an honest one is answered (a driver's command timeout sees the stance at the readings' rate). A reading stamped
before the last one answered (header.stamp left at 0, a driver's clock behind; or a second publisher's stale one
beside honest ones) is not answered either, and the same rule sends the standing pose when nothing honest follows;
the trot then starts afresh from that stance, on the commands that come after it.
Non-finite joint targets never go out (the trot starts afresh).

`~/reset` (std_srvs/Trigger) makes the trot stand at once and forget its phase, foot offsets,
heading reference and the commands received so far. Call it whenever the body was put back
(sim_node's `~/reset`): a trot that carries on from the old body's stride and heading tips the
new one (benchmarks/soak.py calls both).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

import numpy as np
from geometry_msgs.msg import TwistStamped
from nav_msgs.msg import Odometry
from rclpy.clock import Clock, ClockType
from rclpy.duration import Duration
from rclpy.node import Node
from sensor_msgs.msg import Imu, JointState
from std_srvs.srv import Trigger
from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint

from lecun_agent.body.readings import JOINT_NAMES
from lecun_agent.gait.config import GaitConfig
from lecun_agent.gait.trot import TrotGait
from lecun_agent.messages import conversions as conv
from lecun_agent.messages.conversions import message_problem, stamp_to_sec
from lecun_agent.settings import setting

from .clock_back import ClockBack
from .diagnostics import OK, WARN, Diagnostics
from .parameters import Parameters
from .qos import COMMAND_QOS, declare_reliable_sensors, sensor_qos
from .rate_schedule import RateSchedule
from .spin import spin_node
from .tick_gate import EPS, TickGate

ZERO = np.zeros(3)
# A /cmd_vel or joint_states stamped further ahead of our clock than this is not trusted (as the guardrail's
# future_tolerance_s).
FUTURE_TOLERANCE_S = 0.1
# Seconds (node clock) the robot stands after a joint reading from the future: however such readings interleave
# with honest ones, the body gets one steady stance, not a trot cut by stances (as the guardrail's slow_hold).
UNTRUSTED_HOLD_S = 1.0
# Wall seconds an honest reading has to be answered after a refused one before the refused one gets the standing pose.
UNANSWERED_S = 0.25


@dataclass(frozen=True)
class GaitNodeSettings:
    rate_hz: float = setting(50.0, "joint commands per second on average, by the readings' stamps (at most one per "
                             "joint_states reading); the trot balances at 25 and up (at 10 the robot fell in 3 of 3 "
                             "walks, QA 2026-12-08)", low=25.0, high=500.0, runtime=True)
    cmd_timeout_s: float = setting(0.5, "a /cmd_vel older than this (by the reading's stamp, or by the node clock "
                                   "if later) makes the robot stand, s",
                                   low=0.05, high=0.5, runtime=True)
    imu_timeout_s: float = setting(0.2, "seconds the IMU or odometry may lag joint_states before the robot "
                                   "stands", low=0.01, high=0.2, runtime=True)
    sync_slop_s: float = setting(0.0, "real time (sync_period_s 0): IMU or odometry at most this much older than "
                                 "a joint reading is taken instead of waiting for one at or after it (drivers stamp "
                                 "each topic on its own); 0 = wait for it", low=0.0, high=0.2)
    sync_period_s: float = setting(0.0, "lock-step simulation: how often the command source answers a reading, "
                                   "s (cost_node: every control step; an agent without a guardrail: every "
                                   "agent tick); a reading waits for a /cmd_vel stamped less than this before "
                                   "it. 0 = real time, no waiting", low=0.0, high=1.0)
    sync_timeout_s: float = setting(10.0, "lock-step: wall seconds to wait for a reading's /cmd_vel before "
                                    "acting without it (counted; after the first /cmd_vel, no more waits until "
                                    "the next one comes)", low=0.05, high=60.0)


class GaitNode(Node):
    def __init__(self, **node_kwargs) -> None:
        super().__init__("gait_node", allow_undeclared_parameters=True, **node_kwargs)
        p = self.params = Parameters(self)
        cfg = p.declare_settings(GaitNodeSettings)
        self.config = p.declare_settings(GaitConfig, "limits.")
        sensor = sensor_qos(declare_reliable_sensors(p))
        p.reject_unknown_overrides()
        self.gait = TrotGait(self.config)
        self.sync_period = cfg.sync_period_s
        self.commands: deque[tuple[float, np.ndarray]] = deque(maxlen=64)  # (stamp, finite command)
        self.waiting = True  # lock-step: False after a wait for a command ran out, until the next command
        self.answered_until = -np.inf  # lock-step: the newest stamp a command came for, usable or not
        self.last_output_stamp = -np.inf
        self.schedule = RateSchedule()  # which readings to answer, `rate_hz` a second
        self.last_command: JointTrajectory | None = None
        self.counts = {"commands_out": 0, "nonfinite_cmd": 0, "future_cmd": 0, "stale_cmd": 0, "stale_imu": 0,
                       "untrusted_input": 0, "future_reading": 0, "held_after_future_reading": 0,
                       "nonfinite_targets": 0, "clock_went_back": 0, "old_reading": 0, "held_targets": 0}
        self.hold_until = -np.inf  # node time until which every reading is answered with the standing pose
        self.clock_back = ClockBack()  # read at every joint reading
        self.answered_wall = -np.inf  # monotonic time of the newest answer to an honest reading
        self.refused_wall: float | None = None  # monotonic time of a refused reading not yet followed by an answer
        self.only_refused = False  # no honest reading answered since refused ones got the standing pose
        # on the steady clock: lock-step sim time stands while the sim waits for the answer
        self.create_timer(UNANSWERED_S / 5, self._answer_refused, clock=Clock(clock_type=ClockType.STEADY_TIME))
        self.stale = True
        wait_s = cfg.sync_timeout_s if self.sync_period > 0 else cfg.imu_timeout_s
        slop_s = cfg.sync_slop_s if self.sync_period == 0 else 0.0  # lock-step: the exact wait, repeatable
        self.gate = TickGate(self, ("imu", "odom"), wait_s, self._act, also_ready=self._answered, slop_s=slop_s)
        self.pub = self.create_publisher(JointTrajectory, "joint_commands", COMMAND_QOS)
        self.create_subscription(TwistStamped, "cmd_vel", self._on_cmd_vel, COMMAND_QOS)
        self.create_subscription(Imu, "imu/data", self.gate.feed("imu"), sensor)
        self.create_subscription(Odometry, "odom", self.gate.feed("odom"), sensor)
        self.create_subscription(JointState, "joint_states", self._on_joints, sensor)
        self.create_service(Trigger, "~/reset", self._on_reset)
        self.diagnostics = Diagnostics(self, self._report)

    def _on_reset(self, request, response):
        self._forget()
        self.get_logger().info("reset: standing, stride, heading and commands forgotten")
        response.success, response.message = True, "gait reset: standing"
        return response

    def _forget(self, stamps_too: bool = False) -> None:
        """Stand, and forget the trot's phase and heading and the commands received; with `stamps_too`, also the
        stamps answered (the clock went back: every later reading would look already answered)."""
        self.gait.reset()
        self.commands.clear()
        self.answered_until = -np.inf
        self.waiting = True
        self.hold_until = -np.inf
        if stamps_too:
            self.last_output_stamp, self.last_command, self.schedule = -np.inf, None, RateSchedule()

    def _on_cmd_vel(self, msg: TwistStamped) -> None:
        command, stamp = conv.twist_vector(msg), stamp_to_sec(msg.header.stamp)
        if not np.isfinite(stamp):
            self.counts["nonfinite_cmd"] += 1
            self.get_logger().warning(f"ignored /cmd_vel with a non-finite stamp {stamp}", throttle_duration_sec=2.0)
            return
        now = self.get_clock().now().nanoseconds * 1e-9
        if stamp > max(now, self.last_output_stamp) + FUTURE_TOLERANCE_S:
            self.counts["future_cmd"] += 1
            self.get_logger().warning(f"ignored /cmd_vel stamped {stamp:.3f}, ahead of the clock ({now:.3f})",
                                      throttle_duration_sec=2.0)
            return
        # A command whose stamp can be trusted answers its reading in lock-step even when its velocities
        # cannot be used: the barrier holds, and the sim does not run free while only bad ones come.
        self.answered_until = max(self.answered_until, stamp)
        self.waiting = True
        if np.all(np.isfinite(command)):
            self.commands.append((stamp, command))
        else:
            self.counts["nonfinite_cmd"] += 1
            self.get_logger().warning(f"ignored non-finite /cmd_vel {command.tolist()}",
                                      throttle_duration_sec=2.0)
        self.gate.release()

    def _answered(self, stamp: float) -> bool:
        """Lock-step: a reading goes only with its answer (a command stamped less than sync_period_s before it)."""
        if self.sync_period <= 0 or not self.waiting:
            return True
        return stamp - self.answered_until < self.sync_period - EPS

    def _on_joints(self, msg: JointState) -> None:
        stamp, now = stamp_to_sec(msg.header.stamp), self.get_clock().now()
        now_s = now.nanoseconds * 1e-9
        if (before := self.clock_back.went_back(now_s)) is not None:
            # a looped replay, a robot's clock stepped back: every later reading would look already answered. A
            # reading older than the last answered on a clock that did not go back (a second publisher of stale
            # readings) is only counted, below
            self.counts["clock_went_back"] += 1
            self.get_logger().warning(f"the node clock went back from {before:.3f} to {now_s:.3f} s: standing, trot, "
                                      "commands and stamps forgotten")
            self._forget(stamps_too=True)
        if stamp > now_s + FUTURE_TOLERANCE_S:
            # Not answered: its stamp would become the newest output's and drop every honest reading after it.
            self.counts["future_reading"] += 1
            self.hold_until = now_s + UNTRUSTED_HOLD_S
            self.get_logger().error(f"joint_states stamped {stamp:.3f}, ahead of the clock ({now_s:.3f}): refused; "
                                    f"standing until {self.hold_until:.3f}", throttle_duration_sec=2.0)
            self._not_answered(now)
        elif stamp == self.last_output_stamp and self.last_command is not None:
            self.pub.publish(self.last_command)  # the same reading offered again: our answer was lost
        elif stamp < self.last_output_stamp:
            self._not_answered(now)  # stamped 0, or a driver's clock behind: nothing honest may come (QA 2026-12-08)
            self.counts["old_reading"] += 1  # came after a later one: too late to answer
        elif self.schedule.keep(stamp, 1.0 / self.params["rate_hz"]):  # decimate to rate_hz
            self.gate.event(stamp, msg)
        elif self.sync_period > 0 and self.last_command is not None:
            self._hold_targets(msg.header.stamp)

    def _not_answered(self, now) -> None:
        """A reading refused or too old to answer. With no honest reading answered since the last stance, it gets the
        standing pose at once; else the standing pose goes out if no honest reading is answered within UNANSWERED_S
        (`_answer_refused`): a driver whose every reading is stamped ahead, at 0 or behind must not leave the joint
        controller on the trot's last targets, mid-stride."""
        if self.only_refused:  # no honest reading answered since the last stance: each refused one gets it
            self._publish(now.to_msg(), self.gait.standing_pose(), answers_reading=False)
        elif self.refused_wall is None:
            self.refused_wall = time.monotonic()

    def _hold_targets(self, stamp) -> None:
        """Lock-step, a reading between two of the gait's steps (`rate_hz` below the sim's joint rate): the sim
        waits for an answer to every reading, so it gets the last targets again, stamped with it, as a slower
        controller's body holds them (QA, 2026-12-08: unanswered, each step waited out the sim's sync timeout)."""
        held = JointTrajectory(joint_names=self.last_command.joint_names, points=self.last_command.points)
        held.header.stamp = stamp
        self.pub.publish(held)
        self.counts["held_targets"] += 1

    def _answer_refused(self) -> None:
        """A refused reading that no answer to an honest one followed within UNANSWERED_S: the body is told to stand,
        stamped with the node clock (its stamp is not a time we trust)."""
        if self.refused_wall is None or time.monotonic() - self.refused_wall < UNANSWERED_S:
            return
        if self.answered_wall < self.refused_wall:
            # The trot starts afresh from this stance, on commands that come after it. QA (2026-12-08): with a
            # driver's clock fallen behind, once its stamps passed the last one answered the trot went on from its
            # stride before the stance, ramping its old command down and re-placing every foot: 0.6-1.0 s of swing
            # targets between two stances, while the guardrail held cmd_vel at zero.
            self.gait.reset()  # as `_stand` does
            self.commands.clear()
            if self.last_command is not None:  # the last reading answered, offered again, gets the stance too
                self.last_command = trajectory(self.last_command.header.stamp, self.gait.standing_pose())
            self._publish(self.get_clock().now().to_msg(), self.gait.standing_pose(), answers_reading=False)
            self.only_refused = True  # until an honest reading is answered, at the refused readings' own rate
        self.refused_wall = None

    def _act(self, stamp: float, joints: JointState, inputs: dict, timed_out: bool) -> None:
        if stamp <= self.last_output_stamp:
            return  # a duplicate that was already pending
        if timed_out and not self._answered(stamp) and self.commands:
            # The command did not come: go on without waiting until one comes. Before the first command
            # every reading waits (start-up: the guardrail's node may still be discovering the body).
            self.waiting = False
        if stamp < self.hold_until - EPS:
            self.counts["held_after_future_reading"] += 1
            return self._stand(joints.header.stamp, stamp)
        imu, odom = inputs["imu"], inputs["odom"]
        lags = [stamp - stamp_to_sec(m.header.stamp) for m in (imu, odom) if m is not None]
        if imu is None or max(lags) > self.params["imu_timeout_s"]:
            self.counts["stale_imu"] += 1
            self.get_logger().warning("IMU or odometry lags joint_states; standing",
                                      throttle_duration_sec=2.0)
            return self._stand(joints.header.stamp, stamp)
        problem = next((p for m in (imu, odom) if m is not None and (p := message_problem(m))), None)
        try:
            readings = conv.readings_from_msgs(joints, imu, odom)
        except conv.JointOrderError as err:  # a reading without all joints: nothing to build a reading from
            problem = str(err)
        if problem is not None:  # never into the trot's filters: NaN would stay there for good
            self.counts["untrusted_input"] += 1
            self.get_logger().error(f"{problem}; holding the standing pose", throttle_duration_sec=2.0)
            return self._stand(joints.header.stamp, stamp)
        dt = 1.0 / self.params["rate_hz"] if np.isinf(self.last_output_stamp) else \
            max(stamp - self.last_output_stamp, 1e-3)
        targets = self.gait.step(self._command(stamp), readings, dt)
        if not np.all(np.isfinite(targets)):  # never to the body; a trot in such a state starts afresh
            self.counts["nonfinite_targets"] += 1
            self.get_logger().error(f"non-finite joint targets at t={stamp:.3f}; standing, trot reset",
                                    throttle_duration_sec=2.0)
            return self._stand(joints.header.stamp, stamp)
        self.last_output_stamp = stamp
        self._publish(joints.header.stamp, targets)

    def _command(self, stamp: float) -> np.ndarray:
        """The newest command stamped at or before `stamp`, or zero when it is stale: older than cmd_timeout_s by the
        reading's stamp or by the node clock, if later. QA (2026-12-08): a driver's clock that fell 2 s behind gave
        readings 2 s old, whose commands, the walk from before the guardrail's stop, were fresh by their stamps, and
        the gait trotted on them for 0.4 s between two stances."""
        chosen = next(((s, c) for s, c in reversed(self.commands) if s <= stamp + EPS), None)
        now = max(stamp, self.get_clock().now().nanoseconds * 1e-9)
        stale = chosen is None or now - chosen[0] > self.params["cmd_timeout_s"]
        if stale and not self.stale and chosen is not None:
            self.counts["stale_cmd"] += 1
            self.get_logger().warning("/cmd_vel went stale; standing")
        self.stale = stale
        return ZERO if stale else chosen[1]

    def _stand(self, msg_stamp, stamp: float) -> None:
        """Answer the reading at `stamp` with the standing pose; the trot starts afresh from it. QA (2026-12-08): after
        a stance for an IMU that lagged, the trot went back to its old stride at once, a mid-swing pose one step
        after the stance (0.37-0.44 rad in a step, against 0.19 when walking)."""
        self.gait.reset()
        self.last_output_stamp = stamp
        self._publish(msg_stamp, self.gait.standing_pose())

    def _publish(self, stamp, targets: np.ndarray, answers_reading: bool = True) -> None:
        msg = trajectory(stamp, targets)
        self.pub.publish(msg)
        if answers_reading:  # offered again if the reading at last_output_stamp comes again
            self.last_command = msg
            self.answered_wall, self.only_refused = time.monotonic(), False
        self.counts["commands_out"] += 1

    def _report(self):
        held = self.get_clock().now().nanoseconds * 1e-9 < self.hold_until
        trouble = self.counts["nonfinite_cmd"] or self.stale or held
        trouble = trouble or self.only_refused
        message = ("standing: joint_states stamped ahead of the clock" if held
                   else "standing: no joint_states it can answer (stamped before the last one answered: header.stamp "
                        "0, or a clock behind?)" if self.only_refused
                   else "standing: /cmd_vel stale" if self.stale else "walking")
        if self.counts["nonfinite_cmd"]:
            message += f"; {self.counts['nonfinite_cmd']} non-finite commands ignored"
        return WARN if trouble else OK, message, {**self.counts, "sync_timeouts": self.gate.timeouts}

    def stand(self) -> None:
        """Last act on shutdown: command the standing pose."""
        self._publish(self.get_clock().now().to_msg(), self.gait.standing_pose())
        self.pub.wait_for_all_acked(Duration(seconds=1.0))  # the node is destroyed next


def trajectory(stamp, targets: np.ndarray) -> JointTrajectory:
    """One point of 12 joint position targets, stamped `stamp`."""
    msg = JointTrajectory()
    msg.header.stamp = stamp
    msg.joint_names = list(JOINT_NAMES)
    msg.points = [JointTrajectoryPoint(positions=[float(v) for v in targets])]
    return msg


def main(args=None) -> None:
    spin_node(GaitNode, args, on_shutdown=lambda node: node.stand())


if __name__ == "__main__":
    main()
