"""A local mock JSON API whose only cost is waiting: the ideal subject for measuring concurrency.

`GET /items/{n}` waits for the configured latency, then answers a small JSON document about item
n. Items 1 to `item_count` exist; any other n answers 404, as a real catalogue would. A
`?latency=SECONDS` query parameter overrides the wait for one request, which is how the pool
pitfall gets a slow endpoint and how the tests make late calls finish first.

The app counts the requests it is serving at the same moment. That count is the honest measure of
concurrency: it is what the server saw, not what the client meant to do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query

DEFAULT_LATENCY = 0.1
DEFAULT_ITEM_COUNT = 1_000_000
MAX_LATENCY = 60.0


class InFlight:
    """How many requests are being served now, and the most at once since the last reset.

    Only the server's event loop changes `current`; the benchmark resets and reads `peak` from
    its own thread between runs, when nothing is in flight, so plain integers are enough.
    """

    def __init__(self) -> None:
        self.current = 0
        self.peak = 0

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Count one request for the duration of the block."""
        self.current += 1
        self.peak = max(self.peak, self.current)
        try:
            yield
        finally:
            self.current -= 1

    def reset_peak(self) -> None:
        """Start a new measurement: the peak so far is whatever is in flight right now."""
        self.peak = self.current


def item_document(n: int) -> dict[str, object]:
    """The document the mock API answers for item n (what every strategy must return)."""
    return {"id": n, "name": f"item {n}", "price_cents": 100 + (n * 37) % 900}


def create_app(
    in_flight: InFlight,
    latency: float = DEFAULT_LATENCY,
    item_count: int = DEFAULT_ITEM_COUNT,
) -> FastAPI:
    """Build the mock API.

    Parameters:
        in_flight: the counter the app updates; the caller keeps it to read the peak.
        latency: seconds each request waits before answering, unless it asks otherwise.
        item_count: items 1 to `item_count` exist; others are 404.
    """
    app = FastAPI(title="Mock items API", docs_url=None, redoc_url=None, openapi_url=None)
    default_latency = latency

    @app.get("/items/{n}")
    async def read_item(
        n: int,
        latency: Annotated[float | None, Query(ge=0, le=MAX_LATENCY)] = None,
    ) -> dict[str, object]:
        # The counter covers only the wait: the count drops before the answer is sent, so by the
        # time a client holds its response the server no longer counts that request.
        with in_flight.serving():
            await asyncio.sleep(default_latency if latency is None else latency)
        if not 1 <= n <= item_count:
            raise HTTPException(404, f"no item {n}: items are numbered 1 to {item_count}")
        return item_document(n)

    return app
