"""`lecun-agent up`: every node in the graph under its own name; SIGINT stops all, zero command sent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import rclpy
from geometry_msgs.msg import TwistStamped
from ros_probe import RosProbe

from lecun_agent.nodes.qos import COMMAND_QOS
from lecun_agent.stack.description import StackOptions, stack_nodes

pytestmark = pytest.mark.ros


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_up_runs_every_node_and_sigint_stops_cleanly_with_a_zero_command(tmp_path):
    expected = {n.name for n in stack_nodes(StackOptions(program="walk"))}
    runner = subprocess.Popen([sys.executable, "-m", "lecun_agent.cli", "up", "--program", "walk",
                               "--logs", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    rclpy.init()
    try:
        probe = RosProbe(use_sim_time=False)
        probe.record(TwistStamped, "cmd_vel", COMMAND_QOS)
        walking = lambda: any(m.twist.linear.x > 0.1 for m in probe.received["cmd_vel"])  # noqa: E731
        assert probe.spin_until(walking, 150), "the stack never walked"
        probe.spin_until(lambda: expected <= set(probe.get_node_names()), 20)  # graph discovery lags
        graph = set(probe.get_node_names())
        assert expected <= graph, f"missing from the ROS graph: {expected - graph}"
        children = _children(runner.pid)
        assert len(children) == len(expected)

        probe.received.clear()
        runner.send_signal(signal.SIGINT)
        probe.spin_until(lambda: runner.poll() is not None, 40)
        output = runner.communicate(timeout=20)[0]
        assert runner.returncode == 0, output
        probe.spin_for(0.5)
        last = probe.received["cmd_vel"][-1].twist
        assert (last.linear.x, last.linear.y, last.angular.z) == (0.0, 0.0, 0.0)
        assert not [pid for pid in children if _alive(pid)], "orphaned node processes"
        probe.destroy_node()
    finally:
        if runner.poll() is None:
            runner.kill()
        rclpy.shutdown()


def test_a_runner_whose_own_ros_teardown_hangs_still_exits_with_the_stacks():
    """Once in three QA runs `up` hung for good in its own node's teardown (a Fast DDS deadlock), deaf to
    Ctrl-C, after every node had exited: the teardown now runs under a watchdog that needs no GIL."""
    code = (
        "import time\n"
        "from lecun_agent.stack import bringup\n"
        "bringup.TEARDOWN_S = 1.0\n"
        "class Executor:\n"
        "    def shutdown(self): pass\n"
        "class Graph:\n"
        "    def destroy_node(self): time.sleep(120)  # the deadlock\n"
        "bringup._release_runner_ros(Executor(), Graph())\n"
        "print('returned')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "returned" not in done.stdout
    assert "destroy_node" in done.stderr  # every thread's stack, to show where it hung
