"""A ROS domain of our own, on localhost only, for the nodes a tool starts (children inherit it).

Tools that start stacks of their own (the tests, `eval`, `faults`, the docs generator, the benchmarks)
pick their ROS_DOMAIN_ID from a range, and two of them running at once on one machine must never pick
the same one: two stacks on one domain read each other's topics, and each then runs wrong without a
word. A pid-based pick collided (QA, 2026-12-07: a `sim` on the domain a test run had picked stalled
both). So a domain is claimed: an exclusive flock on a file per domain id in a folder every user
shares (in /tmp, whatever TMPDIR says). The kernel drops a lock when the last process holding it
exits, however it exits, so no claim outlives its holders; a tool passes its claim on to the
processes it starts for that domain (`passed_on`), so that a killed tool's episodes keep the domain theirs
until they end. A domain chosen by hand (ROS_DOMAIN_ID in the shell) is not claimed; the runner's
own check (stack/bringup.py) still keeps a second stack off it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

KEYS = ("ROS_DOMAIN_ID", "ROS_AUTOMATIC_DISCOVERY_RANGE")
TEST_DOMAINS = range(1, 101)  # pytest processes (test/conftest.py)
DOCS_DOMAINS = range(101, 201)  # `lecun-agent docs` (tools/param_docs.py)
EPISODE_DOMAINS = range(201, 233)  # eval workers, the fault harness, the benchmarks' stacks (232: Fast DDS's last)
CLAIMS_DIR = Path("/tmp") / "lecun_agent_ros_domains"
_HELD: dict[int, int] = {}  # domain -> the file descriptor of a claim this process holds on it


def passed_on(domain: int | None = None) -> tuple[int, ...]:
    """`pass_fds` for a child process that will run on `domain` (default: this process's ROS_DOMAIN_ID): the
    claim this process holds on it, which the child then holds as long as it lives (a killed tool's
    episodes keep their domain); () when this process holds none."""
    domain = int(os.environ.get("ROS_DOMAIN_ID", "0")) if domain is None else domain
    return (_HELD[domain],) if domain in _HELD else ()


class DomainClaim:
    """A ROS domain id from `ids` that no other process on this machine has claimed, held until `release()`
    (or the process ends). The search starts at a pid-based place, so claims spread over the range."""

    def __init__(self, ids: range) -> None:
        try:
            CLAIMS_DIR.mkdir()
            CLAIMS_DIR.chmod(0o1777)  # every user's tools claim here, as in /tmp
        except FileExistsError:
            pass
        start = os.getpid() % len(ids)
        for domain in (ids[(start + k) % len(ids)] for k in range(len(ids))):
            lock = CLAIMS_DIR / f"{domain}.lock"
            try:
                fd = os.open(lock, os.O_RDONLY | os.O_CREAT, 0o644)  # flock needs no write access
            except PermissionError:  # not readable: another user's, made private
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.domain, self._fd = domain, fd
            _HELD[domain] = fd
            return
        raise RuntimeError(f"every ROS domain from {ids.start} to {ids.stop - 1} is claimed already, by this process "
                           f"or others on this machine (claims in {CLAIMS_DIR}); wait for one of them to end")

    def __enter__(self) -> DomainClaim:
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def release(self) -> None:
        if self._fd is not None:
            _HELD.pop(self.domain, None)
            os.close(self._fd)  # the lock is dropped once no child given it holds it either
            self._fd = None


@contextmanager
def private_domain(ids: range, keep_callers: bool = False) -> Iterator[int]:
    """Set ROS_DOMAIN_ID to a domain claimed from `ids` (unless keep_callers and the caller chose one) and
    localhost discovery; restore both and release the claim afterwards. Yields the domain in use."""
    saved = {k: os.environ.get(k) for k in KEYS}
    claim = None if keep_callers and saved["ROS_DOMAIN_ID"] is not None else DomainClaim(ids)
    if claim is not None:
        os.environ["ROS_DOMAIN_ID"] = str(claim.domain)
    if not (keep_callers and saved["ROS_AUTOMATIC_DISCOVERY_RANGE"] is not None):
        os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
    try:
        yield int(os.environ["ROS_DOMAIN_ID"])
    finally:
        if claim is not None:
            claim.release()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
