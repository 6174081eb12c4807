"""recorder_node under use_sim_time, started beside a sim already running (`lecun-agent record --use-sim-time`
against `lecun-agent up`): until its first /clock the node clock reads 0, so messages were logged at 0 and a
duration timed from that 0 ended at the clock's first jump (to 39.7 s here: "duration reached; 3 messages").
Now only the newest message of a topic before the first /clock is recorded, at that /clock's time (the latched
one-off messages of a stack's start were lost with `lecun-agent up --record`), and the duration runs in sim
time from the first one recorded."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import JointState

from lecun_agent.messages.conversions import sec_to_stamp
from lecun_agent.recording.bag_reader import BagReader

START_S = 39.7  # the sim's time when the recorder joins


def test_a_recorder_joining_a_running_sim_records_its_duration_in_sim_time(tmp_path):
    import rclpy

    out = tmp_path / "joined.mcap"
    log = tmp_path / "recorder.log"
    with open(log, "w") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "lecun_agent.nodes.recorder_node", "--ros-args",
                                 "-p", f"output:={out}", "-p", "duration_s:=1.0", "-p", "use_sim_time:=true",
                                 "-p", "topics:=[joint_states]"], env=dict(os.environ),
                                stdout=log_file, stderr=subprocess.STDOUT)
    rclpy.init()
    try:
        node = rclpy.create_node("sim_stand_in")
        clock = node.create_publisher(Clock, "/clock", 10)
        joints = node.create_publisher(JointState, "joint_states", 10)
        deadline, sim_s, sent, unclocked = time.monotonic() + 60.0, START_S, 0, 0
        while proc.poll() is None and time.monotonic() < deadline:
            stamp = sec_to_stamp(sim_s)
            unclocked += joints.get_subscription_count() > 0
            if unclocked > 20:  # 20 readings reach the recorder before any /clock does
                clock.publish(Clock(clock=stamp))
                sim_s += 0.01
            msg = JointState(name=["a"], position=[float(sent)])
            msg.header.stamp = stamp
            joints.publish(msg)
            sent += 1
            time.sleep(0.01)
        assert proc.wait(timeout=5) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
        rclpy.try_shutdown()
    times = [t * 1e-9 for _, t, _ in BagReader(out).messages(["/joint_states"])]
    assert times and min(times) >= START_S - 1e-6, (min(times), log.read_text())  # nothing logged at 0
    assert max(times) - min(times) >= 0.9, (len(times), log.read_text())  # a whole second of sim time


def test_the_newest_message_of_each_topic_before_the_first_clock_is_recorded_at_its_time(tmp_path):
    """`lecun-agent up --record`: the stack's latched one-off messages (cost definition, mode) come before the
    sim's first /clock; they were dropped. Now the newest of each topic is written at the first /clock's time."""
    import rclpy
    from rclpy.parameter import Parameter
    from rclpy.serialization import serialize_message

    from lecun_agent.nodes.recorder_node import RecorderNode

    out = tmp_path / "held.mcap"
    rclpy.init()
    try:
        recorder = RecorderNode(parameter_overrides=[
            Parameter("output", value=str(out)), Parameter("use_sim_time", value=True),
            Parameter("topics", value=["joint_states"])])
        recorder.writer.add_topic("/joint_states", "sensor_msgs/msg/JointState")  # as discovery would
        for value in (1.0, 2.0, 3.0):  # three readings before any /clock: only the newest is kept
            recorder._on_message("/joint_states", serialize_message(JointState(name=["a"], position=[value])))
        recorder._on_clock(Clock(clock=sec_to_stamp(START_S)))
        recorder._on_message("/joint_states", serialize_message(JointState(name=["a"], position=[4.0])))
        assert recorder.before_clock == 2
        recorder.close()
        recorder.destroy_node()
    finally:
        rclpy.try_shutdown()
    recorded = [(t, msg.position[0]) for _, t, msg in BagReader(out).messages(["/joint_states"])]
    assert recorded == [(int(START_S * 1e9), 3.0), (int(START_S * 1e9), 4.0)]
