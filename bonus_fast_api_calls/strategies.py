"""Six ways to make the same API calls; each returns the results in call order.

They differ only in how many calls are waiting on the network at the same moment. An API call is
latency-bound: the client spends almost all of it waiting, so the wins come from overlapping the
waits, not from doing anything faster.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import httpx

from bonus_fast_api_calls.calls import CallResult, fetch, fetch_sync


def sync_sequential(client: httpx.Client, urls: Sequence[str]) -> list[CallResult]:
    """One call after another: the total is the sum of all the latencies."""
    return [fetch_sync(client, url) for url in urls]


async def async_sequential(client: httpx.AsyncClient, urls: Sequence[str]) -> list[CallResult]:
    """The common mistake: `await` in a loop finishes each call before starting the next.

    The event loop is free while each call waits, but nothing else has been started to use that
    freedom, so this is exactly as slow as `sync_sequential`.
    """
    results = []
    for url in urls:
        results.append(await fetch(client, url))
    return results


async def gather_all(client: httpx.AsyncClient, urls: Sequence[str]) -> list[CallResult]:
    """Start every call at once; the waits overlap, so the total is about one latency.

    `gather` returns results in the order of its arguments, whichever call finished first.
    """
    return list(await asyncio.gather(*(fetch(client, url) for url in urls)))


async def gather_bounded(
    client: httpx.AsyncClient, urls: Sequence[str], limit: int
) -> list[CallResult]:
    """`gather`, with at most `limit` calls in flight: what a rate-limited API or a pool needs.

    The coroutines are all created at once, but each waits for the semaphore before it sends
    anything, so the server never sees more than `limit` of them.
    """
    semaphore = asyncio.Semaphore(limit)

    async def bounded(url: str) -> CallResult:
        async with semaphore:
            return await fetch(client, url)

    return list(await asyncio.gather(*(bounded(url) for url in urls)))


async def task_group(client: httpx.AsyncClient, urls: Sequence[str]) -> list[CallResult]:
    """Python 3.11's structured alternative to `gather`: no task outlives the `async with`.

    Had a call raised, the group would cancel the others and raise an ExceptionGroup; `fetch`
    turns failures into results, so here every call runs to its end, as with `gather`.
    """
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(fetch(client, url)) for url in urls]
    return [task.result() for task in tasks]


def thread_pool(client: httpx.Client, urls: Sequence[str], workers: int) -> list[CallResult]:
    """The classic alternative: sync calls in `workers` OS threads sharing one sync client.

    The pool size bounds concurrency as the semaphore does; `map` keeps the call order.
    """
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="api-call") as pool:
        return list(pool.map(partial(fetch_sync, client), urls))
