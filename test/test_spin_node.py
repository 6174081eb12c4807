"""spin_node's shutdown: a shutdown that hangs leaves every thread's stack in the node's log."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest

from lecun_agent.nodes.spin import READY

pytestmark = pytest.mark.ros

# A node whose last act takes 1.5 s, with the stack dump due after 0.3 s of shutdown.
SLOW_LAST_ACT = textwrap.dedent("""
    import time
    from rclpy.node import Node
    from lecun_agent.nodes import spin
    spin.SHUTDOWN_STACKS_AFTER_S = 0.3
    def last_act_that_hangs(node):
        time.sleep(1.5)
    spin.spin_node(lambda: Node("slow_to_stop"), on_shutdown=last_act_that_hangs)
""")


def _start(code: str, log_path) -> subprocess.Popen:
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120.0  # a bound, not a speed: start-up on a loaded machine
    while READY not in log_path.read_text():
        assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.05)
    return proc


def test_a_hanging_shutdown_prints_where_it_hangs_then_still_exits_cleanly(tmp_path):
    log_path = tmp_path / "node.log"
    proc = _start(SLOW_LAST_ACT, log_path)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60.0) == 0
    log = log_path.read_text()
    assert "Thread" in log and "in last_act_that_hangs" in log, log

