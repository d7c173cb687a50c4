"""More calls than the pool holds, against an endpoint slower than the pool timeout."""

from __future__ import annotations

import httpx

from bonus_fast_api_calls.calls import CallResult
from bonus_fast_api_calls.mock_api import item_document
from bonus_fast_api_calls.pitfall import run_pitfall, slow_urls

CALLS = 6
POOL_SIZE = 2
# Scaled down from the benchmark's 5 s pool timeout and 6 s endpoint: same shape, a second long.
POOL_TIMEOUT = 0.2
SLOW_LATENCY = 0.5


def test_unbounded_gather_fails_the_calls_the_pool_cannot_hold_and_a_semaphore_fixes_it(
    mock_server,
):
    urls = slow_urls(mock_server.base_url, CALLS, latency=SLOW_LATENCY)
    timeout = httpx.Timeout(5.0, pool=POOL_TIMEOUT)

    unbounded, bounded = run_pitfall(urls, mock_server.in_flight, POOL_SIZE, timeout)

    expected = [CallResult(document=item_document(n)) for n in range(1, CALLS + 1)]
    assert unbounded.results[:POOL_SIZE] == expected[:POOL_SIZE], "the pool's calls succeed"
    assert unbounded.errors == ["PoolTimeout"] * (CALLS - POOL_SIZE), (
        "every call that waited for a connection longer than the pool timeout must be counted "
        "as a PoolTimeout"
    )
    assert unbounded.peak_in_flight == POOL_SIZE, "the pool, not gather, caps what is sent"
    assert bounded.results == expected, "with a semaphore no call waits in the pool: no errors"
    assert bounded.peak_in_flight == POOL_SIZE
