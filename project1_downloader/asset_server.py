"""A local asset server to download from: the tests' and the benchmark's counterpart.

It serves made-up files of any size without touching the disk, and misbehaves on request the way
real servers do (redirects, errors, flaky answers, bodies cut short), so the downloader can be
tried against all of it on 127.0.0.1. It also counts the requests it is serving at once, which is
how the tests prove that concurrency is bounded without timing anything.

    python -m project1_downloader.asset_server --port 8001 --latency 0.05

Routes:
    /bytes/{size}/{name}                  `size` bytes of a fixed pattern
    /redirect/{size}/{name}               302 to /bytes/{size}/{name}
    /status/{code}/{name}                 an error page with status `code`
    /flaky/{code}/{failures}/{name}       `code` for the first `failures` requests, then 1 KiB
                                          (429 and 503 carry `Retry-After: 1`)
    /truncated/{size}/{name}              promises `size` bytes and sends half
    /stall/{size}/{name}                  promises `size` bytes, sends half, then waits forever
    /stats                                {"requests": ..., "in_flight": ..., "peak_in_flight": ...}
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import (
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

DEFAULT_PORT = 8001

STREAM_CHUNK = 1024 * 1024
FLAKY_SUCCESS_SIZE = 1024
RETRY_AFTER_SECONDS = "1"
PATTERN = bytes(range(256))


def asset_bytes(size: int) -> bytes:
    """The exact content served for an asset of `size` bytes (tests compare against it)."""
    repeats, rest = divmod(size, len(PATTERN))
    return PATTERN * repeats + PATTERN[:rest]


async def _stream(size: int, then_stall: bool = False) -> AsyncIterator[bytes]:
    # Built once per response and sliced, so a 256 MiB asset costs 1 MiB of server memory.
    chunk = asset_bytes(STREAM_CHUNK)
    remaining = size
    while remaining > 0:
        n = min(remaining, STREAM_CHUNK)
        yield chunk[:n]
        remaining -= n
    if then_stall:
        await asyncio.Event().wait()  # until the client goes away and the response is cancelled


@dataclass(frozen=True)
class Hit:
    """One request as the server saw it."""

    arrived: float  # time.monotonic()
    headers: Headers
    raw_query: bytes


class AssetServer:
    """The asset server's state and its ASGI app.

    Parameters:
        latency: seconds every request waits before it is answered, like a distant server.
    """

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.requests = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self._hits: defaultdict[str, list[Hit]] = defaultdict(list)
        self._router = Starlette(
            routes=[
                Route("/bytes/{size:int}/{name}", self._bytes),
                Route("/redirect/{size:int}/{name}", self._redirect),
                Route("/status/{code:int}/{name}", self._status),
                Route("/flaky/{code:int}/{failures:int}/{name}", self._flaky),
                Route("/truncated/{size:int}/{name}", self._truncated),
                Route("/stall/{size:int}/{name}", self._stall),
                Route("/stats", self._stats),
            ]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/stats":
            await self._router(scope, receive, send)
            return
        self.requests += 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        finished = False

        async def send_counting_the_end(message: Message) -> None:
            # A request stops counting just *before* its last bytes go out: once the client has
            # them it may start its next request, which must not overlap this one in the count.
            nonlocal finished
            if message["type"] == "http.response.body" and not message.get("more_body"):
                finished = True
                self.in_flight -= 1
            await send(message)

        try:
            await asyncio.sleep(self.latency)
            await self._router(scope, receive, send_counting_the_end)
        finally:
            if not finished:
                self.in_flight -= 1

    @property
    def routes(self) -> list[Route]:
        return [route for route in self._router.routes if isinstance(route, Route)]

    def hits(self, path: str) -> list[Hit]:
        """The requests for `path` so far, in order of arrival."""
        return self._hits[path]

    def _record(self, request: Request) -> int:
        """Note a request's arrival; return how many `path` has had, this one included."""
        hits = self._hits[request.url.path]
        hits.append(Hit(time.monotonic(), request.headers, request.scope["query_string"]))
        return len(hits)

    async def _bytes(self, request: Request) -> Response:
        self._record(request)
        size = request.path_params["size"]
        return StreamingResponse(_stream(size), headers={"Content-Length": str(size)})

    async def _redirect(self, request: Request) -> Response:
        self._record(request)
        size, name = request.path_params["size"], request.path_params["name"]
        return RedirectResponse(f"/bytes/{size}/{name}", status_code=302)

    async def _status(self, request: Request) -> Response:
        self._record(request)
        code = request.path_params["code"]
        return PlainTextResponse(f"error page for status {code}", status_code=code)

    async def _flaky(self, request: Request) -> Response:
        hit = self._record(request)
        code, failures = request.path_params["code"], request.path_params["failures"]
        if hit > failures:
            return Response(asset_bytes(FLAKY_SUCCESS_SIZE))
        headers = {"Retry-After": RETRY_AFTER_SECONDS} if code in (429, 503) else {}
        return PlainTextResponse("try again later", status_code=code, headers=headers)

    async def _truncated(self, request: Request) -> Response:
        self._record(request)
        size = request.path_params["size"]
        return StreamingResponse(_stream(size // 2), headers={"Content-Length": str(size)})

    async def _stall(self, request: Request) -> Response:
        self._record(request)
        size = request.path_params["size"]
        stream = _stream(size // 2, then_stall=True)
        return StreamingResponse(stream, headers={"Content-Length": str(size)})

    async def _stats(self, request: Request) -> Response:
        return JSONResponse(
            {
                "requests": self.requests,
                "in_flight": self.in_flight,
                "peak_in_flight": self.peak_in_flight,
            }
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve made-up assets on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args()
    server = AssetServer(latency=args.latency)
    print(f"Serving made-up assets on http://127.0.0.1:{args.port}/ (Ctrl-C to stop)")
    print("Routes: " + ", ".join(route.path for route in server.routes))
    print("/truncated and /stall break their responses on purpose: uvicorn logs those as errors.")
    uvicorn.run(server, host="127.0.0.1", port=args.port, log_level="warning", lifespan="off")


if __name__ == "__main__":
    main()
