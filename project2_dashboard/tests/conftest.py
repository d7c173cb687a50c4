"""Helpers for the dashboard's tests: a fast app, stats polling, and a client that stalls."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WS_PATH = "/ws/cpu-updates"
FAST_INTERVAL = 0.01
"""Readings 100 times a second, so TestClient tests see many ticks quickly."""
STATS_TIMEOUT = 5.0
STATS_POLL = 0.01
STALL_QUERY = b"stall"
REFUSE_QUERY = b"refuse"
SERVER_CLOSED_ERROR = "Unexpected ASGI message 'websocket.send', after sending 'websocket.close'."
"""uvicorn's words when the app sends after uvicorn itself closed the connection."""

Stats = dict[str, Any]


def wait_for_stats(
    get_stats: Callable[[], Stats], check: Callable[[Stats], bool], what: str
) -> Stats:
    """Poll `/stats` until `check` holds: the server updates its count after the socket event."""
    deadline = time.monotonic() + STATS_TIMEOUT
    while True:
        stats = get_stats()
        if check(stats):
            return stats
        if time.monotonic() > deadline:
            pytest.fail(f"{what}; after {STATS_TIMEOUT} s the server still reports {stats}")
        time.sleep(STATS_POLL)


def wait_for_clients(get_stats: Callable[[], Stats], expected: int) -> Stats:
    return wait_for_stats(
        get_stats,
        lambda stats: stats["clients"] == expected,
        f"the server should count {expected} connected client(s)",
    )


class StallingApp:
    """Wraps an app so that WebSocket clients connecting with `?stall` never complete a send.

    That is what a client that stopped reading looks like to the server once its TCP window is
    full: every send waits forever. TestClient's own sends never block, so without this
    wrapper a TestClient test could not show that such a client does not delay the others.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and STALL_QUERY in scope["query_string"]:

            async def stalled_send(message: Message) -> None:
                if message["type"] == "websocket.send":
                    await asyncio.Event().wait()
                await send(message)

            await self.app(scope, receive, stalled_send)
        else:
            await self.app(scope, receive, send)


class RefusingApp:
    """Wraps an app so that WebSocket clients connecting with `?refuse` have every send refused.

    The refusal is `error_text` raised as a `RuntimeError`, the way uvicorn refuses a send once
    it has closed a connection itself (on a client's protocol error). TestClient never does.
    """

    def __init__(self, app: ASGIApp, error_text: str) -> None:
        self.app = app
        self.error_text = error_text

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and REFUSE_QUERY in scope["query_string"]:

            async def refusing_send(message: Message) -> None:
                if message["type"] == "websocket.send":
                    raise RuntimeError(self.error_text)
                await send(message)

            await self.app(scope, receive, refusing_send)
        else:
            await self.app(scope, receive, send)
