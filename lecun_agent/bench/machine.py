"""What the numbers were measured on: CPU model, cores, torch, date (printed beside every table)."""

from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path

import torch

from lecun_agent.actor.presets import bf16_matmuls


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo, else the platform's processor string) and, in
    brackets, the widest matmul instructions torch finds on it: two CPUs of one model name can
    differ there, and planning speed with them (docs/actor.md, "CPUs without native bf16")."""
    name = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    return f"{name} ({matmul_isa()})"


def matmul_isa() -> str:
    """AMX or AVX512-BF16 where the CPU does bf16 matmuls natively, else torch's CPU capability
    (AVX512, AVX2, DEFAULT)."""
    return bf16_matmuls() or torch.backends.cpu.get_cpu_capability()


def utc_now() -> str:
    """The date and minute in UTC, as every bench record writes it."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def run(quick: bool, out: Path) -> dict:
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "date": utc_now(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "quick": quick,
    }
