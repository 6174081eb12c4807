"""Keep freed memory in the process: the ROS 2 real-time memory setting, for every node and command.

glibc serves each allocation above its mmap threshold (128 KiB to 32 MiB, adaptive) with a fresh
mmap and gives it back on free, and it trims the heap top back to the kernel. A planner
allocates the same multi-MiB tensors every tick (N * H rows of head activations), so each tick
page-faults its whole working set in again. With mmap off and trimming off (`mallopt(M_MMAP_MAX,
0)`, `mallopt(M_TRIM_THRESHOLD, -1)`, what the ROS 2 real-time guides set before a control loop
starts), freed blocks are reused and a steady tick faults no pages. benchmarks/bench_heap.py
measures it: on the shipped model a plan faulted about 4,900 pages in and took 1.4x as long, a
training step about 10,000 and 1.3x. spin_node (every node) and the `lecun-agent` CLI (every
command) set it at start. The cost: the resident set stays at its high-water mark.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

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
