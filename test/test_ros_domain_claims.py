"""ROS domain claims: two tools running at once on one machine never pick the same domain, and a claim ends
with the process that held it, however it ended (a pid-based pick collided: QA, 2026-12-07)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from lecun_agent.stack import ros_domain
from lecun_agent.stack.ros_domain import DomainClaim, private_domain


@pytest.fixture
def claims_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(ros_domain, "CLAIMS_DIR", tmp_path / "claims")
    return tmp_path / "claims"


def test_claims_in_one_range_differ_until_none_is_left_and_a_released_one_is_free_again(claims_dir):
    first, second = DomainClaim(range(150, 152)), DomainClaim(range(150, 152))
    assert {first.domain, second.domain} == {150, 151}
    with pytest.raises(RuntimeError, match="every ROS domain from 150 to 151 is claimed"):
        DomainClaim(range(150, 152))
    first.release()
    again = DomainClaim(range(150, 152))
    assert again.domain == first.domain
    again.release()
    second.release()


def test_a_claim_held_by_another_process_is_skipped_and_freed_when_that_process_is_killed(claims_dir):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom lecun_agent.stack import ros_domain\n"
         f"ros_domain.CLAIMS_DIR = ros_domain.Path({str(claims_dir)!r})\n"
         "claim = ros_domain.DomainClaim(range(160, 161))\nprint(claim.domain, flush=True)\ntime.sleep(600)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "160"
        with pytest.raises(RuntimeError, match="is claimed already"):
            DomainClaim(range(160, 161))
        holder.send_signal(signal.SIGKILL)  # no clean-up runs: the kernel drops the lock
        holder.wait(timeout=30)
        claim = DomainClaim(range(160, 161))
        assert claim.domain == 160
        claim.release()
    finally:
        holder.kill()
        holder.wait()


def test_private_domain_claims_sets_localhost_discovery_and_restores_the_callers_environment(claims_dir, monkeypatch):
    monkeypatch.setenv("ROS_DOMAIN_ID", "7")
    monkeypatch.delenv("ROS_AUTOMATIC_DISCOVERY_RANGE", raising=False)
    with private_domain(range(170, 171)) as domain:
        assert domain == 170 and os.environ["ROS_DOMAIN_ID"] == "170"
        assert os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] == "LOCALHOST"
        with pytest.raises(RuntimeError):
            DomainClaim(range(170, 171))  # held for the block
    assert os.environ["ROS_DOMAIN_ID"] == "7" and "ROS_AUTOMATIC_DISCOVERY_RANGE" not in os.environ
    DomainClaim(range(170, 171)).release()  # released with the block
    with private_domain(range(170, 171), keep_callers=True) as domain:
        assert domain == 7  # the caller chose one: theirs is kept, nothing claimed
        DomainClaim(range(170, 171)).release()


def test_a_child_given_the_claim_keeps_the_domain_after_its_parent_lets_go(claims_dir):
    """A killed eval's episodes run on: the domain stays theirs until they end, not free for the next tool."""
    claim = DomainClaim(range(180, 181))
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                             pass_fds=ros_domain.passed_on(180))
    try:
        claim.release()  # the parent gone
        assert ros_domain.passed_on(180) == ()
        with pytest.raises(RuntimeError):
            DomainClaim(range(180, 181))
        child.kill()
        child.wait(timeout=30)
        DomainClaim(range(180, 181)).release()
    finally:
        child.kill()
        child.wait()
