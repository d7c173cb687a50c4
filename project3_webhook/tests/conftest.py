"""Fixtures for the webhook service's tests.

`client` talks to the app in-process (no sockets) with its lifespan running, so the logging
queue and listener are exactly as in production; `caplog` sees every record the app writes.
Override the `settings` fixture in a test module to run the app with other settings.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from project3_webhook.log_setup import PROJECT_LOGGER
from project3_webhook.main import create_app
from project3_webhook.settings import Settings

BASE_URL = "http://webhook.test"


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
async def client(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[httpx.AsyncClient]:
    caplog.set_level(logging.INFO, logger=PROJECT_LOGGER)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http,
    ):
        yield http
