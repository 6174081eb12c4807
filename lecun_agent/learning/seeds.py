"""Seed hygiene: a checkpoint records which episode seeds (and recordings) trained it; evaluation refuses them.

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


def check_heldout(seeds: Iterable[int], ranges: list[list[int]] | None, what: str = "evaluation",
                  dataset: bool = False) -> None:
    """Raise SeedOverlapError naming the clash if any seed is a training seed (`dataset`: the episodes were read
    from a dataset, so the advice is to collect one of other seeds, not a --seed-start it would not read)."""
    if not ranges:
        return
    clash = overlapping(seeds, ranges)
    if clash:
        shown = ", ".join(str(s) for s in clash[:5]) + (" ..." if len(clash) > 5 else "")
        trained = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges[:6])
        advice = (f"Evaluate on a dataset of seeds it never saw (`lecun-agent collect --seed-start {ranges[-1][1] + 1}`"
                  " or above), or without --data" if dataset else
                  f"Evaluate on seeds it never saw, e.g. --seed-start {ranges[-1][1] + 1} or above")
        raise SeedOverlapError(
            f"{len(clash)} {what} episode seed(s) were used to train this checkpoint ({shown}); "
            f"its training seeds are {trained}{' ...' if len(ranges) > 6 else ''}. {advice}."
        )


def check_heldout_recordings(recordings: Iterable[str], trained: list[str] | None) -> None:
    """Raise SeedOverlapError if an episode was converted from a recording that trained the checkpoint (recorded
    episodes have no seed: the recording's sha256 is what names them)."""
    clash = sorted({r for r in recordings if r} & set(trained or ()))
    if clash:
        shown = ", ".join(r[:12] for r in clash[:5]) + (" ..." if len(clash) > 5 else "")
        raise SeedOverlapError(
            f"episodes converted from {len(clash)} recording(s) this checkpoint was trained on (sha256 {shown}); "
            "evaluate on recordings it never saw")
