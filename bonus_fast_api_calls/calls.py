"""One API call, sync or async, and the shared clients every call goes through.

A call's failure is a value (`CallResult.error`), not an exception: every strategy then counts
failures the same way, and one failed call never hides the results of the others. The error is
never dropped; the benchmark counts it and prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import httpx
from httpx_aiohttp import AiohttpTransport

DEFAULT_TIMEOUT = 30.0


class Transport(StrEnum):
    """What carries an `httpx.AsyncClient`'s requests.

    `httpcore` is httpx's own pool; `aiohttp` keeps the httpx API and hands the connections to
    aiohttp's pool, which costs less CPU per request when many are in flight.
    """

    HTTPCORE = "httpcore"
    AIOHTTP = "aiohttp"


@dataclass(frozen=True)
class CallResult:
    """What one call produced: the decoded JSON document, or why there is none."""

    document: object = None
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


def make_async_client(
    transport: Transport = Transport.AIOHTTP, timeout: float = DEFAULT_TIMEOUT
) -> httpx.AsyncClient:
    """The one client a strategy shares between all its calls, so connections are reused."""
    if transport is Transport.AIOHTTP:
        return httpx.AsyncClient(timeout=timeout, transport=AiohttpTransport())
    return httpx.AsyncClient(timeout=timeout)


def make_sync_client(timeout: float = DEFAULT_TIMEOUT) -> httpx.Client:
    """The sync counterpart; httpx's `Client` is safe to share between threads."""
    return httpx.Client(timeout=timeout)


async def fetch(client: httpx.AsyncClient, url: str) -> CallResult:
    """GET `url` and decode its JSON; any HTTP, network or decoding failure becomes the error."""
    try:
        return _decode(await client.get(url))
    except (httpx.HTTPError, ValueError) as error:
        return _failure(error)


def fetch_sync(client: httpx.Client, url: str) -> CallResult:
    """`fetch` for a sync client."""
    try:
        return _decode(client.get(url))
    except (httpx.HTTPError, ValueError) as error:
        return _failure(error)


def _decode(response: httpx.Response) -> CallResult:
    response.raise_for_status()
    return CallResult(document=response.json())


def _failure(error: Exception) -> CallResult:
    # Some exceptions (httpx.PoolTimeout among them) carry no message: the type must then speak.
    message = str(error)
    return CallResult(
        error=f"{type(error).__name__}: {message}" if message else type(error).__name__
    )
