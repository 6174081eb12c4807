"""MCAP recording: rosbag2-compatible files round-trip, bad recordings fail clearly, and a recording
becomes a dataset the world model trains on."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import yaml
from mcap.reader import make_reader
from mcap_ros2.decoder import DecoderFactory
from sensor_msgs.msg import Image, JointState
from tiny_training import tiny_training_losses

from lecun_agent.dataset.format import list_episodes
from lecun_agent.dataset.windows import load_episodes
from lecun_agent.recording.bag import BagReader, BagWriter, MissingTopicsError
from lecun_agent.recording.msgdefs import SEPARATOR, full_definition, type_hash
from lecun_agent.recording.synthetic import write_synthetic_bag
from lecun_agent.recording.to_dataset import convert_bag


def _joint_state(i: int) -> JointState:
    msg = JointState(name=["a", "b"], position=[i * 0.1, -1.0], velocity=[0.0, 2.0], effort=[])
    msg.header.stamp.sec, msg.header.frame_id = i, "base"
    return msg


def test_write_then_read_gives_equal_messages(tmp_path):
    sent = [_joint_state(i) for i in range(20)]
    image = Image(height=2, width=2, encoding="rgb8", step=6, data=bytes(range(12)))
    with BagWriter(tmp_path / "a.mcap") as bag:
        for i, msg in enumerate(sent):
            bag.write("/joint_states", msg, 1000 + i)
        bag.write("/camera/image_raw", image, 5000)
    reader = BagReader(tmp_path / "a.mcap")
    assert reader.topics == {"/joint_states": "sensor_msgs/msg/JointState",
                             "/camera/image_raw": "sensor_msgs/msg/Image"}
    assert reader.message_counts == {"/joint_states": 20, "/camera/image_raw": 1}
    got = list(reader.messages(["/joint_states"]))
    assert [m for _, _, m in got] == sent and [t for _, t, _ in got] == list(range(1000, 1020))
    assert list(reader.messages(["/camera/image_raw"]))[0][2] == image


def test_file_follows_rosbag2_mcap_conventions(tmp_path):
    """What `ros2 bag info` and Foxglove rely on, checked with the independent mcap_ros2 decoder."""
    with BagWriter(tmp_path / "b.mcap") as bag:
        bag.write("/joint_states", _joint_state(3), 7)
    with open(tmp_path / "b.mcap", "rb") as f:
        reader = make_reader(f, decoder_factories=[DecoderFactory()])
        assert reader.get_header().profile == "ros2"
        schema, channel, _, decoded = next(reader.iter_decoded_messages())
        assert (schema.name, schema.encoding, channel.message_encoding) == (
            "sensor_msgs/msg/JointState", "ros2msg", "cdr")
        assert decoded.position == [0.30000000000000004, -1.0] or np.allclose(decoded.position, [0.3, -1.0])
        assert channel.metadata["topic_type_hash"].startswith("RIHS01_")
        assert yaml.safe_load(channel.metadata["offered_qos_profiles"])[0]["reliability"] == "reliable"
        meta = {m.name: m.metadata for m in reader.iter_metadata()}
    info = yaml.safe_load(meta["rosbag2"]["serialized_metadata"])
    assert info["version"] == 9 and info["storage_identifier"] == "mcap" and info["message_count"] == 1
    text = full_definition("sensor_msgs/msg/JointState")
    assert f"\n{SEPARATOR}\nMSG: std_msgs/Header\n" in text
    assert f"\n{SEPARATOR}\nMSG: builtin_interfaces/Time\n" in text
    assert type_hash("sensor_msgs/msg/JointState") == channel.metadata["topic_type_hash"]


def test_missing_topics_is_a_clear_error(tmp_path):
    bag = write_synthetic_bag(tmp_path / "c.mcap", duration_s=0.5, omit=["camera/image_raw", "cmd_vel"])
    with pytest.raises(MissingTopicsError, match=r"/camera/image_raw.*/cmd_vel"):
        convert_bag(bag, tmp_path / "data")


def test_convert_cuts_episodes_and_skips_nan(tmp_path, caplog):
    bag = write_synthetic_bag(tmp_path / "d.mcap", duration_s=4.0, nan_at=[2.0], reset_at=2.5)
    summary = convert_bag(bag, tmp_path / "data")
    assert summary["skipped_nonfinite"] == 1 and summary["episodes"] == 3 and summary["unlabelled_steps"] == 0
    assert "NaN/Inf" in caplog.text
    data = load_episodes(tmp_path / "data")
    assert len(data) == summary["steps"] and data.finite.all()
    assert data.images.shape[1:] == (64, 64, 3) and data.proprio.shape[1] == data.spec.proprio_dim
    assert abs(data.spec.step_dt - 0.1) < 1e-3
    assert np.abs(data.actions).max() > 0.05  # commands were picked up
    assert data.features["foot_force"].max() > 10.0  # contacts were picked up


def test_converted_base_velocity_is_the_step_mean_of_odometry(tmp_path):
    convert_bag(write_synthetic_bag(tmp_path / "v.mcap", duration_s=2.0), tmp_path / "data")
    got = load_episodes(tmp_path / "data").features["base_velocity"]  # (T, 3): vx, vy, yaw rate
    ticks = np.arange(100) / 50.0  # the synthetic odometry: 50 Hz, twist = the command at that tick
    twist = np.stack([0.3 * np.sin(0.5 * ticks), 0 * ticks, 0.2 * np.cos(0.3 * ticks)], axis=1)
    for k in range(1, len(got)):  # frame k comes after tick 5k; its step holds ticks 5k-4 .. 5k
        np.testing.assert_allclose(got[k], twist[5 * k - 4 : 5 * k + 1].mean(0), atol=1e-6)
    assert np.abs(got[:, 2]).max() > 0.1  # the yaw rate, not the vertical velocity


def test_convert_drops_the_steps_before_the_first_command_instead_of_labelling_them_zero(tmp_path, caplog):
    """A recorder hears the sensors before the first /cmd_vel (0.3-0.8 s in QA's recordings, 2026-12-07); those steps
    were labelled with a zero action while the robot walked."""
    bag = write_synthetic_bag(tmp_path / "late.mcap", duration_s=3.0, first_command_s=0.75)
    summary = convert_bag(bag, tmp_path / "data")
    data = load_episodes(tmp_path / "data")
    # frames at 0.0 .. 0.7 s: their next frame comes before the first command (0.8 s + 2 ms), frame 0.7's too
    assert summary["unlabelled_steps"] == 8 and summary["steps"] == 30 - 8 == len(data)
    assert data.actions.shape[0] == 22 and float(np.abs(data.actions[0]).max()) > 0.05  # the first command, not zero
    np.testing.assert_allclose(data.actions[0], [0.3 * np.sin(0.5 * 0.8), 0.0, 0.2 * np.cos(0.3 * 0.8)], atol=1e-6)
    assert "no /cmd_vel came before them" in caplog.text


def test_a_convert_that_yields_no_episode_fails_and_leaves_nothing_behind(tmp_path, capsys):
    """Every frame before the first /cmd_vel: it said "wrote 0 episode(s)", status 0, and left a directory holding
    only spec.json, whose step length then bound every later convert into it (QA, 2026-12-08)."""
    from lecun_agent.cli import main as cli_main

    # frames at 0.0 .. 0.9 s, one command after the last: 9 frames unlabelled, the last one a 1-step fragment
    bag = write_synthetic_bag(tmp_path / "late.mcap", duration_s=1.0, first_command_s=0.9)
    data = tmp_path / "data"
    assert cli_main(["convert", str(bag), "--out", str(data)]) == 1
    err = capsys.readouterr().err
    assert (f"no episode in {bag}: none of its 10 camera frames became a step of one (9 before the first command, "
            f"1 in fragments too short for an episode); nothing written to {data}") in err, err
    assert not data.exists()
    fast = write_synthetic_bag(tmp_path / "fast.mcap", duration_s=1.0, camera_hz=25.0)  # a step of its own: taken
    assert cli_main(["convert", str(fast), "--out", str(data)]) == 0
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    assert cli_main(["convert", str(write_synthetic_bag(tmp_path / "late25.mcap", duration_s=1.0, camera_hz=25.0,
                                                        first_command_s=0.96)), "--out", str(data)]) == 1
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before  # an existing dataset: untouched


def test_the_convert_summary_accounts_for_every_camera_frame(tmp_path, capsys):
    """67 frames became 66 steps with nothing said: a frame before the first joint_states was skipped silently."""
    from lecun_agent.cli import main as cli_main
    from lecun_agent.messages import conversions as conv
    from lecun_agent.recording.to_dataset import NOT_STEPS

    synthetic = BagReader(write_synthetic_bag(tmp_path / "s.mcap", duration_s=3.0, nan_at=[2.0]))
    bag = tmp_path / "early_frame.mcap"
    with BagWriter(bag) as out:
        first = min(t for _, t, _ in synthetic.messages(synthetic.topics))
        out.write("/camera/image_raw", conv.image_msg(0.0, np.zeros((64, 64, 3), np.uint8)), first - 1)  # before any
        for topic, t, msg in synthetic.messages(synthetic.topics):
            out.write(topic, msg, t)
    summary = convert_bag(bag, tmp_path / "data", step_dt=0.2)
    assert summary["frames"] == 31 and summary["before_readings"] == 1 and summary["thinned"] == 15
    assert summary["skipped_nonfinite"] == 1 and summary["short_fragments"] == 0
    assert summary["steps"] + sum(summary[key] for key in NOT_STEPS) == summary["frames"]
    assert cli_main(["convert", str(bag), "--out", str(tmp_path / "data_cli"), "--step", "0.2"]) == 0
    assert (f"wrote 2 episode(s), {summary['steps']} steps to {tmp_path / 'data_cli'} from 31 camera frames; not "
            "steps: 1 before the first joint_states and imu/data, 15 thinned out to the step length, 1 with "
            "non-finite readings") in capsys.readouterr().out


def _stamps(data_dir):
    (path,) = list_episodes(data_dir)
    with np.load(path) as episode:
        return episode["stamp"]


@pytest.mark.parametrize("log_time_scale", [1.05, 0.8])
def test_convert_keeps_every_frame_when_log_time_is_not_the_cameras_clock(tmp_path, log_time_scale):
    """A lock-step run recorded without sim time logs wall time: 0.105 s per 0.1 s frame made the step 0.105 s,
    thinning then dropped every other frame and labelled the 0.2 s steps 0.105 s (QA, 2026-12-07)."""
    bag = write_synthetic_bag(tmp_path / "w.mcap", duration_s=3.0, log_time_scale=log_time_scale)
    summary = convert_bag(bag, tmp_path / "data")
    assert load_episodes(tmp_path / "data").spec.step_dt == 0.1 and summary["steps"] >= 29  # 30 frames
    np.testing.assert_allclose(np.diff(_stamps(tmp_path / "data")), 0.1, atol=1e-6)


def test_convert_thins_to_a_whole_number_of_frames_and_refuses_any_other_step(tmp_path):
    bag = write_synthetic_bag(tmp_path / "w.mcap", duration_s=3.0, log_time_scale=1.05)
    convert_bag(bag, tmp_path / "data", step_dt=0.2)
    data = load_episodes(tmp_path / "data")
    assert data.spec.step_dt == 0.2 and len(data) >= 14
    np.testing.assert_allclose(np.diff(_stamps(tmp_path / "data")), 0.2, atol=1e-6)
    for step in (0.05, 0.15):
        with pytest.raises(ValueError, match=rf"a step of {step} s is not a whole number of camera periods \(0\.1 s"):
            convert_bag(bag, tmp_path / f"data_{step}", step_dt=step)


def test_convert_refuses_another_step_length_than_the_dataset(tmp_path):
    convert_bag(write_synthetic_bag(tmp_path / "a.mcap", duration_s=2.0), tmp_path / "data")
    before = sorted(p.name for p in (tmp_path / "data").iterdir())
    fast = write_synthetic_bag(tmp_path / "b.mcap", duration_s=2.0, camera_hz=25.0)
    with pytest.raises(ValueError, match=rf"{tmp_path / 'data' / 'spec.json'} .*0\.1 s.*0\.04 s"):
        convert_bag(fast, tmp_path / "data")
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == before
    assert load_episodes(tmp_path / "data").spec.step_dt == 0.1
    convert_bag(write_synthetic_bag(tmp_path / "c.mcap", duration_s=2.0, seed=1), tmp_path / "data")  # 0.1 s: added
    # a camera whose frames fit the dataset's step by thinning: the refusal says which --step does it (QA, 2026-12-07)
    fast = write_synthetic_bag(tmp_path / "d.mcap", duration_s=2.0, camera_hz=50.0)
    with pytest.raises(ValueError, match=r"convert with --step 0\.1 \(one frame in 5\)"):
        convert_bag(fast, tmp_path / "data")
    convert_bag(fast, tmp_path / "data", step_dt=0.1)


def test_convert_refuses_a_recording_already_in_the_dataset(tmp_path):
    """It used to append an identical episode; collect refuses a seed already there in the same way."""
    import shutil

    from lecun_agent.dataset.format import episode_path

    bag = write_synthetic_bag(tmp_path / "walk.mcap", duration_s=2.0)
    convert_bag(bag, tmp_path / "data")
    with np.load(episode_path(tmp_path / "data", 0), allow_pickle=False) as z:
        assert (str(z["source_file"]), str(z["source_namespace"])) == ("walk.mcap", "")
    before = {p.name: p.read_bytes() for p in (tmp_path / "data").iterdir()}
    renamed = shutil.copy(bag, tmp_path / "walk_copy.mcap")  # the same bytes under another name
    for again in (bag, renamed):
        with pytest.raises(ValueError, match=r"was converted into .* already: \['episode_000000.npz'\]"):
            convert_bag(again, tmp_path / "data")
    assert {p.name: p.read_bytes() for p in (tmp_path / "data").iterdir()} == before  # nothing written
    convert_bag(write_synthetic_bag(tmp_path / "other.mcap", duration_s=2.0, seed=1), tmp_path / "data")
    assert episode_path(tmp_path / "data", 1).exists()


def test_convert_refuses_an_out_that_holds_a_checkpoint(tmp_path, capsys):
    """It wrote spec.json and an episode beside a model's weights, status 0 (QA, 2026-12-08)."""
    from lecun_agent.cli import main as cli_main

    bag = write_synthetic_bag(tmp_path / "a.mcap", duration_s=1.0)
    for name in ("model.pt", "meta.json"):
        checkpoint = tmp_path / f"ck_{name}"
        checkpoint.mkdir()
        (checkpoint / name).write_bytes(b"x")
        assert cli_main(["convert", str(bag), "--out", str(checkpoint)]) == 2
        assert f"{checkpoint} holds a world-model checkpoint ({name}), not a dataset" in capsys.readouterr().err
        assert [p.name for p in checkpoint.iterdir()] == [name]


def test_collect_and_convert_never_replace_an_episode_in_the_same_directory(tmp_path, monkeypatch):
    """collect names an episode by its seed, convert takes the next free number: neither may land on the other's."""
    from lecun_agent.dataset.format import DatasetSpec, episode_path
    from lecun_agent.dataset.synthetic import synthetic_episode
    from lecun_agent.learning import collect as collect_module

    def fake_episode(seed, *args):
        ep = synthetic_episode(np.random.default_rng(seed), 12, DatasetSpec())
        ep["seed"] = np.array(seed, dtype=np.int64)
        return ep, {"approach_steps": 0, "approach_cycles": 0, "touches": 0}

    monkeypatch.setattr(collect_module, "run_episode", fake_episode)
    data = tmp_path / "data"
    collect_module.collect(data, collect_module.CollectConfig(episodes=2, seed_start=0))
    bag = write_synthetic_bag(tmp_path / "a.mcap", duration_s=2.0)
    convert_bag(bag, data)
    converted = episode_path(data, 2).read_bytes()
    with pytest.raises(ValueError, match=r"episode_000002\.npz.*--seed-start 3"):
        collect_module.collect(data, collect_module.CollectConfig(episodes=1, seed_start=2))
    assert episode_path(data, 2).read_bytes() == converted
    episode_path(data, 1).unlink()  # a gap: episodes 0 and 2
    convert_bag(write_synthetic_bag(tmp_path / "b.mcap", duration_s=2.0, seed=1), data)
    assert episode_path(data, 2).read_bytes() == converted and episode_path(data, 3).exists()
    assert not episode_path(data, 1).exists()
    assert [int(s) for s in load_episodes(data).seeds] == [0, -1, -1]


def test_record_convert_train_round_trip(tmp_path):
    convert_bag(write_synthetic_bag(tmp_path / "e.mcap", duration_s=3.0), tmp_path / "data")
    assert all(np.isfinite(tiny_training_losses(tmp_path / "data")))


def test_eval_model_refuses_episodes_converted_from_a_training_recording(tmp_path):
    """Recorded episodes have no seed (-1), so the seed check could not see them: a checkpoint was scored on the
    very recordings it was trained on without a word (QA, 2026-12-07). The recording's sha256 names them."""
    from lecun_agent.learning.evaluate import eval_checkpoint
    from lecun_agent.learning.seeds import SeedOverlapError
    from lecun_agent.learning.train import TrainConfig, train
    from lecun_agent.world_model.config import WorldModelConfig

    trained_on = write_synthetic_bag(tmp_path / "a.mcap", duration_s=3.0)
    convert_bag(trained_on, tmp_path / "train")
    train(tmp_path / "train", tmp_path / "ck", TrainConfig(steps=2, batch_size=4, threads=1),
          WorldModelConfig(latent_dim=8, hidden=32, ensemble=2, horizon=4))
    convert_bag(write_synthetic_bag(tmp_path / "b.mcap", duration_s=3.0, seed=1), tmp_path / "heldout")
    convert_bag(trained_on, tmp_path / "heldout")
    with pytest.raises(SeedOverlapError, match=r"episodes converted from 1 recording\(s\) this checkpoint was "
                                                r"trained on \(sha256 [0-9a-f]{12}\)"):
        eval_checkpoint(tmp_path / "ck", 0, 0, horizon=4, data_dir=tmp_path / "heldout")
    convert_bag(write_synthetic_bag(tmp_path / "c.mcap", duration_s=3.0, seed=2), tmp_path / "fresh")
    assert eval_checkpoint(tmp_path / "ck", 0, 0, horizon=4, data_dir=tmp_path / "fresh")["checkpoint"]


def test_recorder_node_records_live_topics(tmp_path):
    """recorder_node as a process: a latched and a best-effort topic end up in the file; a topic whose
    type (taken from the graph) is not a contract type is skipped, never imported."""
    import rclpy
    from sensor_msgs.msg import CameraInfo
    from std_msgs.msg import Float64

    from lecun_agent.nodes.qos import LATCHED_QOS, SENSOR_QOS

    out = tmp_path / "live.mcap"
    log = tmp_path / "recorder.log"
    with open(log, "w") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "lecun_agent.nodes.recorder_node", "--ros-args",
                                 "-p", f"output:={out}", "-p", "duration_s:=5.0",
                                 "-p", "topics:=[joint_states,camera/camera_info,extra]"], env=dict(os.environ),
                                stdout=log_file, stderr=subprocess.STDOUT)
    rclpy.init()
    try:
        node = rclpy.create_node("test_publisher")
        joints = node.create_publisher(JointState, "joint_states", SENSOR_QOS)
        extra = node.create_publisher(Float64, "extra", 10)
        node.create_publisher(CameraInfo, "camera/camera_info", LATCHED_QOS).publish(CameraInfo(width=64))
        deadline = time.monotonic() + 20.0
        i = 0
        while proc.poll() is None and time.monotonic() < deadline:  # until the recorder stops itself
            joints.publish(_joint_state(i))
            extra.publish(Float64(data=float(i)))
            i += 1
            time.sleep(0.02)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        rclpy.try_shutdown()
    assert "duration reached" in log.read_text() and "failed" not in log.read_text(), log.read_text()
    reader = BagReader(out)
    assert "/extra" not in reader.topics  # std_msgs/msg/Float64 is not a type of the contract
    assert reader.message_counts["/camera/camera_info"] == 1
    assert reader.message_counts["/joint_states"] > 10
    assert list(reader.messages(["/camera/camera_info"]))[0][2].width == 64


def test_record_with_no_stack_running_waits_says_so_and_fails(tmp_path):
    """Its own /diagnostics do not start the duration (they did, so a recorder started before the stack ended
    before the stack came up); stopped while waiting, `lecun-agent record` says the file holds nothing else."""
    out = tmp_path / "nothing.mcap"
    proc = subprocess.Popen([sys.executable, "-m", "lecun_agent.cli", "record", "--out", str(out), "--duration", "1",
                             "--topics", "joint_states", "diagnostics"], env=dict(os.environ), stderr=subprocess.PIPE,
                            text=True)
    try:
        assert _wait_for_file(out, 60.0)
        time.sleep(8.0)  # longer than the duration and than WAITING_WARNING_PERIOD_S: still waiting
        assert proc.poll() is None, proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err
    assert "nothing recorded yet (the duration counts from the first message)" in err, err
    assert "holds only diagnostics messages: is the stack running" in err, err
    assert BagReader(out).message_counts.get("/diagnostics", 0) > 0  # its own, kept: the file is kept


def _wait_for_file(path, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return path.exists()


def test_record_of_nothing_says_the_file_holds_no_message(tmp_path, monkeypatch, capsys):
    """It used to say "holds nothing but no topic"."""
    from lecun_agent.cli import main as cli_main
    from lecun_agent.nodes import recorder_node

    out = tmp_path / "empty.mcap"
    monkeypatch.setattr(recorder_node, "main", lambda **kwargs: BagWriter(out).close())  # heard nothing
    assert cli_main(["record", "--out", str(out), "--topics", "cmd_vel", "--duration", "2"]) == 1
    assert "empty.mcap holds no message: is the stack running" in capsys.readouterr().err


def _record_that_writes(monkeypatch, out, messages):
    """`lecun-agent record` with a recorder that writes `messages` [(topic, msg)] instead of listening."""
    from lecun_agent.nodes import recorder_node

    def fake_main(**kwargs):
        with BagWriter(out) as bag:
            for i, (topic, msg) in enumerate(messages):
                bag.write(topic, msg, 1000 + i)

    monkeypatch.setattr(recorder_node, "main", fake_main)


def test_record_in_a_namespace_no_stack_runs_in_fails_though_a_sim_publishes_the_root_clock(tmp_path, monkeypatch,
                                                                                              capsys):
    """/clock is root whatever the stack's namespace: `record --namespace ghost` beside a root stack heard 98 /clock
    and its own 3 diagnostics and said "wrote" with status 0 (QA, 2026-12-08)."""
    from diagnostic_msgs.msg import DiagnosticArray
    from rosgraph_msgs.msg import Clock

    from lecun_agent.cli import main as cli_main

    out = tmp_path / "ghost.mcap"
    _record_that_writes(monkeypatch, out, [("/clock", Clock())] * 98 + [("/ghost/diagnostics", DiagnosticArray())] * 3)
    assert cli_main(["record", "--out", str(out), "--namespace", "ghost", "--duration", "2"]) == 1
    assert "ghost.mcap holds only /clock and diagnostics messages: is the stack running" in capsys.readouterr().err


def test_record_of_no_topic_convert_needs_says_it_cannot_be_converted(tmp_path, monkeypatch, capsys):
    """A short --duration ended with only agent/latent and agent/goal_sighting (discovery runs every 0.5 s)."""
    from geometry_msgs.msg import PoseArray

    from lecun_agent.cli import main as cli_main

    out = tmp_path / "short.mcap"
    _record_that_writes(monkeypatch, out, [("/agent/latent", Image()), ("/agent/goal_sighting", PoseArray())])
    assert cli_main(["record", "--out", str(out), "--duration", "0.2"]) == 0  # the stack was heard: kept, status 0
    assert ("(no message of ['/camera/image_raw', '/joint_states', '/imu/data', '/cmd_vel']: `lecun-agent convert` "
            "cannot use it)") in capsys.readouterr().out
    out = tmp_path / "latent_only.mcap"  # asked for these topics only: nothing to say
    _record_that_writes(monkeypatch, out, [("/agent/latent", Image())])
    assert cli_main(["record", "--out", str(out), "--topics", "agent/latent"]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"


def test_the_duration_starts_at_the_first_message_of_the_stack_not_at_a_clock(tmp_path):
    import rclpy
    from diagnostic_msgs.msg import DiagnosticArray
    from rclpy.parameter import Parameter
    from rclpy.serialization import serialize_message
    from rosgraph_msgs.msg import Clock

    from lecun_agent.nodes.recorder_node import RecorderNode

    rclpy.init()
    try:
        recorder = RecorderNode(parameter_overrides=[Parameter("output", value=str(tmp_path / "c.mcap")),
                                                     Parameter("duration_s", value=1.0)])
        for topic, type_name in (("/clock", "rosgraph_msgs/msg/Clock"), ("/joint_states", "sensor_msgs/msg/JointState"),
                                 ("/diagnostics", "diagnostic_msgs/msg/DiagnosticArray")):
            recorder.writer.add_topic(topic, type_name)  # as discovery does
        recorder._on_message("/clock", serialize_message(Clock()))
        recorder._on_message("/diagnostics", serialize_message(DiagnosticArray()))
        assert recorder.started_ns is None
        recorder._on_message("/joint_states", serialize_message(_joint_state(0)))
        assert recorder.started_ns is not None
        recorder.close()
        recorder.destroy_node()
    finally:
        rclpy.try_shutdown()


def test_a_recorder_waiting_for_its_first_message_says_which_topics_are_silent(tmp_path, capfd):
    """--duration counts from the first message, so with nothing published the recorder waits: it says why."""
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.parameter import Parameter
    from rclpy.serialization import serialize_message

    from lecun_agent.nodes.recorder_node import RecorderNode

    rclpy.init()
    try:
        recorder = RecorderNode(parameter_overrides=[
            Parameter("output", value=str(tmp_path / "wait.mcap")), Parameter("duration_s", value=2.0),
            Parameter("topics", value=["joint_states", "cmd_vel"])])
        publisher = rclpy.create_node("silent_publisher")
        publisher.create_publisher(JointState, "joint_states", 10)  # there, but publishes nothing
        executor = SingleThreadedExecutor()
        executor.add_node(recorder)
        deadline = time.monotonic() + 20.0
        while "/joint_states" not in recorder.subscriptions_by_topic and time.monotonic() < deadline:
            executor.spin_once(timeout_sec=0.1)
        recorder.warn_nothing_recorded()
        warning = capfd.readouterr().err
        assert "nothing recorded yet (the duration counts from the first message): no publisher of ['/cmd_vel']; " \
               "no message yet on ['/joint_states']" in warning, warning
        recorder._on_message("/joint_states", serialize_message(_joint_state(0)))
        recorder.warn_nothing_recorded()
        assert "nothing recorded yet" not in capfd.readouterr().err and recorder.waiting_timer.is_canceled()
        recorder.close()
        executor.shutdown()
        recorder.destroy_node()
        publisher.destroy_node()
    finally:
        rclpy.try_shutdown()


def test_a_rosbag2_folder_reads_as_its_one_mcap_file(tmp_path):
    """`ros2 bag record -s mcap -o run1` writes run1/run1_0.mcap beside metadata.yaml."""
    folder = tmp_path / "run1"
    folder.mkdir()
    (folder / "metadata.yaml").write_text("rosbag2_bagfile_information: {}\n")
    write_synthetic_bag(folder / "run1_0.mcap", duration_s=0.5)
    assert BagReader(folder).path == folder / "run1_0.mcap" and BagReader(folder).message_counts
    write_synthetic_bag(folder / "run1_1.mcap", duration_s=0.5)
    with pytest.raises(FileNotFoundError, match=r"2 MCAP files \['run1_0.mcap', 'run1_1.mcap'\]"):
        BagReader(folder)
