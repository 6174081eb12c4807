"""What the numbers were measured on: CPU model, cores, torch, date (printed beside every table)."""

from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path

import torch


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, or the platform's processor string elsewhere."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


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
