"""gait_node: locomotion reflexes. Turns /cmd_vel (vx, vy, yaw rate) into /joint_commands.

It computes one joint command per joint_states reading (decimated to `rate_hz`) and stamps
it with that reading's stamp, so a synchronous simulator knows which observation the
command answers. Stale or non-finite velocity commands make it stand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from geometry_msgs.msg import TwistStamped
from nav_msgs.msg import Odometry
from rclpy.duration import Duration
from rclpy.node import Node
from sensor_msgs.msg import Imu, JointState
from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint

from lecun_agent.body.readings import JOINT_NAMES
from lecun_agent.gait.config import GaitConfig
from lecun_agent.gait.trot import TrotGait
from lecun_agent.messages import conversions as conv
from lecun_agent.messages.conversions import stamp_to_sec
from lecun_agent.settings import setting

from .diagnostics import OK, WARN, Diagnostics
from .parameters import Parameters
from .qos import COMMAND_QOS, SENSOR_QOS
from .spin import spin_node

ZERO = np.zeros(3)


@dataclass(frozen=True)
class GaitNodeSettings:
    rate_hz: float = setting(50.0, "most joint commands per second (one per joint_states reading)", low=10.0,
                             high=500.0, runtime=True)
    cmd_timeout_s: float = setting(0.5, "sim/robot seconds without /cmd_vel before the robot stands",
                                   low=0.05, high=10.0, runtime=True)
    imu_timeout_s: float = setting(0.2, "seconds the IMU or odometry may lag joint_states before the robot "
                                   "stands", low=0.01, high=0.2, runtime=True)


class GaitNode(Node):
    def __init__(self) -> None:
        super().__init__("gait_node", allow_undeclared_parameters=True)
        p = self.params = Parameters(self)
        p.declare_settings(GaitNodeSettings)
        self.config = p.declare_settings(GaitConfig, "limits.")
        p.reject_unknown_overrides()
        self.gait = TrotGait(self.config)

        self.command, self.command_time = ZERO.copy(), None
        self.imu: Imu | None = None
        self.odom: Odometry | None = None  # optional: robots without odometry never wait for it
        self.pending: JointState | None = None  # joint reading waiting for its IMU reading
        self.last_output_stamp = -np.inf
        self.last_command: JointTrajectory | None = None
        self.counts = {"commands_out": 0, "nonfinite_cmd": 0, "stale_cmd": 0, "stale_imu": 0}
        self.stale = True

        self.pub = self.create_publisher(JointTrajectory, "joint_commands", COMMAND_QOS)
        self.create_subscription(TwistStamped, "cmd_vel", self._on_cmd_vel, COMMAND_QOS)
        self.create_subscription(Imu, "imu/data", self._on_imu, SENSOR_QOS)
        self.create_subscription(Odometry, "odom", self._on_odom, SENSOR_QOS)
        self.create_subscription(JointState, "joint_states", self._on_joints, SENSOR_QOS)
        self.diagnostics = Diagnostics(self, self._report)

    def _on_cmd_vel(self, msg: TwistStamped) -> None:
        command = conv.twist_vector(msg)
        if not np.all(np.isfinite(command)):
            self.counts["nonfinite_cmd"] += 1
            self.get_logger().warning(f"ignored non-finite /cmd_vel {command.tolist()}",
                                   throttle_duration_sec=2.0)
            return
        self.command = command
        self.command_time = self.get_clock().now()

    def _on_imu(self, msg: Imu) -> None:
        self.imu = msg
        self._act_if_ready()

    def _on_odom(self, msg: Odometry) -> None:
        self.odom = msg
        self._act_if_ready()

    def _on_joints(self, msg: JointState) -> None:
        stamp = stamp_to_sec(msg.header.stamp)
        if stamp == self.last_output_stamp and self.last_command is not None:
            self.pub.publish(self.last_command)  # the same reading offered again: our answer was lost
            return
        if stamp - self.last_output_stamp < 1.0 / self.params["rate_hz"] - 1e-6:
            return  # decimate fast joint_states streams to rate_hz
        self.pending = msg
        self._act_if_ready()

    def _act_if_ready(self) -> None:
        """Act on the pending joint reading once the same instant's IMU (and odometry) are in.

        Waiting for them, rather than using whatever arrived, makes synchronous runs
        reproducible; a sensor lagging past imu_timeout_s makes the robot stand instead.
        """
        if self.pending is None or self.imu is None:
            return
        stamp = stamp_to_sec(self.pending.header.stamp)
        lags = [stamp - stamp_to_sec(m.header.stamp) for m in (self.imu, self.odom) if m is not None]
        if max(lags) <= 1e-9:
            self._act(self.pending)
        elif max(lags) > self.params["imu_timeout_s"]:
            self.counts["stale_imu"] += 1
            self.get_logger().warning("IMU or odometry lags joint_states; standing",
                                      throttle_duration_sec=2.0)
            self._act(self.pending, force_stand=True)

    def _act(self, joints: JointState, force_stand: bool = False) -> None:
        self.pending = None
        try:
            readings = conv.readings_from_msgs(joints, self.imu, self.odom)
        except ValueError as err:
            self.get_logger().error(str(err), throttle_duration_sec=5.0)
            return
        command = ZERO if force_stand or self._command_stale() else self.command
        dt = 1.0 / self.params["rate_hz"] if np.isinf(self.last_output_stamp) else \
            max(readings.stamp - self.last_output_stamp, 1e-3)
        targets = self.gait.step(command, readings, dt)
        self.last_output_stamp = readings.stamp
        self._publish(joints.header.stamp, targets)

    def _command_stale(self) -> bool:
        stale = self.command_time is None or \
            (self.get_clock().now() - self.command_time).nanoseconds * 1e-9 > self.params["cmd_timeout_s"]
        if stale and not self.stale and self.command_time is not None:
            self.counts["stale_cmd"] += 1
            self.get_logger().warning("/cmd_vel went stale; standing")
        self.stale = stale
        return stale

    def _publish(self, stamp, targets: np.ndarray) -> None:
        msg = JointTrajectory()
        msg.header.stamp = stamp
        msg.joint_names = list(JOINT_NAMES)
        msg.points = [JointTrajectoryPoint(positions=[float(v) for v in targets])]
        self.pub.publish(msg)
        self.last_command = msg
        self.counts["commands_out"] += 1

    def _report(self):
        trouble = self.counts["nonfinite_cmd"] or self.stale
        message = "standing: /cmd_vel stale" if self.stale else "walking"
        if self.counts["nonfinite_cmd"]:
            message += f"; {self.counts['nonfinite_cmd']} non-finite commands ignored"
        return WARN if trouble else OK, message, dict(self.counts)

    def stand(self) -> None:
        """Last act on shutdown: command the standing pose."""
        self._publish(self.get_clock().now().to_msg(), self.gait.standing_pose())
        self.pub.wait_for_all_acked(Duration(seconds=1.0))  # the node is destroyed next


def main(args=None) -> None:
    spin_node(GaitNode, args, on_shutdown=lambda node: node.stand())


if __name__ == "__main__":
    main()
