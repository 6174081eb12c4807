"""The agent runs against a stand-in driver that replays an MCAP, in processes where pybullet cannot
be imported: proof that nothing on the agent side depends on the simulator."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from ros_probe import RosProbe
from trajectory_msgs.msg import JointTrajectory

from lecun_agent.nodes.qos import COMMAND_QOS, SENSOR_QOS
from lecun_agent.recording.synthetic import write_synthetic_bag

NODES = Path(__file__).resolve().parents[1] / "lecun_agent" / "nodes"
BLOCKER = """\
import os
open(os.environ["PYBULLET_ATTEMPTS"], "a").write("imported\\n")
raise ImportError("pybullet is blocked in this test: the agent must not need the simulator")
"""


@pytest.fixture
def no_pybullet_env(tmp_path):
    """An environment whose `import pybullet` fails and leaves a mark in a file."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "pybullet.py").write_text(BLOCKER)
    attempts = tmp_path / "pybullet_attempts.txt"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(shim), os.environ.get("PYTHONPATH", "")]),
               PYBULLET_ATTEMPTS=str(attempts))
    check = subprocess.run([sys.executable, "-c", "import pybullet"], env=env, capture_output=True, text=True)
    assert check.returncode != 0 and "blocked" in check.stderr
    attempts.unlink()
    return env, attempts


def _start(module: str, env: dict, *params: str) -> subprocess.Popen:
    args = [a for p in params for a in ("-p", p)]
    command = [sys.executable, "-m", f"lecun_agent.nodes.{module}", "--ros-args", *args]
    return subprocess.Popen(command, env=env)


def test_agent_runs_on_replayed_mcap_without_pybullet(tmp_path, no_pybullet_env):
    env, attempts = no_pybullet_env
    bag = write_synthetic_bag(tmp_path / "robot.mcap", duration_s=6.0)
    procs = [_start("gait_node", env, "use_sim_time:=true")]
    if (NODES / "cost_node.py").exists():
        procs.append(_start("cost_node", env, "use_sim_time:=true"))
    import rclpy
    from sensor_msgs.msg import JointState

    rclpy.init()
    try:
        probe = RosProbe()
        # The driver starts once the agent listens (torch imports are slow on a loaded machine).
        listening = lambda: probe.count_subscribers("joint_states") >= len(procs)  # noqa: E731
        assert probe.spin_until(listening, timeout_s=120.0), "the agent nodes did not come up"
        procs.append(_start("replay_driver_node", env, f"bag:={bag}", "start_delay_s:=1.0"))
        probe.record(JointTrajectory, "joint_commands", COMMAND_QOS)
        probe.record(JointState, "joint_states", SENSOR_QOS)
        if (NODES / "cost_node.py").exists():
            probe.record(JointState, "agent/cost", SENSOR_QOS)
        got = probe.spin_until(lambda: len(probe.received["joint_commands"]) >= 20, timeout_s=25.0)
        assert all(p.poll() is None for p in procs), [p.returncode for p in procs]
        assert got, f"joint_commands: {len(probe.received['joint_commands'])}, replayed joint_states: " \
                    f"{len(probe.received['joint_states'])}"
        # Commands answer replayed readings: their stamps are the recording's sim times.
        stamps = probe.stamps("joint_commands")
        assert 0.0 <= min(stamps) and max(stamps) <= 6.0
        if (NODES / "cost_node.py").exists():
            assert probe.spin_until(lambda: probe.received["agent/cost"], timeout_s=25.0)
        probe.destroy_node()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        rclpy.try_shutdown()
    assert not attempts.exists(), "something in the agent's import chain tried to import pybullet"
