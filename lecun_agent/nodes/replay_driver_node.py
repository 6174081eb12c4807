"""replay_driver_node: a stand-in robot driver that replays a recorded MCAP's robot-side topics.

It publishes what a real driver would (joint_states, imu/data, camera, foot_contacts, odom and
/clock) at the recorded timing, straight from the recorded CDR bytes. Its import chain has no
simulator in it, so running the agent against it proves the agent does not need PyBullet.
If the recording has no /clock, the recorded log times are published as /clock instead.

A recording is untrusted: each topic is published as its contract type (never a type the file
names), a file with any channel of another type on a replayed topic is refused at start with an
error naming the schema, and each message is checked again before it goes out: its schema, and
that its bytes decode as that type. The first message that fails stops the playback (an ERROR on
/diagnostics); the robot's guardrail then sees its inputs go stale and stops. Motion commands (cmd_vel,
joint_commands, ...) are never replayed: a recording must not drive the body past the guardrail.
"""

from __future__ import annotations

import time

from rclpy.clock import Clock, ClockType
from rclpy.node import Node
from rosgraph_msgs.msg import Clock as ClockMsg

from lecun_agent.messages.conversions import sec_to_stamp
from lecun_agent.recording.bag import BagMessage, BagReader, MissingTopicsError, RecordingError
from lecun_agent.recording.msgdefs import message_class
from lecun_agent.recording.topics import CONTRACT_TOPICS, MOTION_COMMANDS, ROBOT_TOPICS, resolve

from .diagnostics import ERROR, OK, Diagnostics
from .parameters import ParameterError, Parameters
from .qos import LATCHED_QOS, SENSOR_PUBLISHER_QOS
from .spin import spin_node


class ReplayDriverNode(Node):
    def __init__(self, **kwargs) -> None:
        super().__init__("replay_driver_node", allow_undeclared_parameters=True, **kwargs)
        p = Parameters(self)
        bag = p.declare("bag", "", "MCAP recording to replay (required)",
                        validator=lambda v: None if v else "bag must name an MCAP file")
        topics = p.declare("topics", list(ROBOT_TOPICS), "robot-side topics to replay (relative names)")
        p.declare("bag_namespace", "", "namespace the topics were recorded under")
        p.declare("rate", 1.0, "playback speed factor (2.0 = twice as fast)", low=0.05, high=20.0,
                  runtime=True)
        p.declare("loop", False, "start over at the end of the recording", runtime=True)
        p.declare("start_delay_s", 1.0, "wall seconds to wait before the first message (discovery)",
                  low=0.0, high=60.0)
        p.reject_unknown_overrides()
        self.params = p
        wanted = {resolve(t, p["bag_namespace"]): t for t in topics}
        outside = sorted(rel for rel in wanted.values() if rel not in CONTRACT_TOPICS)
        if outside:
            raise ParameterError(f"topics {outside} are not in the topic contract; only its topics are replayed")
        commands = sorted(rel for rel in wanted.values() if rel in MOTION_COMMANDS)
        if commands:  # a recording must not drive the body past the guardrail (QA, 2026-12-07)
            raise ParameterError(f"topics {commands} are motion commands, not what a driver publishes: a replay "
                                 "never commands the robot")
        try:  # a recording it cannot replay is the user's input: one line (spin_node), not a traceback
            self.reader = BagReader(bag)
            self.reader.require([t for t in wanted if t != "/clock"])
            self.topics = {t: rel for t, rel in wanted.items() if self.reader.message_counts.get(t, 0)}
            # What goes out on each topic is the contract's type, whatever the file says; every channel
            # of a replayed topic must have been recorded as exactly that type.
            self.expect = {recorded: CONTRACT_TOPICS[rel] for recorded, rel in self.topics.items()}
            self.reader.check_types(self.expect)
        except (OSError, ValueError) as err:  # FileNotFoundError, and every RecordingError
            hint = ("" if p["bag_namespace"] or not isinstance(err, MissingTopicsError) else
                    "; a recording made under a namespace needs -p bag_namespace:=<it>")
            raise ParameterError(f"bag {bag}: {err}{hint}") from None
        self.refused = ""  # why playback stopped early, if a message failed its check
        self.synth_clock = "/clock" in wanted and "/clock" not in self.topics
        self.pubs = {}
        for recorded, relative in self.topics.items():
            qos = LATCHED_QOS if relative.endswith("camera_info") else SENSOR_PUBLISHER_QOS
            qos = 10 if relative == "/clock" else qos  # as sim_node publishes /clock
            self.pubs[recorded] = self.create_publisher(message_class(self.expect[recorded]), relative, qos)
        self.clock_pub = self.create_publisher(ClockMsg, "/clock", 10) if self.synth_clock else None
        self.diagnostics = Diagnostics(self, self._report)
        self.published, self.loops = 0, 0
        self._restart(time.monotonic() + p["start_delay_s"])
        # Playback is paced by the wall clock, as `ros2 bag play` is: this node is the time source.
        steady = Clock(clock_type=ClockType.STEADY_TIME)
        self.create_timer(0.002, self._tick, clock=steady)
        self.get_logger().info(f"replaying {sorted(self.topics)} from {bag}")

    def _restart(self, wall_start: float) -> None:
        self.messages = self.reader.raw(list(self.topics), self.expect)
        self.pending = self._next()
        self.bag_start = self.pending.log_time_ns if self.pending else 0
        self.wall_start = wall_start

    def _next(self) -> BagMessage | None:
        """The next message, checked (contract type, bytes that decode as it); None at the end or refused."""
        try:
            item = next(self.messages, None)
            return item.checked() if item is not None else None
        except RecordingError as err:
            self.refused = str(err)
            self.get_logger().error(f"replay stopped, nothing more is published: {err}")
            return None

    def _tick(self) -> None:
        now_ns = self.bag_start + (time.monotonic() - self.wall_start) * self.params["rate"] * 1e9
        while self.pending is not None and self.pending.log_time_ns <= now_ns:
            item = self.pending
            self.pubs[item.topic].publish(item.data)
            if self.clock_pub is not None:
                self.clock_pub.publish(ClockMsg(clock=sec_to_stamp(item.log_time_ns * 1e-9)))
            self.published += 1
            self.pending = self._next()
        if self.pending is None and self.params["loop"] and not self.refused:
            self.loops += 1
            self._restart(time.monotonic())

    def _report(self):
        state = "finished" if self.pending is None else "playing"
        level, state = (ERROR, f"refused: {self.refused}") if self.refused else (OK, state)
        return level, f"replay {state}", {"published": self.published, "loops": self.loops}


def main(args=None) -> None:
    spin_node(ReplayDriverNode, args=args)


if __name__ == "__main__":
    main()
