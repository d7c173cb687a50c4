"""Time a strategy's calls and record what the server saw while they ran."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from bonus_fast_api_calls.calls import CallResult
from bonus_fast_api_calls.mock_api import InFlight

SyncCalls = Callable[[httpx.Client], list[CallResult]]
AsyncCalls = Callable[[httpx.AsyncClient], Awaitable[list[CallResult]]]


@dataclass(frozen=True)
class Timed:
    """A strategy's results in call order and the wall time its calls took."""

    results: list[CallResult]
    seconds: float


@dataclass(frozen=True)
class Run:
    """One row of the benchmark: a strategy, its results, its time and the server's peak.

    `peak_in_flight` is None when the server is not ours to watch (a real API via `--url`).
    """

    strategy: str
    results: list[CallResult]
    seconds: float
    peak_in_flight: int | None

    @property
    def calls(self) -> int:
        return len(self.results)

    @property
    def errors(self) -> list[str]:
        return [result.error for result in self.results if result.error is not None]

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.seconds


def time_sync_calls(make_client: Callable[[], httpx.Client], calls: SyncCalls) -> Timed:
    """Open a client, then time only the calls: a real program builds its client once."""
    with make_client() as client:
        started = time.perf_counter()
        results = calls(client)
        return Timed(results, time.perf_counter() - started)


def time_async_calls(make_client: Callable[[], httpx.AsyncClient], calls: AsyncCalls) -> Timed:
    """`time_sync_calls` for async strategies, each in a fresh event loop of its own.

    The client is created inside the loop that uses it: its connections belong to that loop.
    """

    async def timed() -> Timed:
        async with make_client() as client:
            started = time.perf_counter()
            results = await calls(client)
            return Timed(results, time.perf_counter() - started)

    return asyncio.run(timed())


def measure(strategy: str, run: Callable[[], Timed], in_flight: InFlight | None) -> Run:
    """Run one strategy and pair its timing with the server's peak concurrency during it."""
    if in_flight is not None:
        in_flight.reset_peak()
    timed = run()
    peak = in_flight.peak if in_flight is not None else None
    return Run(strategy, timed.results, timed.seconds, peak)
