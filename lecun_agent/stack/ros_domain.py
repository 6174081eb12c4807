"""A ROS domain of our own, on localhost only, for the nodes a tool starts (children inherit it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

KEYS = ("ROS_DOMAIN_ID", "ROS_AUTOMATIC_DISCOVERY_RANGE")


@contextmanager
def private_domain(domain: int, keep_callers: bool = False) -> Iterator[int]:
    """Set ROS_DOMAIN_ID (unless keep_callers and the caller chose one) and localhost discovery; restore
    both afterwards. Yields the domain in use."""
    saved = {k: os.environ.get(k) for k in KEYS}
    if not (keep_callers and saved["ROS_DOMAIN_ID"] is not None):
        os.environ["ROS_DOMAIN_ID"] = str(domain)
    if not (keep_callers and saved["ROS_AUTOMATIC_DISCOVERY_RANGE"] is not None):
        os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
    try:
        yield int(os.environ["ROS_DOMAIN_ID"])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
