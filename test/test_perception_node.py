"""perception_node through real rclpy: latent stamped with the camera frame; bad frames skipped, reported."""

from __future__ import annotations

import time

import numpy as np
import pytest
import rclpy
from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import PoseArray
from model_nodes import LATENT_DIM, spinning, tiny_checkpoint
from nav_msgs.msg import Odometry
from ros_probe import RosProbe
from sensor_msgs.msg import Image, Imu, JointState

from lecun_agent.body.readings import FOOT_LINKS, Readings
from lecun_agent.messages.conversions import (
    contacts_msg,
    image_msg,
    imu_msg,
    joint_state_msg,
    odometry_msg,
    sec_to_stamp,
    stamp_to_sec,
)
from lecun_agent.messages.latents import latent_frame, rows_from_float_image
from lecun_agent.nodes.diagnostics import WARN
from lecun_agent.nodes.perception_node import PerceptionNode
from lecun_agent.nodes.qos import SENSOR_QOS
from lecun_agent.perception.frame_lateness import FrameLateness
from lecun_agent.perception.frame_period import FramePeriod
from lecun_agent.world_model.checkpoint import weights_id

pytestmark = pytest.mark.ros


def readings(t: float, joint_vel: float = 0.0) -> Readings:
    return Readings(
        stamp=t, joint_pos=np.array([0.0, 0.8, -1.5] * 4), joint_vel=np.full(12, joint_vel),
        joint_effort=np.zeros(12), imu_quat=np.array([0, 0, 0, 1.0]), imu_gyro=np.zeros(3),
        imu_accel=np.array([0, 0, 9.81]), foot_forces=np.full(4, 30.0), odom_pos=np.array([0, 0, 0.3]),
        odom_quat=np.array([0, 0, 0, 1.0]), odom_lin_vel=np.zeros(3), odom_ang_vel=np.zeros(3),
    )  # fmt: skip


class Camera(RosProbe):
    """Plays a robot with foot sensors: publishes proprioception, foot contacts and camera frames.

    It records the latents and diagnostics the node sends back."""

    def __init__(self) -> None:
        super().__init__("fake_camera", use_sim_time=False)
        self.pubs = {name: self.create_publisher(kind, topic, SENSOR_QOS) for name, kind, topic in (
            ("joints", JointState, "joint_states"), ("imu", Imu, "imu/data"), ("odom", Odometry, "odom"),
            ("feet", JointState, "foot_contacts"), ("image", Image, "camera/image_raw"))}
        self.record(Image, "agent/latent", SENSOR_QOS)
        self.record(PoseArray, "agent/goal_sighting", SENSOR_QOS)
        self.record(DiagnosticArray, "diagnostics", 10)

    def send_readings(self, r: Readings, no_gyro: bool = False) -> None:
        self.pubs["joints"].publish(joint_state_msg(r))
        imu = imu_msg(r)
        if no_gyro:  # REP 145: this driver has no angular velocity reading
            imu.angular_velocity_covariance[0] = -1.0
        self.pubs["imu"].publish(imu)
        odom = odometry_msg(r.stamp, r.odom_pos, r.odom_quat, r.odom_lin_vel, r.odom_ang_vel)
        self.pubs["odom"].publish(odom)
        self.pubs["feet"].publish(contacts_msg(r.stamp, FOOT_LINKS, r.foot_forces))

    def latent_at(self, stamp: float, timeout_s: float = 15.0) -> Image | None:
        """Publish frames stamped `stamp` until the latent for it comes back.

        The timeout sits well above the node's 5 s sync wait, so a busy machine cannot race it."""
        found = []

        def arrived() -> bool:
            latents = self.received["agent/latent"]
            found[:] = [m for m in latents if abs(stamp_to_sec(m.header.stamp) - stamp) < 1e-6]
            return bool(found)

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not arrived():
            self.pubs["image"].publish(self.frame)
            self.spin_until(arrived, 0.2)
        return found[0] if found else None


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    ckpt = tmp_path_factory.mktemp("ckpt")
    tiny_checkpoint(ckpt)
    rclpy.init()
    with spinning(PerceptionNode, checkpoint=str(ckpt), diagnostics_period_s=0.2) as node:
        camera = Camera()
        camera.spin_until(lambda: camera.count_publishers("agent/latent") > 0, 5.0)
        yield node, camera
        camera.destroy_node()
    rclpy.try_shutdown()


def good_frame(t: float) -> Image:
    rgb = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    return image_msg(t, rgb)


def test_latent_has_camera_stamp_and_width_d(setup):
    node, camera = setup
    camera.send_readings(readings(12.345))  # the readings of the frame's instant (it waits for them)
    camera.frame = good_frame(12.345)
    msg = camera.latent_at(12.345)
    assert msg is not None, "no latent for the camera frame"
    assert (msg.encoding, msg.height, msg.width) == ("32FC1", 1, LATENT_DIM)
    s = rows_from_float_image(msg)
    assert s.shape == (1, LATENT_DIM) and np.isfinite(s).all()
    assert msg.header.frame_id == latent_frame(weights_id(node.params["checkpoint"] or None))  # its latent space


@pytest.mark.parametrize("bad, reason", [
    (image_msg(20.0, np.zeros((32, 32, 3), np.uint8)), "bad_image"),  # wrong size
    (Image(height=64, width=64, encoding="mono8", step=64, data=bytes(64 * 64)), "bad_image"),  # encoding
    (Image(height=64, width=64, encoding="rgb8", step=192, data=bytes(10)), "bad_image"),  # truncated
])
def test_bad_frame_is_skipped_and_reported(setup, bad, reason):
    node, camera = setup
    camera.send_readings(readings(20.0))
    before = node.skips[reason]
    bad.header.stamp = sec_to_stamp(20.0)
    camera.received["diagnostics"].clear()
    camera.pubs["image"].publish(bad)
    assert camera.spin_until(lambda: node.skips[reason] > before, 5.0)

    def reported() -> bool:
        for array in camera.received["diagnostics"]:
            ours = [st for st in array.status if st.name == "perception_node"]
            values = {kv.key: kv.value for st in ours for kv in st.values}
            if int(values.get(f"skipped.{reason}", 0)) > before:
                return True
        return False

    assert camera.spin_until(reported, 5.0), "skip not counted in /diagnostics"
    assert all(stamp_to_sec(m.header.stamp) != 20.0 for m in camera.received["agent/latent"])
    camera.send_readings(readings(21.0))
    camera.frame = good_frame(21.0)  # and the node still works
    assert camera.latent_at(21.0) is not None


def test_nan_readings_are_skipped(setup):
    node, camera = setup
    before = node.skips["nonfinite"]
    camera.send_readings(readings(30.0, joint_vel=float("nan")))
    camera.spin_for(0.2)
    camera.pubs["image"].publish(good_frame(30.0))
    assert camera.spin_until(lambda: node.skips["nonfinite"] > before, 5.0)
    camera.send_readings(readings(31.0))
    camera.frame = good_frame(31.0)
    assert camera.latent_at(31.0) is not None


def test_an_absurd_reading_is_skipped(setup):
    """A finite gyro of 1e12 rad/s passes the NaN check, and would be encoded into a latent of no state there."""
    node, camera = setup
    before = node.skips["bad_readings"]
    bad = readings(35.0)
    bad.imu_gyro = np.array([0.0, 1e12, 0.0])
    camera.send_readings(bad)
    camera.spin_for(0.2)
    camera.pubs["image"].publish(good_frame(35.0))
    assert camera.spin_until(lambda: node.skips["bad_readings"] > before, 5.0)
    assert all(stamp_to_sec(m.header.stamp) != 35.0 for m in camera.received["agent/latent"])
    camera.send_readings(readings(36.0))
    camera.frame = good_frame(36.0)
    assert camera.latent_at(36.0) is not None


@pytest.mark.parametrize("field", ["imu_quat", "odom_quat", "no_gyro"])
def test_an_orientation_that_is_no_rotation_or_an_imu_without_a_reading_is_skipped(setup, field):
    """The encoder reads the gyro and accelerometer too: an IMU saying it has none (REP 145's -1) is no input."""
    node, camera = setup
    before = node.skips["bad_readings"]
    stamp = {"imu_quat": 40.0, "odom_quat": 42.0, "no_gyro": 44.0}[field]
    bad = readings(stamp)
    if field != "no_gyro":
        setattr(bad, field, np.zeros(4))  # a driver without an attitude estimate: read as upright otherwise
    camera.send_readings(bad, no_gyro=field == "no_gyro")
    camera.spin_for(0.2)
    camera.pubs["image"].publish(good_frame(stamp))
    assert camera.spin_until(lambda: node.skips["bad_readings"] > before, 5.0)
    assert all(stamp_to_sec(m.header.stamp) != stamp for m in camera.received["agent/latent"])
    camera.send_readings(readings(stamp + 1.0))
    camera.frame = good_frame(stamp + 1.0)
    assert camera.latent_at(stamp + 1.0) is not None


def test_every_frame_gets_a_goal_sighting_stamped_with_it_with_the_marker_when_its_foot_is_seen(setup):
    """The configurator waits for the sighting of each frame, so a frame without a marker gets one too."""
    node, camera = setup
    floor = np.full((64, 64, 3), 239, np.uint8)
    floor[:24] = 255
    marker = floor.copy()
    marker[10:50, 30:34] = (15, 127, 31)  # a green post whose foot stands on the white floor
    for stamp, rgb, poses in ((50.0, floor, 0), (51.0, marker, 1)):
        camera.send_readings(readings(stamp))
        camera.frame = image_msg(stamp, rgb)
        assert camera.latent_at(stamp) is not None
        def sighted(at: float = stamp) -> list[PoseArray]:
            return [m for m in camera.received["agent/goal_sighting"] if abs(stamp_to_sec(m.header.stamp) - at) < 1e-6]

        assert camera.spin_until(lambda: bool(sighted()), 5.0)
        sighting = sighted()[0]
        assert sighting.header.frame_id == "base_footprint" and len(sighting.poses) == poses
    ahead = sighting.poses[0].position
    assert 0.5 < ahead.x < 3.0 and abs(ahead.y) < 0.2  # ahead of the base, about on its centre line


def test_a_frame_stamped_ahead_of_the_clock_is_refused_not_held_until_its_time(setup):
    """QA (2026-12-08): camera stamps 2 s ahead held each frame until the readings reached its stamp, then encoded
    it with them: the agent walked on 2 s old images under latents that looked fresh."""
    node, camera = setup
    ahead = time.time() + 2.0
    camera.send_readings(readings(60.0))
    before = node.skips["future"]
    camera.received["diagnostics"].clear()
    camera.pubs["image"].publish(good_frame(ahead))
    assert camera.spin_until(lambda: node.skips["future"] > before, 5.0)
    assert node.gate.oldest_pending() is None  # not held for its time
    camera.send_readings(readings(ahead))  # its readings come: it is not encoded then either
    camera.spin_for(0.3)
    assert all(abs(stamp_to_sec(m.header.stamp) - ahead) > 1e-3 for m in camera.received["agent/latent"])
    assert camera.spin_until(lambda: any(
        st.level == WARN and "the last future: camera frame stamped" in st.message
        for a in camera.received["diagnostics"] for st in a.status if st.name == "perception_node"), 5.0)


def test_a_frame_older_than_every_reading_kept_is_said_to_be_too_old_not_waiting(setup):
    """QA (2026-12-08): a camera clock 2 s behind was reported as 'no readings ... yet', at level OK."""
    node, camera = setup
    camera.send_readings(readings(70.0))
    camera.spin_for(0.2)
    before = node.skips["too_old"]
    camera.pubs["image"].publish(good_frame(1.0))  # before every reading this node keeps
    assert camera.spin_until(lambda: node.skips["too_old"] > before, 5.0)
    camera.send_readings(readings(71.0))
    camera.frame = good_frame(71.0)
    assert camera.latent_at(71.0) is not None


@pytest.mark.parametrize("hz, warned", [(10.0, False), (9.0, False), (5.0, True), (20.0, True)])
def test_a_camera_at_another_rate_than_the_model_s_step_is_said(hz, warned):
    period = FramePeriod()
    rng = np.random.default_rng(0)
    for i in range(30):
        stamp = 100.0 + i / hz + rng.normal(0.0, 0.004)
        period.add(stamp)
        period.add(stamp)  # offered again: no period
    assert (period.mismatch(0.1) is not None) == warned
    assert period.period() == pytest.approx(1.0 / hz, abs=0.01)


def test_gaps_and_too_few_frames_say_nothing_of_the_rate():
    period = FramePeriod()
    for stamp in (0.0, 0.1, 5.0, 5.1, 9.0):  # outages, not a rate
        period.add(stamp)
    assert period.period() is None and period.mismatch(0.1) is None


@pytest.mark.parametrize("age_s, said", [(0.02, False), (0.2, False), (0.5, True)])
def test_frames_that_arrive_late_name_the_camera(age_s, said):
    """QA (2026-12-08): a camera clock 0.5 s behind stopped the robot on stale proposals, and perception said OK."""
    lateness = FrameLateness()
    for _ in range(9):
        lateness.add(age_s)
    assert lateness.problem() is None  # too few frames to say
    lateness.add(age_s)
    assert (lateness.problem() is not None) == said and lateness.median() == pytest.approx(age_s)
