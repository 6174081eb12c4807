"""sim_node: the PyBullet quadruped behind the same topics a real robot's driver offers.

It owns simulated time: it publishes /clock and every sensor topic, applies /joint_commands
and steps physics either in lock-step with the command derived from its latest
observation (synchronous) or at wall-clock rate (realtime). Either way time starts only once the
stack answers: lock-step at the first joint command (the gait waits for the agent's), real time once
every link of the loop has answered the first instant (START_LINKS: the agent's proposal, the
guardrail's scoring of the body, the gait's joint command); until then the first reading is offered
again every REOFFER_S, since discovery loses what is sent before it completes (real-time episodes
stood for 3-6 s of their clock while it did). Its timers are wall-clock
on purpose: it is the clock source, so it cannot wait on /clock itself. `~/reset` puts the body
back standing; a joint command stamped before the reset answers the old body's readings and is
ignored (counted as pre_reset_commands); reset gait_node with it (its `~/reset`).
With `record_dir` it logs the episode's ground truth and (`record_video`) a chase-camera video on
which the actor's plan, its samples and the goal it walks to are drawn (video_overlay.py).
"""

from __future__ import annotations

import dataclasses
import time
from collections import deque
from dataclasses import dataclass, replace

import numpy as np
from geometry_msgs.msg import TwistStamped
from nav_msgs.msg import Odometry
from rclpy.clock import Clock, ClockType
from rclpy.node import Node
from rosgraph_msgs.msg import Clock as ClockMsg
from sensor_msgs.msg import CameraInfo, Image, Imu, JointState
from std_srvs.srv import Trigger
from trajectory_msgs.msg import JointTrajectory

from lecun_agent.body.readings import FOOT_LINKS, JOINT_NAMES, quat_to_rpy, rotation_matrix
from lecun_agent.episodes.goal import GoalRules, episode_end
from lecun_agent.messages import conversions as conv
from lecun_agent.messages.conversions import sec_to_stamp, stamp_to_sec
from lecun_agent.settings import setting
from lecun_agent.sim.config import SLOW_PACE, ArenaConfig, SimConfig
from lecun_agent.sim.episode_log import EpisodeLog
from lecun_agent.sim.sim import QuadrupedSim

from .diagnostics import OK, WARN, Diagnostics
from .parameters import ParameterError, Parameters
from .qos import COMMAND_QOS, LATCHED_QOS, SENSOR_PUBLISHER_QOS, SENSOR_QOS
from .spin import spin_node
from .video_overlay import VideoOverlay

# Before time starts (lock-step: the first joint command; real time: the first proposal) the sim holds
# time still and offers its first observation again this often (wall s): messages sent before
# discovery completes are lost, and the first agent tick needs its camera frame.
REOFFER_S = 0.25
# Real time: the topics on which every link of the loop answers the first instant before time starts.
START_LINKS = ("agent/cmd_vel_proposed", "agent/cost", "joint_commands")


@dataclass(frozen=True)
class SimNodeSettings:
    seed: int = setting(0, "arena layout and sensor-noise seed, used at start and on ~/reset", low=0,
                        high=2**31 - 1, runtime=True)
    mode: str = setting("synchronous", "synchronous: step when the command for the latest observation "
                        "arrives (or sync_timeout_s passes); realtime: step at wall-clock rate",
                        choices=("synchronous", "realtime"))
    sync_timeout_s: float = setting(15.0, "synchronous mode: wall seconds to wait for the joint command "
                                    "answering the latest observation before stepping anyway (counted); longer "
                                    "than gait_node's own wait for a tick's command", low=0.01, high=120.0,
                                    runtime=True)
    command_timeout_s: float = setting(0.25, "sim seconds without a joint command before the robot holds its "
                                       "standing pose", low=0.02, high=0.25, runtime=True)
    realtime_factor: float = setting(1.0, "realtime mode: sim seconds per wall second", low=0.1, high=10.0)
    start_timeout_s: float = setting(15.0, "realtime mode: hold time at 0 until the agent's proposal, cost_node's "
                                     "agent/cost and the gait's joint command have come (the loop connected) or "
                                     "this many wall seconds pass (counted as start_timeouts); 0 = start at once",
                                     low=0.0, high=120.0)
    record_dir: str = setting("", "if set, write the episode's ground-truth log (truth.npz) here")
    record_video: bool = setting(True, "with record_dir: also write the chase-camera video (video.mp4)")
    episode: str = setting("", "an evaluated episode: the sim stops stepping the moment it ends (goal: on success, "
                           "fall or episode.time_limit_s, episodes/goal.py; program: at episode.time_limit_s), so "
                           "nothing after the end can change what is counted; empty = run until stopped",
                           choices=("", "goal", "program"))


PACE_WINDOW_STEPS = 250  # real time: the achieved real-time factor is measured over this many steps


class SimNode(Node):
    def __init__(self, **node_kwargs) -> None:
        super().__init__("sim_node", allow_undeclared_parameters=True, **node_kwargs)
        p = self.params = Parameters(self)
        p.declare_settings(SimNodeSettings)
        self.config = replace(p.declare_settings(SimConfig), arena=p.declare_settings(ArenaConfig, "arena."))
        self.rules = p.declare_settings(GoalRules, "episode.")
        self.ended_by: str | None = None
        p.reject_unknown_overrides()

        # ROS time never runs backwards, so a reset continues the clock: stamps are epoch + sim time.
        self.epoch = 0.0
        self.sim = None
        try:  # settings each in range but impossible together: a one-line refusal, not a traceback
            self.sim = QuadrupedSim(self.config)
            self.readings = self.sim.reset(p["seed"])
        except ValueError as err:
            if self.sim is not None:
                self.sim.close()
            raise ParameterError(f"parameters that do not go together: {err}") from err
        self.standing = self.readings.joint_pos.copy()
        self.targets = self.standing.copy()
        self.command_time = -np.inf  # sim time of the newest applied joint command
        self.recorder = EpisodeLog(p["record_dir"], self.sim, p["record_video"]) if p["record_dir"] else None
        self.counts = {"steps": 0, "sync_timeouts": 0, "stale_holds": 0, "bad_commands": 0, "pre_reset_commands": 0,
                       "start_timeouts": 0}
        self.paced: deque[tuple[float, float]] = deque(maxlen=PACE_WINDOW_STEPS)  # (wall s, stamp), real time

        self.pubs = {
            "clock": self.create_publisher(ClockMsg, "/clock", 10),
            "joints": self.create_publisher(JointState, "joint_states", SENSOR_PUBLISHER_QOS),
            "imu": self.create_publisher(Imu, "imu/data", SENSOR_PUBLISHER_QOS),
            "feet": self.create_publisher(JointState, "foot_contacts", SENSOR_PUBLISHER_QOS),
            "body": self.create_publisher(JointState, "body_contacts", SENSOR_PUBLISHER_QOS),
            "odom": self.create_publisher(Odometry, "odom", SENSOR_PUBLISHER_QOS),
            "truth": self.create_publisher(Odometry, "sim/ground_truth", SENSOR_PUBLISHER_QOS),
            "image": self.create_publisher(Image, "camera/image_raw", SENSOR_PUBLISHER_QOS),
            "info": self.create_publisher(CameraInfo, "camera/camera_info", LATCHED_QOS),
        }
        self.create_subscription(JointTrajectory, "joint_commands", self._on_command, COMMAND_QOS)
        if self.recorder is not None and self.recorder.writer is not None:  # the video shows what is planned
            VideoOverlay(self, self.recorder, self._odom_and_true_pose)
        self.create_service(Trigger, "~/reset", self._on_reset)
        self.diagnostics = Diagnostics(self, self._report)

        wall = Clock(clock_type=ClockType.STEADY_TIME)
        self.synchronous = p["mode"] == "synchronous"
        period = 1.0 / self.config.control_hz
        if self.synchronous:
            self.offered_at = time.monotonic()
            self.create_timer(0.01, self._sync_watchdog, clock=wall)
        else:
            self.started_at = time.monotonic()  # the wall time the wait for START_LINKS began
            self.unanswered = set() if p["start_timeout_s"] <= 0 else set(START_LINKS)
            self.offered_at = self.started_at
            # Only the start listens to these two; _start_clock drops them.
            self.start_subscriptions = [] if not self.unanswered else [
                self.create_subscription(TwistStamped, "agent/cmd_vel_proposed",
                                         lambda _: self._answered("agent/cmd_vel_proposed"), COMMAND_QOS),
                self.create_subscription(JointState, "agent/cost", lambda _: self._answered("agent/cost"),
                                         SENSOR_QOS)]
            self.create_timer(period / p["realtime_factor"], self._realtime_tick, clock=wall)
            if self.recorder is not None and self.recorder.writer is not None:
                self.get_logger().warning("real time with the chase video: each video frame takes tens of ms to "
                                          "render, which can hold the simulation below wall-clock rate "
                                          "(/diagnostics realtime_factor); lock-step has no such limit")
        self._publish_observation()
        self.get_logger().info(f"sim_node up: {p['mode']} mode, seed {p['seed']}, "
                               f"{self.config.control_hz:.0f} Hz")

    def _on_command(self, msg: JointTrajectory) -> None:
        try:
            index = {n: i for i, n in enumerate(msg.joint_names)}
            targets = np.array([msg.points[-1].positions[index[n]] for n in JOINT_NAMES])
        except (KeyError, IndexError):
            self.counts["bad_commands"] += 1
            self.get_logger().warning("joint command lacks joints or points; ignored",
                                      throttle_duration_sec=2.0)
            return
        if not np.all(np.isfinite(targets)):
            self.counts["bad_commands"] += 1
            self.get_logger().warning("non-finite joint command ignored", throttle_duration_sec=2.0)
            return
        if stamp_to_sec(msg.header.stamp) < self.epoch - 1e-9:  # it answers a reading of the body before ~/reset
            self.counts["pre_reset_commands"] += 1
            self.get_logger().warning("joint command stamped before the last reset ignored",
                                      throttle_duration_sec=2.0)
            return
        self.targets = targets
        self.command_time = self.readings.stamp
        if not self.synchronous:
            self._answered("joint_commands")
        # Synchronous: the command answering our latest observation releases the next step.
        if self.synchronous and stamp_to_sec(msg.header.stamp) >= self.readings.stamp - 1e-9:
            self._step_and_publish()

    def _answered(self, topic: str) -> None:
        if topic in self.unanswered:
            self.unanswered.discard(topic)
            if not self.unanswered:
                self.get_logger().info(f"clock started: every link answered within "
                                       f"{time.monotonic() - self.started_at:.1f} s of start")
                self._start_clock()

    def _start_clock(self) -> None:
        """Real time: stop waiting for START_LINKS and stop listening for them."""
        self.unanswered.clear()
        for sub in self.start_subscriptions:
            self.destroy_subscription(sub)
        self.start_subscriptions = []

    def _realtime_tick(self) -> None:
        if not self.unanswered:
            self._step_and_publish()
            return
        if time.monotonic() - self.started_at >= self.params["start_timeout_s"]:
            self.counts["start_timeouts"] += 1
            self.get_logger().warning(f"nothing on {', '.join(sorted(self.unanswered))} within "
                                      f"{self.params['start_timeout_s']} s; starting the clock anyway")
            self._start_clock()
        elif time.monotonic() - self.offered_at >= REOFFER_S:
            self._offer()

    def _odom_and_true_pose(self) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        """The current instant's (odometry, true) planar pose: the video overlay moves odom points with them."""
        r, gt = self.readings, self.sim.ground_truth()
        return ((r.odom_pos[0], r.odom_pos[1], quat_to_rpy(r.odom_quat)[2]),
                (gt.pos[0], gt.pos[1], quat_to_rpy(gt.quat)[2]))

    def _sync_watchdog(self) -> None:
        if self.ended_by is not None:
            return
        waited = time.monotonic() - self.offered_at
        if self.command_time == -np.inf and waited >= REOFFER_S:
            # Nothing commands the body yet: hold time still (reproducible start), re-offer the reading.
            self.get_logger().info("waiting for the first joint command on joint_commands",
                                   throttle_duration_sec=10.0)
            self._offer()
        elif self.command_time > -np.inf and waited >= self.params["sync_timeout_s"]:
            self.counts["sync_timeouts"] += 1
            self.get_logger().warning(
                f"no joint command for t={self.readings.stamp:.3f} within {self.params['sync_timeout_s']} s; "
                "stepping anyway", throttle_duration_sec=5.0)
            self._step_and_publish()

    def _step_and_publish(self) -> None:
        if self.ended_by is not None:
            return  # the episode is over: time stands still, so every count ends at the same step
        stale = self.readings.stamp - self.command_time > self.params["command_timeout_s"]
        if stale:
            self.counts["stale_holds"] += 1
        self.sim.set_joint_targets(self.standing if stale else self.targets)
        self.readings = dataclasses.replace(self.sim.step(), stamp=self.epoch + self.sim.time)
        self.counts["steps"] += 1
        if not self.synchronous:
            self.paced.append((time.monotonic(), self.readings.stamp))
        self._publish_observation()
        self._check_episode_end()

    def _check_episode_end(self) -> None:
        kind, t = self.params["episode"], self.sim.time
        if kind == "goal":
            gt = self.sim.ground_truth()
            self.ended_by = episode_end(t, gt.pos, gt.quat, self.sim.arena.goal_xy, self.rules)
        elif kind == "program" and t >= self.rules.time_limit_s - 1e-9:
            self.ended_by = "time_limit"
        if self.ended_by is not None:
            self.get_logger().info(f"episode ended at t={t:.2f} s: {self.ended_by}; holding time")
            self.diagnostics.publish()

    def _publish_observation(self) -> None:
        """Every reading of the current instant; the camera frame when one is due (an agent tick)."""
        r, t = self.readings, self.readings.stamp
        truth = self.sim.ground_truth()
        to_body = rotation_matrix(truth.quat).T  # nav_msgs/Odometry twists are in the child (base) frame
        pub = self.pubs
        out = [(pub["clock"], ClockMsg(clock=sec_to_stamp(t))),
               (pub["truth"], conv.odometry_msg(t, truth.pos, truth.quat, to_body @ truth.lin_vel,
                                                to_body @ truth.ang_vel)),
               (pub["odom"], conv.odometry_msg(t, r.odom_pos, r.odom_quat, r.odom_lin_vel, r.odom_ang_vel)),
               (pub["feet"], conv.contacts_msg(t, FOOT_LINKS, r.foot_forces)),
               (pub["body"], conv.contacts_msg(t, r.body_contacts.keys(), r.body_contacts.values()))]
        rgb = self.sim.render_camera() if self.sim.camera_due() else None
        if rgb is not None:
            info = conv.camera_info_msg(t, self.sim.camera_intrinsics(), self.config.camera_width,
                                        self.config.camera_height)
            out += [(pub["image"], conv.image_msg(t, rgb)), (pub["info"], info)]
        # joint_states last: consumers (the gait) act on it, the other readings are already out.
        out += [(pub["imu"], conv.imu_msg(r)), (pub["joints"], conv.joint_state_msg(r))]
        self.offered = out
        self._offer()
        # The episode log (the chase render: ~50 ms a video frame) only after the readings are out, so the
        # gait computes the next targets meanwhile. Before them, a real-time sim slowed by the video stepped
        # on targets one or two steps old, and the trot tilted 26 degrees on flat ground (docs/interfaces.md).
        if self.recorder is not None:
            self.recorder.add(t, r, rgb)

    def _offer(self) -> None:
        """(Re)send the current instant's messages; a re-offer at start replaces what discovery lost."""
        self.offered_at = time.monotonic()
        for publisher, msg in self.offered:
            publisher.publish(msg)

    def _on_reset(self, request, response):
        try:
            readings = self.sim.reset(self.params["seed"])
        except ValueError as err:  # a seed these arena settings cannot lay out: the episode goes on unchanged
            response.success, response.message = False, f"not reset: seed {self.params['seed']}: {err}"
            self.get_logger().error(response.message)
            return response
        self.epoch = self.readings.stamp + self.config.control_dt
        self.readings = dataclasses.replace(readings, stamp=self.epoch)
        self.targets, self.command_time = self.standing.copy(), -np.inf
        self._publish_observation()
        # the new episode's first stamp: a client can tell what is still queued from before the reset
        response.success, response.message = True, f"reset to seed {self.params['seed']} at t={self.epoch:.6f}"
        self.get_logger().info(response.message)
        return response

    def achieved_realtime_factor(self) -> float | None:
        """Real time: sim seconds per wall second over the last PACE_WINDOW_STEPS steps (None in lock-step)."""
        if len(self.paced) < 2 or self.paced[-1][0] <= self.paced[0][0]:
            return None
        (wall0, stamp0), (wall1, stamp1) = self.paced[0], self.paced[-1]
        return (stamp1 - stamp0) / (wall1 - wall0)

    def _report(self):
        values = {"sim_time": f"{self.sim.time:.3f}", "episode_end": self.ended_by or "", **self.counts}
        if self.counts["sync_timeouts"] or self.counts["bad_commands"] or self.counts["start_timeouts"]:
            return WARN, "sync or start timeouts or bad commands seen", values
        achieved, wanted = self.achieved_realtime_factor(), self.params["realtime_factor"]
        if achieved is not None:
            values["realtime_factor"] = f"{achieved:.2f}"
            if self.ended_by is None and achieved < SLOW_PACE * wanted:
                return WARN, (f"slower than wall clock: {achieved:.2f} sim s per wall s (asked {wanted:g}); the "
                              "agent's timing is not the real robot's"), values
        return OK, f"episode ended: {self.ended_by}" if self.ended_by else "stepping", values

    def close(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
        self.sim.close()


def main(args=None) -> None:
    spin_node(SimNode, args, on_shutdown=lambda node: node.close())


if __name__ == "__main__":
    main()
