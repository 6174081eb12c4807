"""A node clock that went back (clock_back.py): any step back beyond stamps' round-off, never a clock standing still."""

from __future__ import annotations

from lecun_agent.nodes.clock_back import CLOCK_BACK_S, ClockBack


def test_a_step_back_is_told_once_with_the_time_it_left_and_a_standing_clock_never():
    clock = ClockBack()
    assert [clock.went_back(t) for t in (0.0, 5.0, 5.0, 5.0 - CLOCK_BACK_S / 2)] == [None] * 4
    assert clock.went_back(4.1) == 5.0  # 0.9 s back: a short looped bag
    assert clock.went_back(4.12) is None and clock.went_back(4.14) is None  # on from the new time
    assert clock.went_back(0.0) == 4.14
