"""Ticks sit on a fixed grid: no drift over an hour, and a late loop skips instead of bursting."""

from __future__ import annotations

import pytest

from project2_dashboard.producer import next_tick

HOUR = 3600


def simulate(seconds: float, interval: float, work: float, lateness: float) -> list[float]:
    """Run the producer's schedule on a fake clock; return the times readings were taken."""
    start = now = 1000.0
    tick = 0
    taken: list[float] = []
    while now < start + seconds:
        taken.append(now)
        now += work  # time spent making and publishing the reading
        tick = next_tick(tick, start, interval, now)
        now = start + tick * interval + lateness  # the loop wakes a little late
    return taken


def test_an_hour_at_one_hertz_is_3600_readings_despite_work_and_lateness():
    taken = simulate(HOUR, 1.0, work=0.004, lateness=0.002)
    assert len(taken) == HOUR, "sleeping a fixed interval after each reading would drift"
    assert taken[-1] == pytest.approx(1000.0 + (HOUR - 1) + 0.002), "still on the grid"


def test_sub_second_interval_does_not_drift_either():
    taken = simulate(60, 0.1, work=0.001, lateness=0.0005)
    assert len(taken) == 600


def test_a_blocked_loop_skips_missed_ticks_instead_of_bursting():
    # The reading for tick 3 finished at 5.5 s: ticks 4 and 5 (4.0 s, 5.0 s) are gone.
    assert next_tick(3, start=0.0, interval=1.0, now=5.5) == 6


def test_next_tick_is_always_after_the_current_one():
    # Even with a clock that reads slightly before the tick's own deadline.
    assert next_tick(7, start=0.0, interval=1.0, now=6.999) == 8
