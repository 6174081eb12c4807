"""Removes the shared-memory files Fast DDS leaves behind when a process is killed.

A participant that exits cleanly removes its segment; one killed by SIGKILL (a hung node the
runner kills, a fault-injection run, a killed test) leaves the segment and its lock file in
/dev/shm. Fast DDS does not reclaim them: they pile up (260 in a day of killed runs here), and a
later participant on the same port can read stale descriptors from them (that they broke a run is
not proven: docs/reliability.md). Fast DDS's own rule decides what is
dead (as its `fastdds shm clean` does): every live segment or port holds an flock on its
`<name>_el` (or `_sl`) file, so a lock file nobody holds belongs to a dead process. Files
younger than MIN_AGE_S are left alone (a participant being created has made its lock file but
not yet locked it), and so is anything this user may not open or remove.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from pathlib import Path

SHM_DIR = Path("/dev/shm")
MIN_AGE_S = 30.0
_LOCK_FILE = re.compile(r"^(fastdds_(?:[0-9a-f]{16}|port\d{1,5}))_(?:el|sl)$")


def _held(lock_path: Path) -> bool:
    """Whether a live process holds an flock on the file (True when it cannot be opened: leave it)."""
    try:
        fd = os.open(lock_path, os.O_RDONLY)
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)  # closing drops the test lock


def _remove(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except OSError:  # gone already, or another user's file in the sticky /dev/shm
        return False


def remove_dead_fastdds_files(shm_dir: Path = SHM_DIR, min_age_s: float = MIN_AGE_S) -> list[str]:
    """Remove the segments, ports and port mutexes of dead Fast DDS participants; return the names removed."""
    try:
        names = sorted(os.listdir(shm_dir))
    except OSError:
        return []
    now = time.time()
    removed = []
    for name in names:
        match = _LOCK_FILE.match(name)
        if match is None:
            continue
        lock_path = shm_dir / name
        try:
            if now - lock_path.stat().st_mtime < min_age_s:
                continue
        except OSError:
            continue
        if _held(lock_path):
            continue
        owner = match.group(1)
        for path in (shm_dir / owner, shm_dir / f"sem.{owner}_mutex", lock_path):
            if _remove(path):
                removed.append(path.name)
    return removed
