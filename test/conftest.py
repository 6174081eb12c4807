"""Test-wide isolation: every pytest process talks ROS only on its own localhost domain.

Parallel test runs (two developers, CI and a developer) must never see each other's
topics, so each claims a domain id of its own (stack/ros_domain.py), and discovery stays on localhost.
Subprocesses started by tests inherit both. Shared memory left by killed runs is removed first.
"""

import os

import pytest
import torch

from lecun_agent.stack.fastdds_leftovers import remove_dead_fastdds_files
from lecun_agent.stack.ros_domain import TEST_DOMAINS, DomainClaim

DOMAIN = DomainClaim(TEST_DOMAINS)  # held until the pytest process ends: no other test run takes it
os.environ["ROS_DOMAIN_ID"] = str(DOMAIN.domain)
os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
os.environ.setdefault("RMW_IMPLEMENTATION", "rmw_fastrtps_cpp")


def pytest_sessionstart():
    """Remove the Fast DDS shared memory of killed earlier runs, which piles up (fastdds_leftovers.py)."""
    remove_dead_fastdds_files()


@pytest.fixture
def one_torch_thread():
    """Tiny batches (planner tests): a second torch thread only spins while another process holds the core."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
