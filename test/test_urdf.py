"""The robot description is complete and physically believable (parsed without pybullet)."""

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from lecun_agent.body.readings import FOOT_LINKS, JOINT_NAMES
from lecun_agent.body.robot_model import load_robot_model
from lecun_agent.paths import urdf_path


@pytest.fixture(scope="module")
def model():
    return load_robot_model()


def test_twelve_revolute_joints_with_limits(model):
    revolute = [j for j in model.joints.values() if j.type == "revolute"]
    assert sorted(j.name for j in revolute) == sorted(JOINT_NAMES)
    for j in revolute:
        assert j.lower < j.upper, j.name
        assert 20.0 <= j.effort <= 40.0, j.name
        assert 15.0 <= j.velocity <= 35.0, j.name
    axes = {n.split("_")[1]: tuple(model.joints[n].axis) for n in JOINT_NAMES}
    assert axes["hip"] == (1.0, 0.0, 0.0) and axes["thigh"] == (0.0, 1.0, 0.0)


def test_feet_camera_and_imu_links(model):
    for foot in FOOT_LINKS:
        assert foot in model.links and model.links[foot].has_collision
        root = ET.parse(urdf_path()).getroot()
        link = root.find(f"link[@name='{foot}']")
        assert link.find("collision/geometry/sphere") is not None
    assert "camera_link" in model.links and "camera_optical_frame" in model.links
    assert "imu_link" in model.links
    # Where each link's collision geometry sits in its frame (the contact memory places touches by it).
    assert model.links["FL_hip"].collision_xyz[1] > 0 > model.links["FL_calf"].collision_xyz[2]
    at = model.link_positions()  # zero joint angles, in the base frame
    assert model.root == "base" and not at["base"].any()
    assert at["FL_foot"][0] > 0 < at["FL_foot"][1] and at["RR_foot"][0] < 0 > at["RR_foot"][1] and at["FL_foot"][2] < 0
    cam = next(j for j in model.joints.values() if j.child == "camera_link")
    assert cam.parent == "base" and cam.origin_xyz[0] > 0.2  # at the front of the base


def test_masses_and_inertias(model):
    for link in model.links.values():
        assert link.mass > 0.0, link.name
        assert np.all(link.inertia_diag > 0.0), link.name
        a, b, c = link.inertia_diag
        assert a + b >= c and a + c >= b and b + c >= a, link.name  # triangle inequality
    assert 8.0 <= model.total_mass <= 15.0


def test_limit_arrays_in_joint_order(model):
    assert model.lower.shape == (12,) and model.effort_limits.shape == (12,)
    assert np.all(model.upper > model.lower)


def test_pybullet_loads_it():
    pybullet = pytest.importorskip("pybullet")
    client = pybullet.connect(pybullet.DIRECT)
    try:
        body = pybullet.loadURDF(str(urdf_path()), physicsClientId=client)
        names = [
            pybullet.getJointInfo(body, j, physicsClientId=client)[1].decode()
            for j in range(pybullet.getNumJoints(body, physicsClientId=client))
        ]
        assert set(JOINT_NAMES) <= set(names)
    finally:
        pybullet.disconnect(client)
