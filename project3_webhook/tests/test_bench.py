"""The benchmark's arithmetic: wrk's report read back, percentiles ranked as wrk ranks them, and
rounds pooled into one run per server."""

from __future__ import annotations

from collections import Counter

import pytest

from project3_webhook.bench import LoadResult, Measurement, parse_report


def load(requests: int, seconds: float, latency_us: dict[int, int]) -> LoadResult:
    return LoadResult(requests, seconds, non_2xx=0, socket_errors=0, latency_us=Counter(latency_us))


def test_wrk_report_line_is_read_with_its_latency_histogram():
    output = (
        "Running 5s test @ http://127.0.0.1:8000/webhook\n"
        "  2 threads and 50 connections\n"
        'BENCH {"requests": 3, "seconds": 5.0, "non_2xx": 1, "socket_errors": 2, '
        '"latency_us": [[900, 2], [1500, 1]]}\n'
    )
    assert parse_report(output) == LoadResult(
        requests=3, seconds=5.0, non_2xx=1, socket_errors=2, latency_us=Counter({900: 2, 1500: 1})
    )


@pytest.mark.parametrize(
    ("latency_us", "p99_ms"),
    [
        # 100 responses: wrk's rank for p99 is the 100th, the slowest.
        ({1000: 99, 2000: 1}, 2.0),
        # 200 responses: the 199th.
        ({1000: 199, 2000: 1}, 1.0),
        ({1000: 198, 2000: 2}, 2.0),
    ],
)
def test_percentile_takes_the_response_wrk_takes(latency_us, p99_ms):
    assert load(1, 1.0, latency_us).p99_ms == p99_ms


def test_median_is_the_middle_response():
    assert load(1, 1.0, {1000: 2, 3000: 1, 5000: 2}).p50_ms == 3.0


def test_pooled_rounds_are_one_run_of_all_their_requests():
    slow_round = load(1_000, 2.0, {40_000: 1_000})
    fast_round = load(3_000, 2.0, {10_000: 3_000})
    pooled = LoadResult.pooled([slow_round, fast_round])
    assert pooled.requests == 4_000
    assert pooled.per_second == 1_000
    # A quarter of the responses were slow: the pooled p50 is a fast one, the p99 a slow one.
    assert (pooled.p50_ms, pooled.p99_ms) == (10.0, 40.0)


def test_pooled_cpu_time_is_averaged_over_every_request():
    rounds = [
        Measurement(load(1_000, 1.0, {1: 1}), loop_cpu_us=100.0, thread_cpu_us=10.0),
        Measurement(load(3_000, 1.0, {1: 1}), loop_cpu_us=200.0, thread_cpu_us=None),
    ]
    pooled = Measurement.pooled(rounds)
    assert pooled.loop_cpu_us == 175.0
    assert pooled.thread_cpu_us is None, "unknown in one round is unknown for the whole run"
