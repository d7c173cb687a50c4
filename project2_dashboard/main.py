"""The live CPU dashboard: `uvicorn project2_dashboard.main:app`.

`GET /` serves the page, `/ws/cpu-updates` streams one reading per interval to every client,
and `GET /stats` tells how many clients are connected (used by the tests and the load test).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, WebSocket
from fastapi.responses import FileResponse

from project2_dashboard.broadcast import Broadcaster
from project2_dashboard.connection import serve_client
from project2_dashboard.producer import CpuFeed
from project2_dashboard.settings import Settings

PAGE_PATH = Path(__file__).resolve().parent / "index.html"
WEBSOCKET_PATH = "/ws/cpu-updates"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; `settings` default to the `DASHBOARD_*` environment variables.

    The producer task is loop-bound, so it is created in lifespan startup, not here: importing
    this module creates no task and touches no event loop.
    """
    settings = settings or Settings.from_env()
    broadcaster = Broadcaster(settings.max_clients, settings.queue_size, settings.send_timeout)
    feed = CpuFeed(broadcaster, settings.interval)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        feed.start()
        try:
            yield
        finally:
            await feed.stop()

    app = FastAPI(title="Live CPU dashboard", lifespan=lifespan)
    app.state.feed = feed  # for introspection: tests check the producer is stopped

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(PAGE_PATH, media_type="text/html")

    @app.get("/stats")
    async def stats() -> dict[str, int]:
        return {
            "clients": broadcaster.client_count,
            "max_clients": broadcaster.max_clients,
            "published": broadcaster.published,
            "dropped": broadcaster.dropped,
        }

    @app.websocket(WEBSOCKET_PATH)
    async def cpu_updates(websocket: WebSocket) -> None:
        await serve_client(websocket, broadcaster)

    return app


app = create_app()
