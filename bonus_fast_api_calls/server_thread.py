"""Serve an ASGI app from a real uvicorn server in a background thread.

The benchmark needs a real HTTP server (real sockets, real connection handling) without a second
process to start and clean up. uvicorn runs its own event loop in the thread, so the server's work
never shares a loop with the client strategies being measured.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

LOOPBACK = "127.0.0.1"
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
POLL_INTERVAL = 0.01


@contextmanager
def serve_in_thread(app: ASGIApp, host: str = LOOPBACK) -> Iterator[str]:
    """Serve `app` for the duration of the block; yield its base URL (`http://host:port`).

    Port 0 lets the kernel pick a free port, so there is no window in which another program
    could take it. The server is asked to exit and joined when the block ends, even on error.
    """
    config = uvicorn.Config(app, host=host, port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    try:
        _wait_until_started(server, thread)
        port: int = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT)


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the uvicorn server thread exited during start-up")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the uvicorn server did not start within {STARTUP_TIMEOUT} s")
        time.sleep(POLL_INTERVAL)
