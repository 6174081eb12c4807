"""perception_node: encoder E. Camera frame + proprioception -> latent state s on `agent/latent`.

On each `camera/image_raw` frame it builds the proprioception vector from the joint_states,
imu/data, odom (and foot_contacts when a robot has them) of the frame's instant (it waits for
them: TickGate, which is what keeps lock-step runs repeatable), encodes both with the
checkpoint's encoder and publishes `agent/latent`: sensor_msgs/Image, 32FC1, height 1,
width D, header.stamp = the camera frame's stamp. Frames that cannot be encoded (wrong size or
encoding, NaN in the readings, an orientation that is no unit quaternion, readings not there yet, a
frame older than every reading kept) are skipped, logged (throttled) and counted by reason in
/diagnostics; nothing an input holds can stop the node. A frame stamped ahead of the clock is refused
as it comes (not held until its time). /diagnostics is WARN while frames are skipped, with the last
reason, while the frames do not come at the model's step (perception/frame_period.py), and while they
arrive late (perception/frame_lateness.py).

Before encoding, each frame is searched for the goal marker (perception/goal_marker.py, with the
IMU's roll and pitch of the frame's instant) and `agent/goal_sighting` is published, stamped with
the frame: the marker's place under the base, or no pose (messages/goal_sighting.py). One goes out
for every frame taken, even one that is skipped or shows no marker, so the configurator, which waits
for the sighting of each instant, never waits for a frame that will not come (a frame refused for its
stamp gets none: its stamp cannot be trusted).
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np
import torch
from geometry_msgs.msg import PoseArray
from nav_msgs.msg import Odometry
from rclpy.node import Node
from sensor_msgs.msg import Image, Imu, JointState

from lecun_agent.body.readings import quat_to_rpy
from lecun_agent.body.robot_model import load_robot_model
from lecun_agent.messages.conversions import (
    imu_covariance_problem,
    orientation_problem,
    plausibility_problem,
    readings_from_msgs,
    rgb_from_image,
    stamp_to_sec,
)
from lecun_agent.messages.goal_sighting import sighting_msg
from lecun_agent.messages.latents import float_image, latent_frame
from lecun_agent.nodes.checkpoint_parameter import CheckpointParameter, ModelNodeSettings
from lecun_agent.perception.frame_lateness import FrameLateness
from lecun_agent.perception.frame_period import FramePeriod
from lecun_agent.perception.goal_marker import CameraMount, MarkerSettings, sight_marker
from lecun_agent.perception.proprio import proprio_from_readings

from .diagnostics import OK, WARN, Diagnostics
from .parameters import Parameters
from .qos import SENSOR_PUBLISHER_QOS, declare_reliable_sensors, sensor_qos
from .spin import spin_node
from .tick_gate import SYNC_TIMEOUT_S, TickGate

# A frame stamped further ahead of the clock (or of the newest reading, if later) than this is refused, as the
# guardrail's future_tolerance_s.
FUTURE_TOLERANCE_S = 0.1


class PerceptionNode(Node):
    def __init__(self, **node_kwargs) -> None:
        super().__init__("perception_node", allow_undeclared_parameters=True, **node_kwargs)
        p = self.params = Parameters(self)
        common = p.declare_settings(ModelNodeSettings)
        torch.set_num_threads(common.threads)
        self.ckpt = CheckpointParameter(self, p)
        sync_s = p.declare("sync_timeout_s", SYNC_TIMEOUT_S, "wall seconds to wait for the joint reading, IMU "
                           "and odometry of a frame's instant before encoding without them (counted)", low=0.05,
                           high=60.0)
        slop_s = p.declare("sync_slop_s", 0.0, "real time on a robot: a joint reading, IMU or odometry message at "
                           "most this much older than the frame is taken instead of waiting for one at or after it "
                           "(drivers stamp each topic on its own); 0 = wait for it (lock-step, repeatable)", low=0.0,
                           high=0.5)
        self.marker = p.declare_settings(MarkerSettings, "goal_marker.")
        sensor = sensor_qos(declare_reliable_sensors(p))
        p.reject_unknown_overrides()
        self.mount = CameraMount.from_model(load_robot_model())
        self.sightings = 0
        self.gate = TickGate(self, ("joints", "imu", "odom", "feet"), sync_s, self._on_frame, slop_s=slop_s)
        self.skips: Counter[str] = Counter()
        self.frame_steps = FramePeriod()
        self.lateness = FrameLateness()
        self.last_bad_skip = ""  # why the last frame skipped (not merely waiting) was, for /diagnostics
        self.published = self._published_at_report = self._bad_at_report = 0
        self.infer_ms: list[float] = []
        self.last_report = self.get_clock().now()
        self.pub = self.create_publisher(Image, "agent/latent", SENSOR_PUBLISHER_QOS)
        self.sighting_pub = self.create_publisher(PoseArray, "agent/goal_sighting", SENSOR_PUBLISHER_QOS)
        self.create_subscription(Image, "camera/image_raw", self._on_image, sensor)
        for topic, kind, key in (("joint_states", JointState, "joints"), ("imu/data", Imu, "imu"),
                                 ("odom", Odometry, "odom"), ("foot_contacts", JointState, "feet")):
            self.create_subscription(kind, topic, self.gate.feed(key), sensor)
        self.diagnostics = Diagnostics(self, self._report, common.diagnostics_period_s)

    def _skip(self, reason: str, detail: str) -> None:
        self.skips[reason] += 1
        if reason != "waiting":
            self.last_bad_skip = f"{reason}: {detail}"
        self.get_logger().warning(f"frame skipped ({reason}): {detail}", throttle_duration_sec=2.0)

    def _on_image(self, msg: Image) -> None:
        """A camera frame: refused when stamped in the future, else gated until the readings of its instant are in.
        QA (2026-12-08): a camera 2 s ahead of the robot's clock had each frame held until the readings reached its
        stamp, then encoded with them: the agent walked on 2 s old images while every latent looked fresh."""
        stamp, clock = stamp_to_sec(msg.header.stamp), self.get_clock().now().nanoseconds * 1e-9
        known = [clock] if clock > 0 else []  # simulated time reads 0 until the first /clock
        if clock > 0:
            self.lateness.add(clock - stamp)
        now = max([*known, *self.gate.newest_stamps()], default=None)
        if now is not None and stamp > now + FUTURE_TOLERANCE_S:  # nothing to judge by: the gate waits for readings
            self._skip("future", f"camera frame stamped {stamp - now:.3f} s ahead of the clock and the newest reading "
                       f"(> {FUTURE_TOLERANCE_S} s: are the camera's and the robot's clocks synchronised?)")
            return
        self.frame_steps.add(stamp)
        self.gate.event(stamp, msg)

    def _on_frame(self, stamp: float, msg: Image, inputs: dict, timed_out: bool) -> None:
        try:
            rgb, bad = rgb_from_image(msg), None  # (H, W, 3) uint8
        except ValueError as err:  # encoding other than rgb8/bgr8, or data not matching its size
            rgb, bad = None, str(err)
        marker = None if rgb is None else self._sight(rgb, inputs["imu"])
        self.sighting_pub.publish(sighting_msg(msg.header.stamp, marker))
        self._encode(msg, rgb, bad, inputs)

    def _sight(self, rgb: np.ndarray, imu: Imu | None) -> np.ndarray | None:
        """The goal marker in this frame, (x, y) m in base_footprint; None when off, not seen or not placeable."""
        if not self.marker.enabled or imu is None or orientation_problem(imu) is not None:
            return None
        o = imu.orientation
        roll, pitch, _ = quat_to_rpy(np.array([o.x, o.y, o.z, o.w]))
        marker = sight_marker(rgb, self.mount, self.marker, roll, pitch)
        self.sightings += marker is not None
        return marker

    def _encode(self, msg: Image, rgb: np.ndarray | None, bad: str | None, inputs: dict) -> None:
        """One camera frame (`rgb`, or None and why it could not be read) with the proprioception of its
        instant -> agent/latent stamped as the frame."""
        missing = [name for name in ("joints", "imu", "odom") if inputs[name] is None]
        if missing and self.gate.all_after(missing, stamp_to_sec(msg.header.stamp)):
            self._skip("too_old", f"frame stamped before every {'/'.join(missing)} reading kept (camera clock behind "
                       "the robot's, or frames that late?)")
            return
        if missing:
            self._skip("waiting", "no joint_states, imu/data or odom at or before the frame yet")
            return
        if rgb is None:
            self._skip("bad_image", bad)
            return
        problem = (orientation_problem(inputs["imu"]) or orientation_problem(inputs["odom"])
                   or imu_covariance_problem(inputs["imu"]))  # the encoder reads the gyro and accelerometer too
        if problem is not None:  # read as upright, it would give the world model a latent of a state not there
            self._skip("bad_readings", problem)
            return
        try:
            readings = readings_from_msgs(inputs["joints"], inputs["imu"], inputs["odom"], inputs["feet"])
            proprio = proprio_from_readings(readings)  # (P,)
        except ValueError as err:  # joints the body model does not name
            self._skip("bad_readings", str(err))
            return
        expected = tuple(self.ckpt.spec.image_shape)
        if rgb.shape != expected:
            self._skip("bad_image", f"image is {rgb.shape[1]}x{rgb.shape[0]}, the encoder reads "
                       f"{expected[1]}x{expected[0]} (resize in the camera driver or an image_proc node)")
            return
        if not np.isfinite(proprio).all():
            self._skip("nonfinite", "NaN or Inf in joint_states/imu/odom")
            return
        problem = next(filter(None, map(plausibility_problem, (inputs["joints"], inputs["imu"], inputs["odom"]))), None)
        if problem is not None:  # finite, but no body reads it: encoded, a latent of no state there
            self._skip("bad_readings", problem)
            return
        start = time.perf_counter()
        with torch.no_grad():
            s = self.ckpt.model.encode(torch.from_numpy(rgb.copy())[None], torch.from_numpy(proprio)[None])[0]
        self.infer_ms.append(1e3 * (time.perf_counter() - start))
        if not torch.isfinite(s).all():
            self._skip("nonfinite", "the encoder produced NaN/Inf")
            return
        self.pub.publish(float_image(msg.header.stamp, s.numpy()[None], latent_frame(self.ckpt.weights_id)))
        self.published += 1

    def _report(self):
        now = self.get_clock().now()
        dt = (now - self.last_report).nanoseconds * 1e-9
        rate = (self.published - self._published_at_report) / dt if dt > 0 else 0.0
        self.last_report, self._published_at_report = now, self.published
        ms = np.array(self.infer_ms[-100:]) if self.infer_ms else np.zeros(1)
        self.infer_ms = self.infer_ms[-100:]
        values = {"rate_hz": round(rate, 2), "published": self.published,
                  "inference_ms_mean": round(ms.mean(), 2), "inference_ms_max": round(ms.max(), 2),
                  "latent_dim": self.ckpt.model.cfg.latent_dim,
                  "checkpoint": self.params["checkpoint"] or "(default)", "reloads": self.ckpt.reloads,
                  "rejected_reloads": self.ckpt.rejected, "sync_timeouts": self.gate.timeouts,
                  "goal_sightings": self.sightings}
        values.update({f"skipped.{k}": v for k, v in sorted(self.skips.items())})
        bad = sum(v for k, v in self.skips.items() if k != "waiting")
        new_bad, self._bad_at_report = bad - self._bad_at_report, bad  # WARN while bad frames keep coming
        values["frame_period_s"] = self.frame_steps.period()
        problems = [f"{new_bad} frames skipped since the last report, the last {self.last_bad_skip}"] if new_bad else []
        values["frame_lateness_s"] = self.lateness.median()
        for problem in (self.frame_steps.mismatch(self.ckpt.spec.step_dt), self.lateness.problem()):
            if problem is not None:
                problems.append(problem)
        return (WARN, "; ".join(problems), values) if problems else (OK, "ok", values)


def main(args=None) -> None:
    spin_node(PerceptionNode, args)


if __name__ == "__main__":
    main()
