"""configurator_node: holds the agent's mode (explore / reach / rest) and publishes it on `agent/mode`.

Events switch the mode (goal on `goal_pose` -> reach; odom within goal_tolerance -> after_goal_mode;
tilt from `imu/data` past fall_tilt -> rest; an operator setting the `mode` parameter). The mode is
published latched (std_msgs/String) and, after each odometry reading, stamped with it on
`agent/mode_stamped` (messages/mode.py), which lock-step agents wait for. The agent reads it to
decide what to do. The goal is a HeldGoal (held_goal.py): republished latched on `agent/goal`, and
taken back from there after a respawn, so a configurator that restarts mid-task walks on to it.

Goal homing (configurator/goal_homing.py, on unless `goal_homing.enabled` is false): the goal is
moved onto the goal marker perception sees (`agent/goal_sighting`), so "reached" and the goal the
agent walks to follow what the camera sees rather than drifting odometry. Each sighting is taken
at the first odometry reading at or after its frame, with that reading's pose. With
`sync_sightings` (lock-step simulation; set by the stack description) a reading is judged only once
the sighting of its instant (or a later one) is in (TickGate): every run takes the same sightings
at the same readings, and lock-step runs stay repeatable. Without it (a real robot, whose camera
and odometry stamps never coincide) nothing waits, which would otherwise hold each reading up to a
frame. A robot that comes within `look_around.start_m` of the goal sent before homing on its
marker looks around for it (configurator/look_around.py), if it glimpsed the marker, or with
`look_around.unseen_too`, which the stack sets for the sim's goal episodes, where every goal is
marked: the goal to walk to is a viewpoint back on its path, with a point to keep in view that
sweeps round the goal sent, the goal is not judged reached meanwhile, and after
`look_around.give_up_s` without a sighting it is the goal sent again. The goal
sent, the goal to walk to and, while looking around, the point to keep in view go out with the
mode on `agent/mode_stamped`.

The configurator
does not write cost weights: `weights.<term>` on cost_node belong to the user alone
(docs/tuning.md), so a user's `ros2 param set` is never overwritten behind their back.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
from geometry_msgs.msg import PoseArray
from nav_msgs.msg import Odometry
from rclpy.node import Node
from rclpy.parameter import Parameter
from sensor_msgs.msg import Imu, JointState
from std_msgs.msg import String

from lecun_agent.body.readings import tilt_of
from lecun_agent.configurator.goal_homing import GoalHoming, HomingSettings
from lecun_agent.configurator.look_around import LookAround, LookAroundSettings
from lecun_agent.configurator.modes import Mode, ModeMachine, Transition
from lecun_agent.messages.conversions import message_problem, planar_pose, stamp_to_sec
from lecun_agent.messages.goal_sighting import sighting_of
from lecun_agent.messages.mode import mode_msg
from lecun_agent.settings import setting

from .diagnostics import OK, Diagnostics
from .held_goal import HeldGoal
from .parameters import Parameters
from .qos import LATCHED_QOS, SENSOR_PUBLISHER_QOS, declare_reliable_sensors, sensor_qos
from .spin import spin_node
from .tick_gate import EPS, SYNC_TIMEOUT_S, TickGate

MODES = tuple(m.value for m in Mode)


@dataclass(frozen=True)
class ConfiguratorSettings:
    mode: str = setting("explore", "current mode; setting it switches mode", choices=MODES, runtime=True)
    after_goal_mode: str = setting("rest", "mode after the goal is reached", choices=("rest", "explore"))
    goal_tolerance: float = setting(0.1, "distance by odometry to the goal (moved onto its marker by goal "
                                    "homing) that counts as reached, m (well inside the eval's 0.3 m success "
                                    "radius: odometry drifts)", low=0.01,
                                    high=10.0, runtime=True)
    fall_tilt: float = setting(1.0, "tilt counted as a fall (-> rest), rad", low=0.1, high=1.0, runtime=True)


class ConfiguratorNode(Node):
    def __init__(self, **node_kwargs) -> None:
        super().__init__("configurator_node", allow_undeclared_parameters=True, **node_kwargs)
        p = self.params = Parameters(self)
        cfg = p.declare_settings(ConfiguratorSettings)
        homing = p.declare_settings(HomingSettings, "goal_homing.")
        look = p.declare_settings(LookAroundSettings, "look_around.")
        sync = p.declare("sync_sightings", False, "lock-step simulation: judge each odometry reading only once the "
                         "goal sighting of its instant is in (repeatable runs); false: take sightings as they come")
        sync_s = p.declare("sync_timeout_s", SYNC_TIMEOUT_S, "with sync_sightings: wall seconds an odometry reading "
                           "waits for the goal sighting of its instant before it is judged without it (counted)",
                           low=0.05, high=60.0)
        sensor = sensor_qos(declare_reliable_sensors(p))
        p.reject_unknown_overrides()
        self.machine = ModeMachine(Mode(cfg.mode), cfg.goal_tolerance, cfg.fall_tilt,
                                   Mode(cfg.after_goal_mode))
        p.on_change(self._on_params)
        self.mode_pub = self.create_publisher(String, "agent/mode", LATCHED_QOS)
        self.stamped_pub = self.create_publisher(JointState, "agent/mode_stamped", SENSOR_PUBLISHER_QOS)
        self.held_goal = HeldGoal(self, self._on_goal)
        self.homing = GoalHoming(homing) if homing.enabled else None
        self.look_around = LookAround(look)
        self.sightings = Counter()
        self.sighting_taken = math.nan  # the stamp of the newest sighting taken (NaN: none yet)
        sighting = ("sighting",) if self.homing is not None else ()
        self.gate = TickGate(self, sighting if sync else (), sync_s, self._on_odom, optional=() if sync else sighting)
        self.create_subscription(Odometry, "odom", lambda m: self.gate.event(stamp_to_sec(m.header.stamp), m),
                                 sensor)
        if self.homing is not None:
            self.create_subscription(PoseArray, "agent/goal_sighting", self.gate.feed("sighting"), sensor)
        self.create_subscription(Imu, "imu/data", self._on_imu, sensor)
        self.diagnostics = Diagnostics(self, self._report)
        self._publish_mode()

    def _on_goal(self, goal: np.ndarray | None, problem: str | None) -> None:
        if problem is not None:
            self.get_logger().error(f"{problem}: ignored")
            return
        transition = self.machine.on_goal(goal)
        if self.homing is not None and self.machine.goal is not None:
            if self.homing.anchor is None or not np.array_equal(self.homing.anchor, goal):
                self.homing.reset(goal)  # a new goal; the same one sent again keeps its sightings
                self.look_around.reset()
            self.machine.goal = self.homing.goal
        self._switched(transition)

    # An untrusted reading (NaN, Inf) is no event (the guardrail stops on it): an Inf quaternion would
    # otherwise read as a tilt of pi, a fall, and latch rest after the fault had cleared.
    def _on_odom(self, stamp: float, msg: Odometry, inputs: dict, timed_out: bool) -> None:
        if message_problem(msg) is None:
            if self.homing is not None:
                pose = planar_pose(msg)
                self._home(pose, inputs["sighting"])
                self._look_around(stamp, pose)
            if self.look_around.viewpoint is None:  # looking around is not reaching the goal
                self._switched(self.machine.on_position((msg.pose.pose.position.x, msg.pose.pose.position.y)))
        sent = None if self.homing is None or self.machine.goal is None else self.homing.anchor
        target, look_at = self.machine.goal, None  # no goal sent: the carrier holds the mode alone
        if sent is not None and self.look_around.viewpoint is not None:
            target, look_at = self.look_around.viewpoint, self.look_around.look_at(stamp)
        # judged up to this reading
        self.stamped_pub.publish(mode_msg(msg.header.stamp, self.machine.mode.value, sent, target, look_at))

    def _look_around(self, stamp: float, pose) -> None:
        """Near a goal whose marker was not seen: walk to a viewpoint facing it, for a while (look_around.py)."""
        reaching = self.machine.mode == Mode.REACH and self.machine.goal is not None
        was, started = self.look_around.viewpoint, self.look_around.count
        now = self.look_around.update(stamp, pose[:2], self.homing if reaching else None)
        if self.look_around.count > started:
            x, y = now
            self.get_logger().info(f"looking around: the goal marker was not homed on within "
                                   f"{self.look_around.settings.start_m} m of the goal sent; looking from ({x:.2f}, "
                                   f"{y:.2f})")
        elif was is not None and now is None:
            self.get_logger().info("stopped looking around: " + ("the marker was seen" if self.homing.homed
                                   else f"not seen in {self.look_around.settings.give_up_s} s, walking to the goal "
                                   "sent by odometry"))

    def _home(self, pose, sighting: PoseArray | None) -> None:
        """Take the newest sighting at or before this reading (once), and walk to where the sightings put the goal."""
        seen_at = None if sighting is None else stamp_to_sec(sighting.header.stamp)
        if seen_at is not None and not abs(seen_at - self.sighting_taken) <= EPS:  # new (time may go back)
            self.sighting_taken = seen_at
            marker, problem = sighting_of(sighting)
            if problem is not None:
                self.sightings["refused"] += 1
                self.get_logger().error(f"{problem}: ignored", throttle_duration_sec=2.0)
            elif marker is not None:
                taken = self.homing.see(marker, pose)
                self.sightings["taken" if taken else "not_taken"] += 1
                if taken and self.homing.taken == self.homing.settings.need and self.machine.goal is not None:
                    moved = float(np.linalg.norm(self.homing.goal - self.homing.anchor))
                    self.get_logger().info(f"goal homed: the marker seen stands {moved:.2f} m from the goal "
                                           f"sent, at ({self.homing.goal[0]:.2f}, {self.homing.goal[1]:.2f})")
        if self.machine.goal is not None:
            self.machine.goal = self.homing.goal

    def _on_imu(self, msg: Imu) -> None:
        if message_problem(msg) is not None:
            return
        o = msg.orientation
        self._switched(self.machine.on_tilt(tilt_of([o.x, o.y, o.z, o.w])))

    def _on_params(self, changed: dict) -> None:
        for name, value in changed.items():
            if name == "mode":
                self._switched(self.machine.set_mode(value))
            elif name in ("goal_tolerance", "fall_tilt"):
                setattr(self.machine, name, float(value))

    def _switched(self, transition: Transition | None) -> None:
        if transition is None:
            return
        self.get_logger().info(f"mode {transition.old} -> {transition.new}: {transition.reason}")
        if self.params["mode"] != transition.new.value:  # keep `ros2 param get mode` truthful
            self.set_parameters([Parameter("mode", value=transition.new.value)])
        self._publish_mode()

    def _publish_mode(self) -> None:
        self.mode_pub.publish(String(data=self.machine.mode.value))

    def _report(self):
        last = self.machine.history[-1].reason if self.machine.history else "none yet"
        values = {"mode": self.machine.mode.value, "transitions": len(self.machine.history),
                  "last_transition": last, "goal_homing": self.homing is not None,
                  "looking_around": self.look_around.viewpoint is not None, "look_arounds": self.look_around.count,
                  "goal": None if self.machine.goal is None else [round(float(v), 4) for v in self.machine.goal],
                  "sync_timeouts": self.gate.timeouts,
                  **{f"sightings.{k}": v for k, v in sorted(self.sightings.items())}}
        return OK, f"mode {self.machine.mode}", values


def main(args=None) -> None:
    spin_node(ConfiguratorNode, args)


if __name__ == "__main__":
    main()
