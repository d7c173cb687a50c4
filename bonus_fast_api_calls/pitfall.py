"""The pool pitfall: gathering more calls than the client's pool holds, against a slow endpoint.

An `httpx.AsyncClient` lends each request a connection from its pool; a request that finds none
free waits, and that wait is bounded by the *pool* timeout, which is part of httpx's default 5 s
timeout. httpcore restarts a waiting request's pool timer whenever any connection comes free, so
`PoolTimeout` means "no connection came free for 5 s": it strikes when the endpoint holds its
connections longer than that. By default the endpoint takes 6 s (the read timeout is raised so
it can answer) and the pool holds 150 of the 300 calls: the other 150 fail before they are ever
sent. A semaphore no larger than the pool keeps the queue in the program, where waiting costs
nothing and has no timeout, and every call succeeds, in two rounds.

The pool is as large as half the calls, not ten connections, only to keep the demonstration
short: with a semaphore, the calls take (calls / pool size) rounds of the endpoint's latency.
"""

from __future__ import annotations

import httpx

from bonus_fast_api_calls.calls import DEFAULT_TIMEOUT
from bonus_fast_api_calls.measure import Run, measure, time_async_calls
from bonus_fast_api_calls.mock_api import InFlight
from bonus_fast_api_calls.strategies import gather_all, gather_bounded

PITFALL_CALLS = 300
PITFALL_POOL_SIZE = 150
PITFALL_LATENCY = 6.0
HTTPX_DEFAULT_POOL_TIMEOUT = 5.0
# httpx's default; `httpx.Limits(max_connections=...)` alone would leave it unlimited, and then
# httpcore kept the second round's calls waiting ~5 s for idle connections to expire (measured).
HTTPX_DEFAULT_KEEPALIVE_CONNECTIONS = 20
# Long enough for the slow endpoint to answer; only the pool timeout is left at httpx's default.
PITFALL_TIMEOUT = httpx.Timeout(DEFAULT_TIMEOUT, pool=HTTPX_DEFAULT_POOL_TIMEOUT)


def slow_urls(base_url: str, calls: int, latency: float = PITFALL_LATENCY) -> list[str]:
    """Item URLs on the mock API that each take `latency` seconds to answer."""
    return [f"{base_url}/items/{n}?latency={latency}" for n in range(1, calls + 1)]


def run_pitfall(
    urls: list[str],
    in_flight: InFlight,
    pool_size: int = PITFALL_POOL_SIZE,
    timeout: httpx.Timeout = PITFALL_TIMEOUT,
) -> list[Run]:
    """The two pitfall rows: unbounded `gather` through a small pool, then bounded to the pool.

    Both use httpx's own pool (not the aiohttp transport): `PoolTimeout` is that pool's error.
    """

    def small_pool_client() -> httpx.AsyncClient:
        return httpx.AsyncClient(
            limits=httpx.Limits(
                max_connections=pool_size,
                max_keepalive_connections=HTTPX_DEFAULT_KEEPALIVE_CONNECTIONS,
            ),
            timeout=timeout,
        )

    return [
        measure(
            f"gather, pool of {pool_size}",
            lambda: time_async_calls(small_pool_client, lambda client: gather_all(client, urls)),
            in_flight,
        ),
        measure(
            f"gather + Semaphore({pool_size})",
            lambda: time_async_calls(
                small_pool_client, lambda client: gather_bounded(client, urls, pool_size)
            ),
            in_flight,
        ),
    ]
