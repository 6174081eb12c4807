"""Issue 13, hole 9: a recording is untrusted input. Its schema names never choose an import, its
topics are read as the types the contract expects, and the replay driver publishes nothing onto
the live graph that it has not checked."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from rclpy.serialization import deserialize_message, serialize_message
from recording_files import joint_state, raw_mcap
from sensor_msgs.msg import Imu, JointState

from lecun_agent.body.readings import FOOT_LINKS
from lecun_agent.messages import conversions as conv
from lecun_agent.messages.conversions import sec_to_stamp
from lecun_agent.recording.bag import BagReader, BagWriter
from lecun_agent.recording.synthetic import synthetic_readings
from lecun_agent.recording.to_dataset import convert_bag

ROOT = Path(__file__).resolve().parents[1]


def test_the_allowlist_is_the_topic_contract():
    """KNOWN_TYPES holds exactly the types docs/interfaces.md's topic table names (and so every type of
    CONTRACT_TOPICS): adding a topic type to the contract means adding it to the allowlist, and back."""
    from lecun_agent.recording.msgdefs import KNOWN_TYPES, canonical
    from lecun_agent.recording.topics import CONTRACT_TOPICS

    text = (ROOT / "docs" / "interfaces.md").read_text()
    table = text.split("## Topics", 1)[1].split("\n## ", 1)[0]
    documented = {f"{pkg}/msg/{name}" for pkg, name in re.findall(r"\b([a-z_]+_msgs)/([A-Z]\w+)", table)}
    assert documented == set(KNOWN_TYPES)
    assert set(CONTRACT_TOPICS.values()) <= set(KNOWN_TYPES)
    with pytest.raises(ValueError, match="os/msg/system"):
        canonical("os/msg/system")


@pytest.fixture
def planted_package(tmp_path, monkeypatch):
    """A message package on sys.path whose import leaves a mark: what a hostile schema name would load."""
    plant = tmp_path / "plant"
    (plant / "evil_msgs" / "msg").mkdir(parents=True)
    mark = tmp_path / "imported.txt"
    (plant / "evil_msgs" / "__init__.py").write_text(f"open({str(mark)!r}, 'a').write('imported\\n')\n")
    (plant / "evil_msgs" / "msg" / "__init__.py").write_text("class Boom:\n    pass\n")
    monkeypatch.syspath_prepend(str(plant))
    yield mark
    for name in [m for m in sys.modules if m.startswith("evil_msgs")]:
        del sys.modules[name]


def test_unknown_schema_is_an_error_never_an_import(tmp_path, planted_package):
    bag = raw_mcap(tmp_path / "evil.mcap",
                    [("/joint_states", "evil_msgs/msg/Boom", [serialize_message(joint_state(1))])])
    reader = BagReader(bag)
    with pytest.raises(ValueError, match=r"/joint_states.*evil_msgs/msg/Boom"):
        list(reader.messages())
    with pytest.raises(ValueError, match=r"evil_msgs/msg/Boom"):
        list(reader.raw())
    assert not planted_package.exists() and "evil_msgs" not in sys.modules


def test_converter_reads_each_topic_as_the_contract_type(tmp_path):
    """joint_states recorded as Imu: a clear error naming topic and schema, not an AttributeError later."""
    rng = np.random.default_rng(0)
    with BagWriter(tmp_path / "swapped.mcap") as bag:
        bag.add_topic("/joint_states", "sensor_msgs/msg/Imu")
        for i in range(20):
            t, log = i * 0.02, 1_000_000_000 + i * 20_000_000
            r = synthetic_readings(t, rng, np.zeros(3))
            bag.write("/joint_states", conv.imu_msg(r), log)
            bag.write("/imu/data", conv.imu_msg(r), log)
            bag.write("/foot_contacts", conv.contacts_msg(t, FOOT_LINKS, r.foot_forces), log)
            if i % 5 == 0:
                bag.write("/camera/image_raw", conv.image_msg(t, np.zeros((64, 64, 3), np.uint8)), log + 1)
                bag.write("/cmd_vel", conv.twist_msg(sec_to_stamp(t), np.zeros(3)), log + 2)
    with pytest.raises(ValueError, match=r"/joint_states.*sensor_msgs/msg/Imu.*sensor_msgs/msg/JointState"):
        convert_bag(tmp_path / "swapped.mcap", tmp_path / "data")


class _FakePublisher:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def publish(self, data) -> None:
        self.sent.append(bytes(data))


@pytest.fixture
def rclpy_context():
    import rclpy

    rclpy.init()
    yield
    rclpy.try_shutdown()


def _replay_node(bag: Path, topics: list[str]):
    from rclpy.parameter import Parameter

    from lecun_agent.nodes.replay_driver_node import ReplayDriverNode

    return ReplayDriverNode(parameter_overrides=[
        Parameter("bag", value=str(bag)), Parameter("topics", value=topics),
        Parameter("start_delay_s", value=0.0)])


def test_replay_driver_refuses_a_topic_recorded_with_another_type(tmp_path, rclpy_context):
    bag = raw_mcap(tmp_path / "imu_as_joints.mcap",
                    [("/joint_states", "sensor_msgs/msg/Imu", [serialize_message(Imu())] * 3)])
    with pytest.raises(ValueError, match=r"/joint_states.*sensor_msgs/msg/Imu.*sensor_msgs/msg/JointState"):
        _replay_node(bag, ["joint_states"])


def test_replay_driver_checks_every_channel_of_a_topic(tmp_path, rclpy_context):
    """Two channels on one topic, the first of another type: the summary's last word is not enough."""
    bag = raw_mcap(tmp_path / "two_channels.mcap",
                    [("/joint_states", "sensor_msgs/msg/Imu", [serialize_message(Imu())] * 3),
                     ("/joint_states", "sensor_msgs/msg/JointState", [serialize_message(joint_state(1))])])
    with pytest.raises(ValueError, match=r"/joint_states.*sensor_msgs/msg/Imu"):
        _replay_node(bag, ["joint_states"])


def test_replay_driver_publishes_only_payloads_that_decode_as_the_topic_type(tmp_path, rclpy_context):
    good = [serialize_message(joint_state(i)) for i in range(3)]
    garbage = b"\x00\x01\x00\x00" + b"\xff" * 40
    bag = raw_mcap(tmp_path / "garbage.mcap",
                    [("/joint_states", "sensor_msgs/msg/JointState", [good[0], good[1], garbage, good[2]])])
    node = _replay_node(bag, ["joint_states"])
    fake = node.pubs["/joint_states"] = _FakePublisher()
    node.wall_start = time.monotonic() - 1000.0  # everything is due
    node._tick()
    node.destroy_node()
    assert garbage not in fake.sent
    assert fake.sent == good[:2]  # playback stops at the first payload it cannot vouch for
    for data in fake.sent:
        deserialize_message(data, JointState)


@pytest.mark.parametrize("case", ["missing file", "not mcap", "namespaced"])
def test_a_recording_the_replay_driver_cannot_replay_is_one_line_and_a_refusal(tmp_path, case):
    """QA (2026-12-07): a missing or unreadable bag, or one lacking the topics, was a Python traceback and exit 1;
    a bad parameter is one `cannot start:` line and REFUSED_START, and so is a bag now."""
    import subprocess
    import sys

    from lecun_agent.recording.synthetic import write_synthetic_bag
    from lecun_agent.stack.exit_codes import REFUSED_START

    bag = tmp_path / "run.mcap"
    if case == "not mcap":
        bag.write_bytes(b"\x00" * 64)
    elif case == "namespaced":
        write_synthetic_bag(bag, duration_s=0.5, namespace="robot1")
    run = subprocess.run([sys.executable, "-m", "lecun_agent.nodes.replay_driver_node", "--ros-args", "-p",
                          f"bag:={bag}"], capture_output=True, text=True, timeout=120)
    assert run.returncode == REFUSED_START, run.stderr
    assert "Traceback" not in run.stderr and f"cannot start: bag {bag}: " in run.stderr, run.stderr
    if case == "namespaced":
        assert "bag_namespace:=" in run.stderr


def test_the_replay_driver_never_replays_a_motion_command(tmp_path, rclpy_context):
    """QA (2026-12-07): `topics:=[joint_states, cmd_vel]` replayed a recording's commands onto cmd_vel, past the
    guardrail. A stand-in driver publishes what the body sends, never what it is sent."""
    from lecun_agent.nodes.parameters import ParameterError
    from lecun_agent.recording.synthetic import write_synthetic_bag

    bag = write_synthetic_bag(tmp_path / "run.mcap", duration_s=0.5)
    for command in ("cmd_vel", "joint_commands", "agent/cmd_vel_proposed"):
        with pytest.raises(ParameterError, match=rf"\['{command}'\] are motion commands"):
            _replay_node(bag, ["joint_states", command])


@pytest.mark.parametrize(("content", "says"), [(b"", "empty: a recorder killed before its first write"),
                                               (b"not a recording", "no MCAP magic at the start")])
def test_a_file_that_is_no_mcap_is_refused_saying_what_it_is(tmp_path, content, says):
    from lecun_agent.recording.bag_reader import CorruptRecordingError

    path = tmp_path / "bag.mcap"
    path.write_bytes(content)
    with pytest.raises(CorruptRecordingError, match=says):
        BagReader(path)
