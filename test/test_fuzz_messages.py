"""Fuzzing the message -> core conversions (messages/conversions.py, latents.py, mode.py, plans.py) with hypothesis.

Every node callback that reads a message relies on one contract: a conversion returns data of
the documented shape and dtype, or raises ValueError with a reason (which the callback logs and
counts). Anything else (IndexError, OverflowError, a numpy error) would kill the node. The budget
is fixed and derandomized, so CI runs the same examples every time; a crash found here is kept as
an explicit @example.
"""

from __future__ import annotations

import sys

import numpy as np
from geometry_msgs.msg import PoseStamped, TwistStamped
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from nav_msgs.msg import Odometry, Path
from sensor_msgs.msg import Image, Imu, JointState

from lecun_agent.body.readings import FOOT_LINKS, JOINT_NAMES, Readings
from lecun_agent.messages import conversions as conv
from lecun_agent.messages.conversions import sec_to_stamp
from lecun_agent.messages.latents import float_image, rows_from_float_image
from lecun_agent.messages.mode import goal_of, mode_msg
from lecun_agent.messages.plans import path_msg, path_problem, plan_costs_from_msg, plan_costs_msg

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ROUND_TRIP = settings(FUZZ, max_examples=100)

anything = st.floats(allow_nan=True, allow_infinity=True)
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
uint32 = st.integers(0, 2**32 - 1)
small = st.integers(0, 9)
names = st.lists(st.sampled_from(JOINT_NAMES + FOOT_LINKS) | st.text(max_size=12), max_size=20)


def _stamp(msg, sec: int, nanosec: int) -> None:
    msg.header.stamp.sec, msg.header.stamp.nanosec = sec, nanosec


stamps = st.tuples(st.integers(-2**31, 2**31 - 1), st.integers(0, 2**32 - 1))


@st.composite
def images(draw, encodings=("rgb8", "bgr8", "32FC1", "mono8", "")) -> Image:
    """Mostly well-formed images of some encoding, plus ones whose fields disagree with their data."""
    encoding = draw(st.sampled_from(encodings) | st.text(max_size=8))
    if draw(st.booleans()):
        h, w = draw(small), draw(small)
        bpp = 4 if encoding == "32FC1" else 3
        step = w * bpp if draw(st.booleans()) else draw(uint32)
        data = draw(st.binary(min_size=h * step, max_size=h * step)) if h * step <= 4096 else b""
    else:
        h, w, step = draw(small | uint32), draw(small | uint32), draw(small | uint32)
        data = draw(st.binary(max_size=256))
    msg = Image(height=h, width=w, step=step, encoding=encoding, is_bigendian=draw(st.integers(0, 255)),
                data=data)
    _stamp(msg, *draw(stamps))
    return msg


@st.composite
def joint_states(draw, floats=anything) -> JointState:
    if draw(st.booleans()):
        joint_names = list(draw(st.permutations(JOINT_NAMES)))  # all joints, any order, maybe extras
        joint_names += draw(st.lists(st.text(max_size=8), max_size=3))
    else:
        joint_names = draw(names)

    def field() -> list[float]:
        n = len(joint_names) if draw(st.booleans()) else draw(small)
        return draw(st.lists(floats, min_size=n, max_size=n))

    msg = JointState(name=joint_names, position=field(), velocity=field(), effort=field())
    _stamp(msg, *draw(stamps))
    return msg


@st.composite
def imus(draw, floats=anything) -> Imu:
    msg = Imu()
    o, g, a = msg.orientation, msg.angular_velocity, msg.linear_acceleration
    o.x, o.y, o.z, o.w = (draw(floats) for _ in range(4))
    g.x, g.y, g.z = (draw(floats) for _ in range(3))
    a.x, a.y, a.z = (draw(floats) for _ in range(3))
    _stamp(msg, *draw(stamps))
    return msg


@st.composite
def odometries(draw, floats=anything) -> Odometry:
    msg = Odometry()
    p, q = msg.pose.pose.position, msg.pose.pose.orientation
    p.x, p.y, p.z = (draw(floats) for _ in range(3))
    q.x, q.y, q.z, q.w = (draw(floats) for _ in range(4))
    t = msg.twist.twist
    t.linear.x, t.linear.y, t.linear.z = (draw(floats) for _ in range(3))
    t.angular.x, t.angular.y, t.angular.z = (draw(floats) for _ in range(3))
    _stamp(msg, *draw(stamps))
    return msg


@st.composite
def contacts(draw, floats=anything) -> JointState:
    links = draw(st.lists(st.sampled_from(FOOT_LINKS) | st.text(max_size=8), max_size=8))
    n = len(links) if draw(st.booleans()) else draw(small)
    return JointState(name=links, effort=draw(st.lists(floats, min_size=n, max_size=n)))


# ---- message -> core: valid data or ValueError ------------------------------------------------------------

@FUZZ
@given(images())
def test_rgb_from_image(msg):
    try:
        rgb = conv.rgb_from_image(msg)
    except ValueError as err:
        assert str(err)
        return
    assert rgb.dtype == np.uint8 and rgb.shape == (msg.height, msg.width, 3)


@FUZZ
@given(images(encodings=("32FC1",)))
# Found by this test: a 0 x 0 latent came back as an empty array. As a 0 x 3 agent/plan_actions it
# passed world_model_node's shape check and made the predictor torch.stack an empty list: a crash.
@example(Image(height=0, width=0, step=0, encoding="32FC1", data=b""))
@example(Image(height=0, width=3, step=12, encoding="32FC1", data=b""))
def test_rows_from_float_image(msg):
    try:
        rows = rows_from_float_image(msg)
    except ValueError as err:
        assert str(err)
        return
    assert rows.dtype == np.float32 and rows.shape == (msg.height, msg.width) and rows.size > 0


@FUZZ
@given(joint_states())
def test_joint_vectors(msg):
    try:
        vectors = conv.joint_vectors(msg)
    except ValueError as err:
        assert str(err)  # which joints are missing (or, later, which field)
        return
    assert all(v.shape == (12,) and v.dtype == np.float64 for v in vectors)


@FUZZ
@given(st.none() | contacts())
def test_named_forces(msg):
    forces = conv.named_forces(msg)
    assert forces.shape == (len(FOOT_LINKS),) and forces.dtype == np.float64


@FUZZ
@given(joint_states(), imus(), st.none() | odometries(), st.none() | contacts(), st.none() | contacts())
def test_readings_from_msgs(joints, imu, odom, feet, body):
    try:
        r = conv.readings_from_msgs(joints, imu, odom, feet, body)
    except ValueError as err:
        assert str(err)
        return
    shapes = {"joint_pos": (12,), "joint_vel": (12,), "joint_effort": (12,), "imu_quat": (4,),
              "imu_gyro": (3,), "imu_accel": (3,), "foot_forces": (4,), "odom_pos": (3,), "odom_quat": (4,),
              "odom_lin_vel": (3,), "odom_ang_vel": (3,)}
    for name, shape in shapes.items():
        value = getattr(r, name)
        assert value.shape == shape and value.dtype == np.float64, name
    assert np.isfinite(r.stamp) and isinstance(r.body_contacts, dict)


@FUZZ
@given(joint_states(finite), imus(finite), odometries(finite), contacts(finite))
def test_finite_messages_give_finite_readings(joints, imu, odom, feet):
    try:
        r = conv.readings_from_msgs(joints, imu, odom, feet)
    except ValueError:
        return
    # A joint field the message leaves out (JointState allows it) reads NaN, so consumers refuse it
    # with a reason (Readings.untrusted); everything the message does carry stays finite.
    left_out = {"joint_pos": joints.position, "joint_vel": joints.velocity, "joint_effort": joints.effort}
    for name, value in vars(r).items():
        if not isinstance(value, np.ndarray):
            continue
        if name in left_out and len(left_out[name]) != len(joints.name):
            assert np.isnan(value).all() and "joint_states" in r.untrusted(), name
        else:
            assert np.isfinite(value).all(), name


@FUZZ
@given(odometries())
def test_planar_pose(msg):
    pose, p = conv.planar_pose(msg), msg.pose.pose.position
    assert pose.shape == (3,) and pose.dtype == np.float64
    assert np.array_equal(pose[:2], [p.x, p.y], equal_nan=True)
    assert np.isnan(pose[2]) or -np.pi <= pose[2] <= np.pi  # NaN: message_problem refuses it, the nodes idle


@FUZZ
@given(odometries(finite))
def test_finite_odometry_gives_a_finite_pose(msg):
    assert np.isfinite(conv.planar_pose(msg)).all()


@FUZZ
@given(st.lists(st.floats(-2.0, 2.0), min_size=4, max_size=4), st.booleans())
@example([0.0, 0.0, 0.0, 1.0], True)
@example([0.0, 0.0, 0.0, 0.0], True)
@example([0.0, 0.0, 0.0, 0.0], False)
@example([0.0, 0.0, 0.0, 3.0], False)
def test_an_orientation_is_trusted_only_as_a_unit_quaternion(quaternion, on_imu):
    msg = Imu() if on_imu else Odometry()
    o = msg.orientation if on_imu else msg.pose.pose.orientation
    o.x, o.y, o.z, o.w = quaternion
    norm = float(np.linalg.norm(quaternion))
    problem = conv.message_problem(msg)
    assert (problem is None) == (abs(norm - 1.0) <= conv.QUATERNION_NORM_TOLERANCE), (norm, problem)
    if problem is not None:  # the zeros of a driver without an attitude estimate would read as upright
        assert "not a unit quaternion" in problem


@FUZZ
@given(anything, anything, st.sampled_from(["odom", "", "map", "base"]) | st.text(max_size=8))
def test_goal_xy(x, y, frame):
    msg = PoseStamped()
    msg.header.frame_id = frame
    msg.pose.position.x, msg.pose.position.y = x, y
    goal, problem = conv.goal_xy(msg)
    # within the odometry's bound: 1e39 is finite as a double, infinite in the planner's float32 (QA, 2026-12-07)
    usable = frame in ("odom", "") and np.isfinite([x, y]).all() and max(abs(x), abs(y)) <= conv.MAX_ODOM_POSITION_M
    assert (goal is not None) == usable and (problem is None) == usable
    if usable:
        assert goal.shape == (2,) and np.array_equal(goal, [x, y])
    else:
        assert problem.startswith("goal_pose")


@FUZZ
@given(anything, anything, anything)
def test_twist_vector(vx, vy, wz):
    msg = TwistStamped()
    msg.twist.linear.x, msg.twist.linear.y, msg.twist.angular.z = vx, vy, wz
    v = conv.twist_vector(msg)
    assert v.shape == (3,) and np.array_equal(v, [vx, vy, wz], equal_nan=True)


# ---- core -> message -> core: exact round trips -----------------------------------------------------------

def _vec(n: int):
    return st.lists(finite, min_size=n, max_size=n).map(np.array)


@ROUND_TRIP
@given(st.integers(0, 10**6), _vec(12), _vec(12), _vec(12), _vec(4), _vec(3), _vec(3), _vec(4), _vec(3),
       _vec(4), _vec(3), _vec(3))
def test_readings_round_trip(ms, q, qd, tau, quat, gyro, accel, feet, pos, oquat, lin, ang):
    r = Readings(stamp=ms / 1000, joint_pos=q, joint_vel=qd, joint_effort=tau, imu_quat=quat, imu_gyro=gyro,
                 imu_accel=accel, foot_forces=feet, odom_pos=pos, odom_quat=oquat, odom_lin_vel=lin,
                 odom_ang_vel=ang)
    back = conv.readings_from_msgs(conv.joint_state_msg(r), conv.imu_msg(r),
                                   conv.odometry_msg(r.stamp, pos, oquat, lin, ang),
                                   conv.contacts_msg(r.stamp, FOOT_LINKS, feet))
    for name, value in vars(r).items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(getattr(back, name), value, err_msg=name)
    assert abs(back.stamp - r.stamp) < 1e-9


@ROUND_TRIP
@given(st.integers(1, 8), st.integers(1, 8), st.data())
def test_image_and_latent_round_trip(h, w, data):
    n = h * w * 3
    rgb = np.frombuffer(data.draw(st.binary(min_size=n, max_size=n)), np.uint8).reshape(h, w, 3)
    np.testing.assert_array_equal(conv.rgb_from_image(conv.image_msg(0.0, rgb)), rgb)
    rows = np.array(data.draw(st.lists(st.floats(width=32, allow_nan=False), min_size=h * w, max_size=h * w)),
                    np.float32).reshape(h, w)
    msg = float_image(sec_to_stamp(0.0), rows)
    assert msg.is_bigendian == (sys.byteorder == "big")
    np.testing.assert_array_equal(rows_from_float_image(msg), rows)


@FUZZ
@given(st.lists(st.text(max_size=8), max_size=3), st.lists(anything, max_size=7))
def test_goal_of_a_mode_carrier_is_the_goals_or_none(mode_names, values):
    """Any carrier gives (goal sent, goal to walk to, point to keep in view or None) of finite values, or None:
    never an error."""
    msg = JointState(name=mode_names, position=values)
    goals = goal_of(msg)
    assert goals is None or (goals.sent.shape == goals.target.shape == (2,) and np.all(np.isfinite(goals.sent))
                             and np.all(np.isfinite(goals.target))
                             and (goals.look_at is None or goals.look_at.shape == (2,)))


@ROUND_TRIP
@given(finite, finite, finite, finite, st.none() | st.tuples(finite, finite))
def test_mode_carrier_round_trip(sx, sy, tx, ty, look_at):
    goals = goal_of(mode_msg(sec_to_stamp(1.0), "reach", np.array([sx, sy]), np.array([tx, ty]), look_at))
    assert goals.sent.tolist() == [sx, sy] and goals.target.tolist() == [tx, ty]
    assert goals.look_at is None if look_at is None else goals.look_at.tolist() == list(look_at)
    assert goal_of(mode_msg(sec_to_stamp(1.0), "reach")) is None  # no goal held


@FUZZ
@given(st.lists(st.text(max_size=10), max_size=12), st.lists(anything, max_size=12))
def test_plan_costs_that_do_not_pair_up_are_a_problem_never_an_exception(plan_names, values):
    predicted, problem = plan_costs_from_msg(JointState(name=plan_names, position=values))
    if len(plan_names) == len(values):
        assert problem is None and sum(len(v) for v in predicted.values()) == len(values)
    else:
        assert predicted == {} and "names but" in problem


@ROUND_TRIP
@given(st.dictionaries(st.sampled_from(["tilt", "pain", "energy", "contact"]),
                       st.lists(anything, min_size=1, max_size=16), max_size=4))
def test_plan_costs_round_trip(predicted):
    back, problem = plan_costs_from_msg(plan_costs_msg(sec_to_stamp(1.0), predicted))
    assert problem is None and sorted(back) == sorted(predicted)
    for name, values in predicted.items():
        np.testing.assert_array_equal(back[name], np.asarray(values, dtype=float))


@FUZZ
@given(st.lists(st.tuples(anything, anything, anything), max_size=8))
def test_a_path_is_trusted_only_with_poses_all_finite_and_path_msg_never_raises(poses):
    problem = path_problem(path_msg(sec_to_stamp(1.0), np.asarray(poses, dtype=float).reshape(-1, 3)))
    finite = len(poses) > 0 and bool(np.all(np.isfinite(np.asarray(poses, dtype=float))))  # yaw too
    assert (problem is None) == finite
    assert path_problem(Path()) == "no poses"
