"""Keep freed memory in the process, and keep start-up objects out of the garbage collector's scans:
the real-time memory settings, for every node (and, the first, for every command).

glibc serves each allocation above its mmap threshold (128 KiB to 32 MiB, adaptive) with a fresh
mmap and gives it back on free, and it trims the heap top back to the kernel. A planner
allocates the same multi-MiB tensors every tick (N * H rows of head activations), so each tick
page-faults its whole working set in again. With mmap off and trimming off (`mallopt(M_MMAP_MAX,
0)`, `mallopt(M_TRIM_THRESHOLD, -1)`, what the ROS 2 real-time guides set before a control loop
starts), freed blocks are reused and a steady tick faults no pages. benchmarks/bench_heap.py
measures it: on the shipped model a plan faulted about 4,900 pages in and took 1.4x as long, a
training step about 10,000 and 1.3x. spin_node (every node) and the `lecun-agent` CLI (every
command) set it at start. The cost: the resident set stays at its high-water mark.

Python's collector pauses the process for a full collection, which scans every tracked object:
in a process holding torch, rclpy and the planner (about 180,000 objects) one takes about 100 ms.
Nodes ran three to five of them in their first seconds (imports, the model) and may run more while
they work. `freeze_startup_objects` (spin_node, once the node is built) moves everything alive then
into the collector's permanent generation, which it never scans again, so a later full collection
walks only what the node made since: under 1 ms (benchmarks/bench_heap.py, `gc`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc

M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4  # glibc malloc.h


@functools.cache
def keep_freed_memory() -> bool:
    """Set glibc's malloc to keep and reuse freed memory, once per process. False where the C
    library has no mallopt (not glibc: macOS, musl), and nothing changes there."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_MAX, 0)) and bool(mallopt(M_TRIM_THRESHOLD, -1))


def freeze_startup_objects() -> int:
    """Collect the start-up garbage once, then exempt every object alive now from later collections
    (gc.freeze). Returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
