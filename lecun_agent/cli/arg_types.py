"""argparse types for counts and durations: a bad value is refused naming the flag, never a traceback later."""

from __future__ import annotations

import argparse
import math


def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def number_in(low: float, high: float, what: str, low_included: bool = False):
    """A type for a number (`what`: "seconds", "a share", ...) in (low, high], or [low, high] with `low_included`."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        above = value >= low if low_included else value > low
        if not (math.isfinite(value) and above and value <= high):
            bound = "[" if low_included else "("
            raise argparse.ArgumentTypeError(f"must be {what} in {bound}{low:g}, {high:g}], got {text}")
        return value

    return parse


def seconds(low: float, high: float, low_included: bool = False):
    return number_in(low, high, "seconds", low_included)
