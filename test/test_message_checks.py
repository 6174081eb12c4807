"""What the shared input checks refuse (messages/conversions.py: message_problem, contacts_problem, joint_vectors).

Every node decides with these whether a message can be trusted; an untrusted one stops the robot with
`invalid:<topic>`. Each case here was a gap an input audit found: a message read as a trusted value it
is not. (Random messages: test_fuzz_messages.py; the stop through real rclpy: test_malformed_inputs.py.)
"""

from __future__ import annotations

import numpy as np
import pytest
from sensor_msgs.msg import Imu

from lecun_agent.messages import conversions as conv

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
