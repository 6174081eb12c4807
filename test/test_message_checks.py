"""What the shared input checks refuse (messages/conversions.py: message_problem, contacts_problem, joint_vectors).

Every node decides with these whether a message can be trusted; an untrusted one stops the robot with
`invalid:<topic>`. Each case here was a gap an input audit found: a message read as a trusted value it
is not. (Random messages: test_fuzz_messages.py; the stop through real rclpy: test_malformed_inputs.py.)
"""

from __future__ import annotations

import numpy as np
import pytest
from nav_msgs.msg import Odometry
from sensor_msgs.msg import Imu, JointState

from lecun_agent.body.readings import FOOT_LINKS, JOINT_NAMES, tilt_of
from lecun_agent.gait.trot import TrotGait
from lecun_agent.messages import conversions as conv
from lecun_agent.sim.config import SimConfig
from lecun_agent.sim.sim import QuadrupedSim

COVARIANCES = ("orientation_covariance", "angular_velocity_covariance", "linear_acceleration_covariance")


# ---- imu/data: covariances (REP 145) ------------------------------------------------------------------------

def test_an_imu_without_an_orientation_estimate_is_refused():
    msg = Imu()  # the default quaternion (0, 0, 0, 1): it reads as upright
    assert conv.message_problem(msg) is None
    msg.orientation_covariance[0] = -1.0  # REP 145: "no orientation estimate"
    problem = conv.message_problem(msg)
    assert problem is not None and "no orientation estimate" in problem
    assert conv.orientation_problem(msg) == problem  # what perception_node asks


@pytest.mark.parametrize("field", COVARIANCES[1:])
def test_an_imu_without_a_gyro_or_accelerometer_is_refused(field):
    # The encoder reads both (perception/proprio.py): zeros standing in for them are a state not there.
    msg = Imu()
    getattr(msg, field)[0] = -1.0
    problem = conv.message_problem(msg)
    assert problem is not None and field in problem


@pytest.mark.parametrize("value", [np.nan, np.inf])
@pytest.mark.parametrize("field", COVARIANCES)
def test_an_imu_with_a_non_finite_covariance_is_refused(field, value):
    msg = Imu()
    getattr(msg, field)[4] = value
    problem = conv.message_problem(msg)
    assert problem is not None and field in problem and "not finite" in problem


# ---- imu/data, odom: unit quaternions ----------------------------------------------------------------------

def rolled_imu(roll: float, scale: float = 1.0) -> Imu:
    """An IMU rolled by `roll` rad, its quaternion scaled by `scale` (1: a unit quaternion)."""
    msg = Imu()
    o = msg.orientation
    o.x, o.y, o.z, o.w = scale * np.sin(roll / 2), 0.0, 0.0, scale * np.cos(roll / 2)
    return msg


def test_a_quaternion_off_unit_by_more_than_1e_2_is_refused():
    # tilt_of does not normalise (unit quaternions must give the same numbers bit for bit): a norm of
    # 0.905 read a tilt of 0.85 rad as 0.765, under the 0.8 rad fall latch.
    short = rolled_imu(0.85, scale=0.905)
    o = short.orientation
    assert tilt_of(np.array([o.x, o.y, o.z, o.w])) == pytest.approx(0.765, abs=1e-3)
    assert "not a unit quaternion" in (conv.message_problem(short) or "")
    for scale in (1.0 - 0.011, 1.0 + 0.011):
        assert conv.message_problem(rolled_imu(0.85, scale)) is not None, scale
    for scale in (1.0, 1.0 - 0.009, 1.0 + 0.009):  # round-off, and a driver's float32 quaternion, pass
        assert conv.message_problem(rolled_imu(0.85, scale)) is None, scale


# ---- joint_states --------------------------------------------------------------------------------------------

def joint_state(position=None, velocity=None, effort=None, names=JOINT_NAMES) -> JointState:
    """A joint reading: zeros, or the values given (one per name)."""
    zeros = [0.0] * len(names)
    return JointState(name=list(names), position=position or zeros, velocity=velocity or zeros,
                      effort=effort or zeros)


@pytest.mark.parametrize("first", [np.nan, 0.5])  # a NaN never checked; a value in conflict with the other
def test_a_joint_named_twice_is_refused(first):
    names = ("FL_hip_joint", *JOINT_NAMES)
    msg = joint_state(position=[first] + [0.0] * len(JOINT_NAMES), names=names)
    problem = conv.message_problem(msg)
    assert problem is not None and "FL_hip_joint" in problem and "more than once" in problem
    with pytest.raises(conv.JointOrderError, match="more than once"):  # never one of the two, silently
        conv.joint_vectors(msg)


def test_joints_of_other_names_are_named_beside_the_ones_missing():
    """QA (2026-12-08): with a driver's own names (Unitree's `FL_hip`) the refusal listed only the 12 it lacked."""
    names = [n.removesuffix("_joint") for n in JOINT_NAMES]
    with pytest.raises(conv.JointOrderError, match=r"lacks joints \['FL_hip_joint'.* and names \['FL_hip', 'FL_thigh'"):
        conv.joint_vectors(joint_state(names=names))


# ---- plausibility: finite values no body or sensor reports --------------------------------------------------
# A finite 1e30 passes the NaN check but is Inf in the float32 cost features and poisons the filters.

@pytest.mark.parametrize("field", ["position", "velocity", "effort"])
def test_an_absurd_joint_value_is_refused(field):
    values = [0.0] * len(JOINT_NAMES)
    values[4] = -1e20  # effort 1e20 gave pain Inf, and the guardrail's pain filter with it
    problem = conv.message_problem(joint_state(**{field: values}))
    assert problem is not None and f"joint_states {field}" in problem and "plausible" in problem


def test_a_real_joint_reading_passes():
    limits = {"position": 2.7, "velocity": 25.0, "effort": 35.0}  # the URDF's largest, and well beyond
    for field, limit in limits.items():
        assert conv.message_problem(joint_state(**{field: [10 * limit] * len(JOINT_NAMES)})) is None, field


def imu(gyro=(0.0, 0.0, 0.0), accel=(0.0, 0.0, 9.81)) -> Imu:
    msg = Imu()
    msg.orientation.w = 1.0
    (msg.angular_velocity.x, msg.angular_velocity.y, msg.angular_velocity.z) = gyro
    (msg.linear_acceleration.x, msg.linear_acceleration.y, msg.linear_acceleration.z) = accel
    return msg


@pytest.mark.parametrize("over, field", [
    ({"gyro": (0.0, 1e30, 0.0)}, "angular velocity"),
    ({"accel": (-1e12, 0.0, 9.81)}, "linear acceleration"),
])
def test_an_absurd_imu_reading_is_refused(over, field):
    # The encoder reads both: a finite 1e30 is Inf in float32, and a finite 1e12 a latent of no state at all.
    problem = conv.message_problem(imu(**over))
    assert problem is not None and f"imu {field}" in problem and "plausible" in problem


def test_a_real_imu_reading_passes():
    # Ten times a 2000 deg/s gyro's and a 16 g accelerometer's range, and still passed.
    assert conv.message_problem(imu(gyro=(350.0, -350.0, 350.0), accel=(1570.0, -1570.0, 1570.0))) is None


def odometry(position=(0.0, 0.0, 0.3), linear=(0.0, 0.0, 0.0), angular=(0.0, 0.0, 0.0)) -> Odometry:
    return conv.odometry_msg(0.0, position, (0.0, 0.0, 0.0, 1.0), linear, angular)


@pytest.mark.parametrize("over, field", [
    ({"linear": (0.0, 1e30, 0.0)}, "linear velocity"),
    ({"angular": (0.0, 0.0, -1e30)}, "angular velocity"),
    ({"position": (1e30, 0.0, 0.3)}, "position"),
])
def test_an_absurd_odometry_is_refused(over, field):
    problem = conv.message_problem(odometry(**over))
    assert problem is not None and f"odom {field}" in problem and "plausible" in problem


def test_a_real_odometry_passes():
    assert conv.message_problem(odometry(position=(5000.0, -5000.0, 0.3), linear=(20.0, -20.0, 5.0),
                                         angular=(50.0, -50.0, 50.0))) is None


# ---- foot_contacts, body_contacts -----------------------------------------------------------------------------

@pytest.mark.parametrize("force", [-1.0, -1e39, np.nan, np.inf])
def test_a_negative_or_non_finite_contact_force_is_refused(force):
    # Summed, a negative force cancels a real contact: -1e39 on one link gave pain 0.
    for topic, names in (("foot_contacts", FOOT_LINKS), ("body_contacts", ("trunk", "FL_thigh"))):
        msg = conv.contacts_msg(0.0, names, [force] + [30.0] * (len(names) - 1))
        problem = conv.contacts_problem(msg, topic)
        assert problem is not None and problem.startswith(topic) and "force" in problem


def test_a_contact_link_named_twice_is_refused():
    msg = conv.contacts_msg(0.0, ("trunk", "FL_thigh", "trunk"), [np.nan, 5.0, 80.0])  # the NaN was read over
    problem = conv.contacts_problem(msg, "body_contacts")
    assert problem is not None and "trunk" in problem and "more than once" in problem


def test_real_contacts_pass():
    assert conv.contacts_problem(conv.contacts_msg(0.0, FOOT_LINKS, [0.0, 30.0, 1e3, 0.5]), "foot_contacts") is None
    assert conv.contacts_problem(conv.contacts_msg(0.0, (), ()), "body_contacts") is None
    assert conv.contacts_problem(None, "body_contacts") is None


# ---- the simulator's own messages pass ------------------------------------------------------------------------

def test_the_simulators_messages_pass_every_check():
    """The messages sim_node builds (nodes/sim_node.py, _publish_observation; the IMU's covariances left
    0, "unknown", never REP 145's -1) from a trot, legs set to roll the body over (a fall, body
    contacts), then folded under it: all trusted."""
    sim = QuadrupedSim(SimConfig(camera_enabled=False))
    r, gait = sim.reset(0), TrotGait()
    folded, sideways = np.array([0.0, 2.6, -2.7] * 4), np.array([0.8, -1.2, -0.6, -0.8, 2.6, -2.7] * 2)
    targets = [None] * 150 + [sideways] * 100 + [folded] * 50  # None: the gait's
    touched, most_tilted = False, 0.0
    try:
        for i, target in enumerate(targets):
            cmd = np.array([0.8, 0.3 * np.sin(i / 10), 0.5])
            sim.set_joint_targets(gait.step(cmd, r, sim.config.control_dt) if target is None else target)
            r, t = sim.step(), sim.time
            for msg in (conv.joint_state_msg(r), conv.imu_msg(r),
                        conv.odometry_msg(t, r.odom_pos, r.odom_quat, r.odom_lin_vel, r.odom_ang_vel)):
                assert conv.message_problem(msg) is None, (t, conv.message_problem(msg))
            for topic, msg in (("foot_contacts", conv.contacts_msg(t, FOOT_LINKS, r.foot_forces)),
                               ("body_contacts", conv.contacts_msg(t, r.body_contacts.keys(),
                                                                   r.body_contacts.values()))):
                assert conv.contacts_problem(msg, topic) is None, (t, conv.contacts_problem(msg, topic))
            touched |= bool(r.body_contacts)
            most_tilted = max(most_tilted, tilt_of(r.imu_quat))
    finally:
        sim.close()
    assert touched and most_tilted > 1.5  # fallen
