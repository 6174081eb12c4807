"""Conversions between the cores' numpy types and standard ROS messages.

One place decides how `Readings` maps onto the topic contract, so sim_node (which
writes messages) and every consumer (which reads them) cannot disagree. A real robot's
driver publishing the same messages feeds the same cores.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from builtin_interfaces.msg import Time as TimeMsg
from geometry_msgs.msg import PoseStamped, TwistStamped
from nav_msgs.msg import Odometry
from sensor_msgs.msg import CameraInfo, Image, Imu, JointState

from lecun_agent.body.readings import FOOT_LINKS, JOINT_NAMES, Readings, quat_to_rpy

ODOM_FRAME = "odom"
BASE_FRAME = "base"


def stamp_to_sec(stamp: TimeMsg) -> float:
    return stamp.sec + stamp.nanosec * 1e-9


def sec_to_stamp(seconds: float) -> TimeMsg:
    nanos = int(round(seconds * 1e9))
    return TimeMsg(sec=nanos // 1_000_000_000, nanosec=nanos % 1_000_000_000)


class JointOrderError(ValueError):
    """A JointState does not name the joints the body model needs, or names one more than once."""


def joint_state_msg(readings: Readings) -> JointState:
    msg = JointState()
    msg.header.stamp = sec_to_stamp(readings.stamp)
    msg.header.frame_id = BASE_FRAME
    msg.name = list(JOINT_NAMES)
    msg.position = readings.joint_pos.tolist()
    msg.velocity = readings.joint_vel.tolist()
    msg.effort = readings.joint_effort.tolist()
    return msg


def contacts_msg(stamp: float, names, forces) -> JointState:
    """Contact forces carried as JointState: name = link, effort = normal force in N."""
    msg = JointState()
    msg.header.stamp = sec_to_stamp(stamp)
    msg.header.frame_id = BASE_FRAME
    msg.name = list(names)
    msg.effort = [float(f) for f in forces]
    return msg


def imu_msg(readings: Readings, frame_id: str = "imu_link") -> Imu:
    msg = Imu()
    msg.header.stamp = sec_to_stamp(readings.stamp)
    msg.header.frame_id = frame_id
    x, y, z, w = readings.imu_quat.tolist()
    msg.orientation.x, msg.orientation.y, msg.orientation.z, msg.orientation.w = x, y, z, w
    gx, gy, gz = readings.imu_gyro.tolist()
    msg.angular_velocity.x, msg.angular_velocity.y, msg.angular_velocity.z = gx, gy, gz
    ax, ay, az = readings.imu_accel.tolist()
    msg.linear_acceleration.x, msg.linear_acceleration.y, msg.linear_acceleration.z = ax, ay, az
    return msg


def odometry_msg(stamp: float, pos, quat, lin_vel, ang_vel, child_frame: str = BASE_FRAME) -> Odometry:
    msg = Odometry()
    msg.header.stamp = sec_to_stamp(stamp)
    msg.header.frame_id = ODOM_FRAME
    msg.child_frame_id = child_frame
    p, q = msg.pose.pose.position, msg.pose.pose.orientation
    p.x, p.y, p.z = (float(v) for v in pos)
    q.x, q.y, q.z, q.w = (float(v) for v in quat)
    t = msg.twist.twist
    t.linear.x, t.linear.y, t.linear.z = (float(v) for v in lin_vel)
    t.angular.x, t.angular.y, t.angular.z = (float(v) for v in ang_vel)
    return msg


def image_msg(stamp: float, rgb: np.ndarray, frame_id: str = "camera_optical_frame") -> Image:
    """rgb: (H, W, 3) uint8."""
    msg = Image()
    msg.header.stamp = sec_to_stamp(stamp)
    msg.header.frame_id = frame_id
    msg.height, msg.width = int(rgb.shape[0]), int(rgb.shape[1])
    msg.encoding = "rgb8"
    msg.step = msg.width * 3
    msg.data = np.ascontiguousarray(rgb, dtype=np.uint8).tobytes()
    return msg


def camera_info_msg(stamp: float, intrinsics: tuple[float, float, float, float], width: int, height: int,
                    frame_id: str = "camera_optical_frame") -> CameraInfo:
    """A pinhole camera without distortion: intrinsics = (fx, fy, cx, cy) in pixels."""
    fx, fy, cx, cy = intrinsics
    info = CameraInfo()
    info.header.stamp, info.header.frame_id = sec_to_stamp(stamp), frame_id
    info.width, info.height = width, height
    info.distortion_model = "plumb_bob"
    info.d = [0.0] * 5
    info.k = [fx, 0.0, cx, 0.0, fy, cy, 0.0, 0.0, 1.0]
    info.r = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    info.p = [fx, 0.0, cx, 0.0, 0.0, fy, cy, 0.0, 0.0, 0.0, 1.0, 0.0]
    return info


def rgb_from_image(msg: Image) -> np.ndarray:
    """(H, W, 3) uint8 from an rgb8 or bgr8 Image; anything else is a clear error."""
    if msg.encoding not in ("rgb8", "bgr8"):
        raise ValueError(f"unsupported image encoding {msg.encoding!r}; expected rgb8 or bgr8")
    expected = msg.height * msg.width * 3
    data = np.frombuffer(bytes(msg.data), dtype=np.uint8)
    if data.size != expected or msg.step != msg.width * 3:
        raise ValueError(f"image data has {data.size} bytes, step {msg.step}; expected {expected} for "
                         f"{msg.width}x{msg.height} {msg.encoding}")
    rgb = data.reshape(msg.height, msg.width, 3)
    return rgb[:, :, ::-1].copy() if msg.encoding == "bgr8" else rgb


def named_more_than_once(names) -> list[str]:
    """The names that come more than once, sorted; [] when each is unique."""
    if len(set(names)) == len(names):
        return []
    return sorted(name for name, count in Counter(names).items() if count > 1)


def joint_vectors(msg: JointState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(position, velocity, effort), each (12,) in JOINT_NAMES order, whatever the message's order.

    A joint named twice is refused: which copy to read cannot be known (and the other's NaN would
    go unchecked)."""
    if repeated := named_more_than_once(msg.name):
        raise JointOrderError(f"joint_states names {repeated} more than once")
    index = {name: i for i, name in enumerate(msg.name)}
    missing = [n for n in JOINT_NAMES if n not in index]
    if missing:
        unknown = [n for n in msg.name if n not in JOINT_NAMES]
        raise JointOrderError(f"joint_states lacks joints {missing}"
                              + (f" and names {unknown[:12]}{' ...' if len(unknown) > 12 else ''} instead" if unknown
                                 else "") + "; rename them in the driver's config or a relay (docs/real_robot.md)")
    order = [index[n] for n in JOINT_NAMES]

    def pick(values) -> np.ndarray:
        if len(values) != len(msg.name):
            # Optional in JointState, but not zero: NaN makes every consumer that needs the field
            # refuse the reading with a reason (body/readings.py `untrusted`), never guess.
            return np.full(len(JOINT_NAMES), np.nan)
        return np.asarray(values, dtype=float)[order]

    return pick(msg.position), pick(msg.velocity), pick(msg.effort)


def contact_forces(msg: JointState) -> dict[str, float]:
    """{link: N} from a contacts JointState (`name` = link, `effort` = N)."""
    return dict(zip(msg.name, map(float, msg.effort), strict=False))


def named_forces(msg: JointState | None, names=FOOT_LINKS) -> np.ndarray:
    """Forces for `names` from a contacts JointState (missing names read 0 N)."""
    if msg is None:
        return np.zeros(len(names))
    table = contact_forces(msg)
    return np.array([float(table.get(n, 0.0)) for n in names])


# |norm - 1| beyond this: no rotation. Round-off and float32 quaternions are far inside it; tilt_of does not
# normalise (unit quaternions keep their exact numbers), so a looser tolerance under-read the tilt (0.905: 10 %).
QUATERNION_NORM_TOLERANCE = 1e-2

# Plausibility bounds on finite values: far beyond anything this body or a working sensor reports (URDF:
# joints within 2.7 rad, at most 25 rad/s and 35 N m; the guardrail caps walking at 1 m/s), so only a
# broken driver or a corrupted message reaches them. A finite 1e30 passes the NaN check but is Inf in
# the float32 cost features and poisons every filter downstream (the guardrail's pain filter among them).
MAX_JOINT_POSITION_RAD = 100.0
MAX_JOINT_VELOCITY_RAD_S = 1e3
MAX_JOINT_EFFORT_NM = 1e4
MAX_ODOM_POSITION_M = 1e5  # 100 km from where the odometry started
MAX_ODOM_LINEAR_VELOCITY_M_S = 100.0
MAX_ODOM_ANGULAR_VELOCITY_RAD_S = 1e3
MAX_IMU_ANGULAR_VELOCITY_RAD_S = 1e3  # a 2000 deg/s gyro reads 35
MAX_IMU_LINEAR_ACCELERATION_M_S2 = 1e4  # 1000 g; a 16 g accelerometer reads 157


def message_problem(msg: JointState | Imu | Odometry) -> str | None:
    """Why the values of one joint_states, imu/data or odom message cannot be trusted, or None.

    NaN, Inf, a value beyond its plausible bound (plausibility_problem), a missing joint, a joint named
    twice, a missing position, velocity or effort field, an IMU covariance with NaN or Inf or saying there
    is no estimate (REP 145's -1), an orientation that is no unit quaternion (the zeros of a driver without
    an attitude estimate would read as upright, blinding the tilt stop and the fall latch): the guardrail
    stops on such a message and no filter ever sees it.
    """
    try:
        what, values, bounded = _checked_values(msg)
    except JointOrderError as err:
        return str(err)
    if not np.all(np.isfinite(values)):
        return f"{what} missing or not finite"
    problem = _beyond_bound(bounded)
    if problem is not None or isinstance(msg, JointState):
        return problem
    return (imu_covariance_problem(msg) if isinstance(msg, Imu) else None) or orientation_problem(msg)


def plausibility_problem(msg: JointState | Imu | Odometry) -> str | None:
    """Which finite value of a message lies beyond its plausible bound (MAX_*: far beyond any real body or
    sensor), or None. NaN compares false: finiteness is message_problem's."""
    try:
        return _beyond_bound(_checked_values(msg)[2])
    except JointOrderError as err:
        return str(err)


def _beyond_bound(bounded) -> str | None:
    for name, field, bound in bounded:
        if (largest := float(np.max(np.abs(field)))) > bound:
            return f"{name} {largest:.3g} beyond the plausible {bound:g}"
    return None


def _checked_values(msg: JointState | Imu | Odometry):
    """(what the values are, every value checked for finiteness, [(name, values, plausible bound)])."""
    if isinstance(msg, JointState):
        position, velocity, effort = joint_vectors(msg)
        return ("joint_states position, velocity or effort", np.concatenate([position, velocity, effort]),
                [("joint_states position", position, MAX_JOINT_POSITION_RAD),
                 ("joint_states velocity", velocity, MAX_JOINT_VELOCITY_RAD_S),
                 ("joint_states effort", effort, MAX_JOINT_EFFORT_NM)])
    if isinstance(msg, Imu):
        o, w, a = msg.orientation, msg.angular_velocity, msg.linear_acceleration
        values = np.array([o.x, o.y, o.z, o.w, w.x, w.y, w.z, a.x, a.y, a.z])
        return ("imu orientation, angular velocity or acceleration", values,
                [("imu angular velocity", values[4:7], MAX_IMU_ANGULAR_VELOCITY_RAD_S),
                 ("imu linear acceleration", values[7:10], MAX_IMU_LINEAR_ACCELERATION_M_S2)])
    p, q, t = msg.pose.pose.position, msg.pose.pose.orientation, msg.twist.twist
    values = np.array([p.x, p.y, p.z, q.x, q.y, q.z, q.w, t.linear.x, t.linear.y, t.linear.z,
                       t.angular.x, t.angular.y, t.angular.z])
    return ("odom pose or twist", values,
            [("odom position", values[0:3], MAX_ODOM_POSITION_M),
             ("odom linear velocity", values[7:10], MAX_ODOM_LINEAR_VELOCITY_M_S),
             ("odom angular velocity", values[10:13], MAX_ODOM_ANGULAR_VELOCITY_RAD_S)])


def imu_covariance_problem(msg: Imu) -> str | None:
    """Why an imu/data message's covariances say it cannot be read, or None: a covariance with NaN or Inf,
    or REP 145's -1 in element 0 ("no estimate") for the gyro or the accelerometer, which the encoder
    reads (perception/proprio.py). The orientation's -1 is orientation_problem's."""
    for field in ("orientation_covariance", "angular_velocity_covariance", "linear_acceleration_covariance"):
        if not np.all(np.isfinite(getattr(msg, field))):
            return f"imu {field} not finite"
    for field in ("angular_velocity_covariance", "linear_acceleration_covariance"):
        if getattr(msg, field)[0] == -1.0:
            return f"imu {field}[0] is -1: no such reading (REP 145)"
    return None


def orientation_problem(msg: Imu | Odometry) -> str | None:
    """Why an imu/data or odom orientation is no rotation, or None: an IMU saying it has no orientation
    estimate (REP 145: orientation_covariance[0] = -1; its quaternion, often (0, 0, 0, 1), would read as
    upright), or a quaternion whose norm is off 1 beyond round-off (a driver without an estimate may
    send zeros instead)."""
    if isinstance(msg, Imu) and msg.orientation_covariance[0] == -1.0:
        return "imu has no orientation estimate (orientation_covariance[0] is -1, REP 145)"
    o = msg.orientation if isinstance(msg, Imu) else msg.pose.pose.orientation
    norm = float(np.linalg.norm([o.x, o.y, o.z, o.w]))
    if abs(norm - 1.0) <= QUATERNION_NORM_TOLERANCE:
        return None
    return f"{'imu' if isinstance(msg, Imu) else 'odom'} orientation norm {norm:.3g} is not a unit quaternion"


def contacts_problem(msg: JointState | None, topic: str) -> str | None:
    """Why a contacts carrier cannot be read, or None: names and forces that do not pair (a name without
    a force would read as no touch), a link named twice (one force would be read over the other), a
    force with NaN or Inf, or a negative one (a normal force only pushes; summed, a negative force
    cancels a real contact)."""
    if msg is None:
        return None
    if len(msg.name) != len(msg.effort):
        return f"{topic}: {len(msg.name)} names but {len(msg.effort)} forces"
    if repeated := named_more_than_once(msg.name):
        return f"{topic}: links {repeated} named more than once"
    forces = np.asarray(msg.effort, dtype=float)
    if not np.all(np.isfinite(forces)):
        return f"{topic}: a contact force is not finite"
    if np.any(forces < 0.0):
        return f"{topic}: contact force {float(forces.min()):.3g} N is negative"
    return None


def goal_xy(msg: PoseStamped) -> tuple[np.ndarray | None, str | None]:
    """(goal x, y in odom, None), or (None, why it cannot be used): a position with NaN or Inf, one further than
    the odometry may be from its start (MAX_ODOM_POSITION_M: 1e39 is finite as a double and infinite in the
    planner's float32, which then proposed NaN; QA, 2026-12-07), or a frame other than odom (the stack keeps no
    tf tree to move a goal from `map` into odom). An empty frame_id is taken as odom (a goal typed by hand)."""
    if msg.header.frame_id not in ("", ODOM_FRAME):
        return None, f"goal_pose in frame {msg.header.frame_id!r}; goals are taken in {ODOM_FRAME!r} only"
    goal = np.array([msg.pose.position.x, msg.pose.position.y], dtype=float)
    if not np.all(np.isfinite(goal)):
        return None, "goal_pose position is not finite"
    if np.abs(goal).max() > MAX_ODOM_POSITION_M:
        return None, (f"goal_pose position {goal.tolist()} is more than {MAX_ODOM_POSITION_M:g} m from the odometry's "
                      "origin")
    return goal, None


def planar_pose(msg: Odometry) -> np.ndarray:
    """(3,) x, y (m) and yaw (rad) of an odometry message's pose; NaN where its values are."""
    p, q = msg.pose.pose.position, msg.pose.pose.orientation
    return np.array([p.x, p.y, quat_to_rpy(np.array([q.x, q.y, q.z, q.w]))[2]], dtype=float)


def readings_from_msgs(
    joints: JointState,
    imu: Imu,
    odom: Odometry | None = None,
    feet: JointState | None = None,
    body: JointState | None = None,
) -> Readings:
    """Rebuild the cores' Readings from the latest messages, stamped with the joint reading."""
    q, qd, tau = joint_vectors(joints)
    o, w, a = imu.orientation, imu.angular_velocity, imu.linear_acceleration
    if odom is not None:
        pp, pq, tl, ta = odom.pose.pose.position, odom.pose.pose.orientation, odom.twist.twist.linear, \
            odom.twist.twist.angular
        odom_pos, odom_quat = np.array([pp.x, pp.y, pp.z]), np.array([pq.x, pq.y, pq.z, pq.w])
        odom_lin, odom_ang = np.array([tl.x, tl.y, tl.z]), np.array([ta.x, ta.y, ta.z])
    else:
        odom_pos, odom_quat = np.zeros(3), np.array([o.x, o.y, o.z, o.w])
        odom_lin, odom_ang = np.zeros(3), np.array([w.x, w.y, w.z])
    return Readings(
        stamp=stamp_to_sec(joints.header.stamp),
        joint_pos=q,
        joint_vel=qd,
        joint_effort=tau,
        imu_quat=np.array([o.x, o.y, o.z, o.w]),
        imu_gyro=np.array([w.x, w.y, w.z]),
        imu_accel=np.array([a.x, a.y, a.z]),
        foot_forces=named_forces(feet),
        odom_pos=odom_pos,
        odom_quat=odom_quat,
        odom_lin_vel=odom_lin,
        odom_ang_vel=odom_ang,
        body_contacts=contact_forces(body) if body is not None else {},
    )


def twist_vector(msg: TwistStamped) -> np.ndarray:
    """(vx, vy, yaw_rate) from a TwistStamped."""
    t = msg.twist
    return np.array([t.linear.x, t.linear.y, t.angular.z], dtype=float)


def twist_msg(stamp, command: np.ndarray, frame_id: str = BASE_FRAME) -> TwistStamped:
    """TwistStamped from (vx, vy, yaw_rate); `stamp` is a builtin_interfaces Time."""
    msg = TwistStamped()
    msg.header.stamp = stamp
    msg.header.frame_id = frame_id
    msg.twist.linear.x, msg.twist.linear.y, msg.twist.angular.z = (float(v) for v in command)
    return msg
