"""Real time stays real: sim_node says when it cannot keep wall-clock rate (the agent's timing is then not
a robot's), and the chase video, which would slow it, is not recorded in real time."""

from __future__ import annotations

import pytest
import rclpy
from diagnostic_msgs.msg import DiagnosticStatus
from rclpy.parameter import Parameter

from lecun_agent.nodes.sim_node import PACE_WINDOW_STEPS, SimNode

pytestmark = pytest.mark.ros


@pytest.fixture
def realtime_sim():
    rclpy.init()
    # Never spun: the test fills the pace record itself, so no wall clock decides anything.
    node = SimNode(parameter_overrides=[Parameter("mode", value="realtime"), Parameter("realtime_factor", value=0.1)])
    node.paced.clear()
    yield node
    node.close()
    node.destroy_node()
    rclpy.shutdown()


def paced(node: SimNode, wall_per_step: float, steps: int = PACE_WINDOW_STEPS) -> None:
    for i in range(steps):
        node.paced.append((100.0 + i * wall_per_step, 5.0 + i * node.config.control_dt))


def test_a_sim_slower_than_asked_warns_with_its_factor(realtime_sim):
    wanted = realtime_sim.params["realtime_factor"]
    paced(realtime_sim, realtime_sim.config.control_dt / (0.6 * wanted))  # 0.6 of the asked rate
    level, message, values = realtime_sim._report()
    assert level == DiagnosticStatus.WARN and "slower than wall clock" in message
    assert float(values["realtime_factor"]) == pytest.approx(0.6 * wanted, rel=1e-3)


def test_a_sim_at_the_asked_rate_is_ok(realtime_sim):
    paced(realtime_sim, realtime_sim.config.control_dt / realtime_sim.params["realtime_factor"])
    level, message, values = realtime_sim._report()
    assert level == DiagnosticStatus.OK and message == "stepping"
    assert float(values["realtime_factor"]) == pytest.approx(realtime_sim.params["realtime_factor"], rel=1e-3)


def test_lock_step_reports_no_factor():
    rclpy.init()
    node = SimNode()
    try:
        level, _, values = node._report()
        assert level == DiagnosticStatus.OK and "realtime_factor" not in values and not node.paced
    finally:
        node.close()
        node.destroy_node()
        rclpy.shutdown()


def test_eval_refuses_real_time_videos_before_running_anything(tmp_path, capsys):
    from lecun_agent.cli import main

    summary = tmp_path / "eval.json"
    argv = ["eval", "--agent", "full", "--episodes", "1", "--realtime", "--video", "1", "--json", str(summary)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--video with --realtime" in err and "Traceback" not in err
    assert not summary.with_suffix(".jsonl").exists()
