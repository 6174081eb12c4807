"""Real time starts its clock when the loop answers: sim_node holds time at 0, offering its first reading,
until the agent's proposal, cost_node's cost and the gait's joint command have come (real-time episodes
stood for 3-6 s of their clock while discovery went on), or until start_timeout_s, which is counted and
warned about."""

from __future__ import annotations

import time

import pytest
import rclpy
from diagnostic_msgs.msg import DiagnosticStatus
from rclpy.parameter import Parameter

from lecun_agent.nodes.sim_node import START_LINKS, SimNode

pytestmark = pytest.mark.ros


@pytest.fixture
def realtime_sim(request):
    rclpy.init()
    # Never spun: the test calls the wall timer's callback itself.
    node = SimNode(parameter_overrides=[Parameter("mode", value="realtime"),
                                        Parameter("start_timeout_s", value=request.param)])
    yield node
    node.close()
    node.destroy_node()
    rclpy.shutdown()


def listens_to(node, topic: str) -> bool:
    return any(sub.topic_name.lstrip("/") == topic for sub in node.subscriptions)


@pytest.mark.parametrize("realtime_sim", [60.0], indirect=True)
def test_time_holds_at_zero_until_every_link_answered(realtime_sim):
    assert listens_to(realtime_sim, "agent/cost") and listens_to(realtime_sim, "agent/cmd_vel_proposed")
    for link in START_LINKS:  # each alone, then with the ones before it: still held
        for _ in range(10):
            realtime_sim._realtime_tick()
        assert realtime_sim.counts["steps"] == 0 and realtime_sim.sim.time == 0.0
        realtime_sim._answered(link)
    for _ in range(5):
        realtime_sim._realtime_tick()
    assert realtime_sim.counts["steps"] == 5 and realtime_sim.sim.time > 0.0
    assert not listens_to(realtime_sim, "agent/cost") and not listens_to(realtime_sim, "agent/cmd_vel_proposed")
    assert realtime_sim.counts["start_timeouts"] == 0 and realtime_sim._report()[0] == DiagnosticStatus.OK


@pytest.mark.parametrize("realtime_sim", [0.05], indirect=True)
def test_without_a_proposal_the_clock_starts_after_the_timeout_and_says_so(realtime_sim):
    time.sleep(0.1)
    realtime_sim._realtime_tick()  # the wait ran out: the clock starts
    realtime_sim._realtime_tick()
    assert realtime_sim.counts["start_timeouts"] == 1 and realtime_sim.counts["steps"] == 1
    assert not listens_to(realtime_sim, "agent/cost")
    level, message, _ = realtime_sim._report()
    assert level == DiagnosticStatus.WARN and "start timeouts" in message


@pytest.mark.parametrize("realtime_sim", [0.0], indirect=True)
def test_a_zero_timeout_starts_at_once(realtime_sim):
    realtime_sim._realtime_tick()
    assert realtime_sim.counts["steps"] == 1 and realtime_sim.counts["start_timeouts"] == 0
