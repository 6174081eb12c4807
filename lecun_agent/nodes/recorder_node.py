"""recorder_node: records topics of the contract to a rosbag2-compatible MCAP file (no rosbag2 needed).

It subscribes with `raw=True`, so payloads go to disk as the CDR bytes the publisher sent, and it
adapts its QoS to the publishers it finds (as `ros2 bag record` does): reliable only if every
publisher is, transient-local only if every publisher is, so latched camera_info is not lost.
Log time is the node clock, or under use_sim_time the newest /clock the node heard (as `ros2 bag record
--use-sim-time`). Before the first /clock the node clock would read 0 however far the sim has run (and a
duration timed from that 0 would end at the clock's first jump), so the newest message of each topic that
comes before it is held and written at the first /clock's time: the latched one-off messages a stack
publishes at its start (the cost definition, the mode) are recorded, older readings of a stream are not.
Only the contract's message types are recorded (a topic of another type is logged and skipped:
a type name from the graph never chooses an import). Every FLUSH_PERIOD_S of wall time the open
chunk is closed and the file synced, so a SIGKILL or power loss costs at most that much.
Until the first message but diagnostics and /clock is recorded (duration_s counts from it), it warns every
WAITING_WARNING_PERIOD_S of wall time which topics have no publisher or no message yet, so a recorder waiting on
nothing says why.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rclpy.clock import Clock, ClockType
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from rclpy.time import Time
from rosgraph_msgs.msg import Clock as ClockMsg

from lecun_agent.paths import unused_path
from lecun_agent.recording.bag import FLUSH_PERIOD_S, BagWriter, qos_to_dict
from lecun_agent.recording.msgdefs import UnknownTypeError, message_class
from lecun_agent.recording.topics import CONTRACT_TOPICS, CONVERT_REQUIRED, resolve

from .diagnostics import OK, WARN, Diagnostics
from .parameters import Parameters
from .spin import spin_node

CLOCK_QOS = QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT)  # as rclpy's own time source
WAITING_WARNING_PERIOD_S = 5.0  # wall time between "nothing recorded yet" warnings


class RecorderNode(Node):
    def __init__(self, **kwargs) -> None:
        super().__init__("recorder_node", allow_undeclared_parameters=True, **kwargs)
        p = self.params = Parameters(self)
        out = p.declare("output", "", "MCAP file to write; empty = recordings/<date-time>.mcap; an existing "
                        "file is never overwritten: <name>.1.mcap, .2, ... is written instead")
        topics = p.declare("topics", list(CONTRACT_TOPICS), "topics to record (relative names resolve in "
                           "the node's namespace); types outside the contract are taken from the graph")
        p.declare("duration_s", 0.0,
                  "stop this many seconds of log time (sim time under use_sim_time) after the first message "
                  "recorded but diagnostics and /clock; 0 = until stopped",
                  low=0.0, high=86400.0)
        p.declare("discovery_period_s", 0.5, "how often to look for publishers of topics not yet subscribed",
                  low=0.05, high=10.0)
        p.declare("compression", "zstd", "chunk compression", choices=("zstd", "none"))
        p.reject_unknown_overrides()
        wanted = Path(out) if out else Path("recordings") / f"{datetime.now():%Y%m%d-%H%M%S}.mcap"
        self.path = unused_path(wanted)  # respawned after a crash, the recording before it stays whole
        if self.path != wanted:
            self.get_logger().warning(f"{wanted} exists (an earlier recording, or this recorder's before a restart): "
                                      f"never overwritten; writing {self.path}")
        self.writer = BagWriter(self.path, compression=p["compression"])
        self.wanted = {self.resolve_topic_name(t): t for t in topics if t}
        self.subscriptions_by_topic: dict[str, object] = {}
        self.diagnostics = Diagnostics(self, self._report)
        # Discovery must run before /clock exists (sim time starts with the sim), so it uses the
        # steady clock; the recording's own timing uses the node clock.
        steady = Clock(clock_type=ClockType.STEADY_TIME)
        self.create_timer(p["discovery_period_s"], self._discover, clock=steady)
        self.create_timer(FLUSH_PERIOD_S, self.writer.flush, clock=steady)  # bounds what a crash loses
        self.waiting_timer = self.create_timer(WAITING_WARNING_PERIOD_S, self.warn_nothing_recorded, clock=steady)
        self.started_ns: int | None = None  # log time of the first recorded message
        self.sim_time = bool(self.get_parameter("use_sim_time").value)
        self.clock_ns: int | None = None  # the newest /clock heard (use_sim_time)
        self.held_before_clock: dict[str, bytes] = {}  # the newest message of each topic before the first /clock
        self.before_clock = 0  # messages not recorded: a newer one of their topic came before the first /clock
        if self.sim_time:
            self.create_subscription(ClockMsg, "/clock", self._on_clock, CLOCK_QOS)
        self.finished = False  # duration reached (spin_node then shuts the node down)
        if p["duration_s"] > 0:
            # Checked on the steady clock, measured in log time from the first message recorded:
            # a node-clock timer made before /clock arrives would fire at the first jump.
            self.create_timer(0.05, self._check_duration, clock=steady)
        self.get_logger().info(f"recording {sorted(self.wanted)} to {self.path}")

    def _discover(self) -> None:
        graph = dict(self.get_topic_names_and_types())
        for topic, relative in self.wanted.items():
            if topic in self.subscriptions_by_topic or topic not in graph:
                continue
            type_name = CONTRACT_TOPICS.get(relative) or CONTRACT_TOPICS.get(topic) or graph[topic][0]
            try:
                msg_class = message_class(type_name)
            except UnknownTypeError as err:
                self.get_logger().warning(f"{topic}: {err}; not recorded")
                self.subscriptions_by_topic[topic] = None
                continue
            if type_name not in graph[topic]:
                self.get_logger().warning(f"{topic} carries {graph[topic]}, not {type_name}; not recorded")
                self.subscriptions_by_topic[topic] = None
                continue
            offers = [i.qos_profile for i in self.get_publishers_info_by_topic(topic)]
            if not offers:
                continue
            self.writer.add_topic(topic, type_name, [qos_to_dict(q) for q in offers])
            reliable = all(q.reliability == ReliabilityPolicy.RELIABLE for q in offers)
            latched = all(q.durability == DurabilityPolicy.TRANSIENT_LOCAL for q in offers)
            qos = QoSProfile(
                history=HistoryPolicy.KEEP_LAST, depth=100,
                reliability=ReliabilityPolicy.RELIABLE if reliable else ReliabilityPolicy.BEST_EFFORT,
                durability=DurabilityPolicy.TRANSIENT_LOCAL if latched else DurabilityPolicy.VOLATILE)
            self.subscriptions_by_topic[topic] = self.create_subscription(
                msg_class, topic, lambda data, t=topic: self._on_message(t, data), qos,
                raw=True)
            self.get_logger().info(f"recording {topic} [{type_name}]")

    def _log_time_ns(self) -> int | None:
        """The node clock's time, or under use_sim_time the newest /clock heard (None before the first)."""
        return self.clock_ns if self.sim_time else self.get_clock().now().nanoseconds

    def _on_clock(self, msg: ClockMsg) -> None:
        self.clock_ns = Time.from_msg(msg.clock).nanoseconds
        held, self.held_before_clock = self.held_before_clock, {}
        for topic, data in held.items():  # written at the first /clock's time
            self._on_message(topic, data)

    def _on_message(self, topic: str, data: bytes) -> None:
        now = self._log_time_ns()
        if now is None:
            if topic in self.held_before_clock:
                self.before_clock += 1
                self.get_logger().warning(f"{topic}: messages before the first /clock are not recorded, only the "
                                          "newest (use_sim_time: their log time is unknown)",
                                          throttle_duration_sec=5.0)
            self.held_before_clock[topic] = data
            return
        if self.started_ns is None and is_from_the_stack(topic):  # its own diagnostics, a sim's /clock: no sign of it
            self.started_ns = now
        self.writer.write(topic, data, now)

    def _check_duration(self) -> None:
        now = self._log_time_ns()
        if self.started_ns is not None and now is not None and now - self.started_ns >= self.params["duration_s"] * 1e9:
            self._stop()

    def warn_nothing_recorded(self) -> None:
        """Log why nothing is recorded yet (a duration only starts at the first message); silent after it."""
        if self.started_ns is not None:
            self.waiting_timer.cancel()
            return
        subscribed = self.subscriptions_by_topic
        reasons = []
        if no_publisher := sorted(t for t in self.wanted if t not in subscribed):
            reasons.append(f"no publisher of {no_publisher}")
        counts = self.writer.message_counts
        if silent := sorted(t for t, sub in subscribed.items() if sub is not None and not counts.get(t)):
            reasons.append(f"no message yet on {silent}")
        if skipped := sorted(t for t, sub in subscribed.items() if sub is None):
            reasons.append(f"not recorded (another type): {skipped}")
        if self.sim_time and self.clock_ns is None:
            reasons.append("no /clock yet (use_sim_time: nothing is recorded before it)")
        waits = " (the duration counts from the first message)" if self.params["duration_s"] > 0 else ""
        self.get_logger().warning(f"nothing recorded yet{waits}: {'; '.join(reasons)}")

    def _report(self):
        counts = self.writer.message_counts
        waiting = sorted(t for t in self.wanted if t not in self.subscriptions_by_topic)
        recorded = sum(counts.values())
        # WARN only while nothing is recorded: a wanted topic of a part the stack does not run (cmd_vel_unstamped is
        # off by default) kept a healthy recording at WARN for good (QA, 2026-12-08); it is named all the same
        return (WARN if waiting and not recorded else OK,
                f"{recorded} messages to {self.path}" + (f"; no publisher of {waiting}" if waiting else ""),
                {**counts, "waiting_for": waiting, "before_clock": self.before_clock})

    def _stop(self) -> None:
        self.get_logger().info(f"duration reached; {sum(self.writer.message_counts.values())} messages")
        self.finished = True  # spin_node stops as on Ctrl-C: the bag is closed, the last diagnostics sent

    def close(self) -> None:
        self.writer.close()
        self.get_logger().info(f"wrote {self.path}: {self.writer.message_counts}")
        counts = self.writer.message_counts
        if not heard_the_stack(counts):
            others = sorted(t for t in self.wanted if is_from_the_stack(t))
            self.get_logger().error(f"{self.path} holds no message of {others}: "
                                    "is the stack running, in this ROS_DOMAIN_ID and namespace?")
        elif missing := missing_for_convert(counts, self.wanted, self.get_namespace()):
            self.get_logger().warning(f"{self.path} holds no message of {missing}: `lecun-agent convert` needs them "
                                      "(a duration_s shorter than discovery_period_s can end before they are "
                                      "subscribed)")


def is_diagnostics(topic: str) -> bool:
    """/diagnostics (or a namespace's): every node's, this recorder's too, so no sign that the stack runs."""
    return topic.rsplit("/", 1)[-1] == "diagnostics"


def is_from_the_stack(topic: str) -> bool:
    """Whether a message on `topic` shows that the stack runs where the recorder listens: not diagnostics, and not
    the root /clock, which a sim or replay publishes whatever namespace the stack runs in (a recorder in a namespace
    no stack ran in heard only /clock and its own diagnostics and said it had recorded, QA 2026-12-08)."""
    return not is_diagnostics(topic) and topic != "/clock"


def heard_the_stack(message_counts: dict[str, int]) -> bool:
    """Whether a recording holds a message of any topic but diagnostics and /clock."""
    return any(count for topic, count in message_counts.items() if is_from_the_stack(topic))


def missing_for_convert(message_counts: dict[str, int], wanted, namespace: str = "") -> list[str]:
    """The topics `lecun-agent convert` needs, resolved in `namespace`, that are among the `wanted` ones (fully
    qualified) but hold no message: a recording without them cannot be converted."""
    needed = (resolve(t, namespace) for t in CONVERT_REQUIRED)
    return [topic for topic in needed if topic in wanted and not message_counts.get(topic)]


def main(args=None, **node_kwargs) -> None:
    spin_node(lambda: RecorderNode(**node_kwargs), args=args, on_shutdown=lambda node: node.close())


if __name__ == "__main__":
    main()
