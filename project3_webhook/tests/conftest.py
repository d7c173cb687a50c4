"""Fixtures for the webhook service's tests.

`client` talks to the app in-process (no sockets) with its lifespan running, so the logging
queue and listener are exactly as in production; `caplog` sees every record the app writes.
Override the `settings` fixture in a test module or class to run the app with other settings.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from project3_webhook.log_setup import PROJECT_LOGGER
from project3_webhook.settings import Settings
from project3_webhook.tests.support import running_app


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
async def client(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[httpx.AsyncClient]:
    caplog.set_level(logging.INFO, logger=PROJECT_LOGGER)
    async with running_app(settings) as http:
        yield http
