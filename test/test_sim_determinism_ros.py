"""Synchronous mode is reproducible: two fresh sim_node + gait_node runs, same seed and commands."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import rclpy
from geometry_msgs.msg import TwistStamped
from ros_probe import RosProbe
from sensor_msgs.msg import JointState

from lecun_agent.messages.conversions import twist_msg
from lecun_agent.nodes.qos import COMMAND_QOS, SENSOR_QOS
from lecun_agent.stack.description import StackOptions, stack_nodes
from lecun_agent.stack.runner import Stack

pytestmark = pytest.mark.ros
WALK_AND_TURN = np.array([0.4, 0.0, 0.3])


def patient(nodes, timeout_parameter: str):
    """The nodes with a 10 s timeout: a busy machine's scheduling hiccups (wall time) must not
    count as a stale command or a missed step, since the sim outruns wall time many times over."""
    return [dataclasses.replace(n, parameters={**n.parameters, timeout_parameter: 10.0}) for n in nodes]


def record_run(probe: RosProbe, log_dir, sim_seconds: float) -> dict[float, np.ndarray]:
    """Start gait then sim (so the first reading already finds a command), walk, return joint states."""
    probe.spin_for(0.5)  # take what the previous run left in the reader's queue, then forget it
    probe.received.clear()
    cmd = probe.create_publisher(TwistStamped, "cmd_vel", COMMAND_QOS)

    def publish() -> None:
        cmd.publish(twist_msg(probe.get_clock().now().to_msg(), WALK_AND_TURN))

    stamps = lambda: probe.stamps("joint_states")  # noqa: E731
    gait = Stack(patient(stack_nodes(StackOptions(nodes=("gait_node",))), "cmd_timeout_s"), log_dir / "gait")
    sim = None
    try:
        assert probe.spin_until(lambda: publish() or cmd.get_subscription_count() > 0, 60)
        sim = Stack(patient(stack_nodes(StackOptions(nodes=("sim_node",), seed=3)), "sync_timeout_s"),
                    log_dir / "sim")
        assert probe.spin_until(lambda: publish() or (stamps() and stamps()[-1] >= sim_seconds), 120)
    finally:
        for stack in (sim, gait):
            if stack is not None:
                stack.shutdown()
        probe.destroy_publisher(cmd)
    return {round(t, 6): np.array(m.position) for t, m in zip(stamps(), probe.received["joint_states"],
                                                              strict=True)}


def test_same_seed_and_commands_give_bit_identical_joint_states(tmp_path):
    rclpy.init()
    try:
        probe = RosProbe()
        probe.record(JointState, "joint_states", SENSOR_QOS)
        first = record_run(probe, tmp_path / "a", 30.0)
        second = record_run(probe, tmp_path / "b", 30.0)
        probe.destroy_node()
    finally:
        rclpy.shutdown()
    common = sorted(set(first) & set(second))
    # The lock-stepped sim can outrun the probe's discovery by a second or two of wall time, so
    # runs are long and only the readings both runs delivered are compared.
    spans = [(len(r), min(r, default=None), max(r, default=None)) for r in (first, second)]
    assert len(common) > 50, f"only {len(common)} common readings; (count, first, last) per run: {spans}"
    moved = max(np.abs(first[t] - first[common[0]]).max() for t in common)
    assert moved > 0.1, "the legs did not move, so equality would prove nothing"
    differing = [t for t in common if not np.array_equal(first[t], second[t])]
    assert not differing, f"{len(differing)} readings differ, first at t={differing[0]}"
