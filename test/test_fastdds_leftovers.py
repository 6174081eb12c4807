"""A killed participant's shared-memory files are removed; a live one's, a young one's and foreign files stay."""

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from lecun_agent.stack.fastdds_leftovers import SHM_DIR, remove_dead_fastdds_files

SEGMENT = "fastdds_0123456789abcdef"


def _make(directory: Path, *names: str, age_s: float = 120.0) -> None:
    for name in names:
        path = directory / name
        path.write_bytes(b"")
        os.utime(path, (time.time() - age_s,) * 2)


def test_dead_segment_and_port_are_removed_with_their_mutex(tmp_path):
    _make(tmp_path, SEGMENT, f"{SEGMENT}_el", "fastdds_port7411", "fastdds_port7411_el",
          "sem.fastdds_port7411_mutex", "unrelated_file")
    removed = remove_dead_fastdds_files(tmp_path)
    assert sorted(removed) == sorted([SEGMENT, f"{SEGMENT}_el", "fastdds_port7411", "fastdds_port7411_el",
                                      "sem.fastdds_port7411_mutex"])
    assert sorted(os.listdir(tmp_path)) == ["unrelated_file"]


def test_a_held_lock_keeps_its_segment(tmp_path):
    _make(tmp_path, SEGMENT, f"{SEGMENT}_el")
    fd = os.open(tmp_path / f"{SEGMENT}_el", os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH)  # Fast DDS's live participant holds it
    try:
        assert remove_dead_fastdds_files(tmp_path) == []
    finally:
        os.close(fd)
    assert remove_dead_fastdds_files(tmp_path) == [SEGMENT, f"{SEGMENT}_el"]


def test_young_files_and_ports_left_by_clean_exits_stay(tmp_path):
    _make(tmp_path, SEGMENT, f"{SEGMENT}_el", age_s=1.0)  # a participant still starting
    _make(tmp_path, "fastdds_port7000", "sem.fastdds_port7000_mutex")  # no lock file: Fast DDS reuses it
    assert remove_dead_fastdds_files(tmp_path, min_age_s=30.0) == []
    assert len(os.listdir(tmp_path)) == 4


def _node_files(pid: int) -> set[str]:
    """The lock files a process holds open in /dev/shm."""
    names = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith(f"{SHM_DIR}/fastdds_") and target.endswith("_el"):
            names.add(Path(target).name)
    return names


def _start_node() -> subprocess.Popen:
    code = ("import rclpy, time\nfrom std_msgs.msg import String\nrclpy.init()\n"
            "node = rclpy.create_node('leftover_probe')\nnode.create_publisher(String, 'leftover', 10)\n"
            "print('up', flush=True)\ntime.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "up"
    return proc


def test_a_killed_nodes_segment_goes_and_a_live_nodes_stays():
    live, killed = _start_node(), _start_node()
    live_files: set[str] = set()
    try:
        deadline = time.monotonic() + 20
        while not (_node_files(live.pid) and _node_files(killed.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        live_files, killed_segments = _node_files(live.pid), {n for n in _node_files(killed.pid) if "port" not in n}
        assert live_files and killed_segments
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        time.sleep(2.5)  # older than min_age_s below; a participant another run is starting stays safe
        remove_dead_fastdds_files(min_age_s=2.0)
        present = set(os.listdir(SHM_DIR))
        assert live_files <= present, "a live participant's files were removed"
        assert not killed_segments & present, "the killed participant's segment is still there"
    finally:
        for proc in (live, killed):
            proc.kill()
            proc.wait()
        for lock in live_files:  # the probe leaves nothing behind
            for name in (lock, lock[:-3], f"sem.{lock[:-3]}_mutex"):
                (SHM_DIR / name).unlink(missing_ok=True)
