"""Seed hygiene: a checkpoint records which episode seeds trained it; evaluation refuses those seeds.

Every simulated episode is laid out and driven from its seed, so an evaluation episode whose seed
was in the training set is a training episode. Seeds are stored as inclusive [first, last] ranges
(a collection run is one range), and -1 (recorded on a real robot, no seed) is never a conflict.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


class SeedOverlapError(ValueError):
    """Evaluation episodes whose seeds the checkpoint was trained on."""


def seed_ranges(seeds: Iterable[int]) -> list[list[int]]:
    """Seeds -> sorted inclusive [first, last] ranges of consecutive seeds (-1 dropped)."""
    values = sorted({int(s) for s in seeds if int(s) >= 0})
    ranges: list[list[int]] = []
    for s in values:
        if ranges and s == ranges[-1][1] + 1:
            ranges[-1][1] = s
        else:
            ranges.append([s, s])
    return ranges


def overlapping(seeds: Iterable[int], ranges: list[list[int]]) -> list[int]:
    """The seeds (>= 0) that fall inside any of `ranges`, sorted."""
    values = np.array(sorted({int(s) for s in seeds if int(s) >= 0}), dtype=np.int64)
    hit = np.zeros(len(values), dtype=bool)
    for first, last in ranges:
        hit |= (values >= first) & (values <= last)
    return values[hit].tolist()


def check_heldout(seeds: Iterable[int], ranges: list[list[int]] | None, what: str = "evaluation") -> None:
    """Raise SeedOverlapError naming the clash if any seed is a training seed."""
    if not ranges:
        return
    clash = overlapping(seeds, ranges)
    if clash:
        shown = ", ".join(str(s) for s in clash[:5]) + (" ..." if len(clash) > 5 else "")
        trained = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges[:6])
        raise SeedOverlapError(
            f"{len(clash)} {what} episode seed(s) were used to train this checkpoint ({shown}); "
            f"its training seeds are {trained}{' ...' if len(ranges) > 6 else ''}. "
            f"Evaluate on seeds it never saw, e.g. --seed-start {ranges[-1][1] + 1} or above."
        )
