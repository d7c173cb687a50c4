"""Helpers the test modules share: posting raw bodies, and reading back what was logged."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from project3_webhook.delivery import Delivery
from project3_webhook.log_setup import DELIVERIES_LOGGER, REJECTIONS_LOGGER
from project3_webhook.main import WEBHOOK_PATH, create_app
from project3_webhook.settings import Settings

BASE_URL = "http://webhook.test"


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan running, and a client talking to it in-process.

    Leaving the block shuts the app down, which writes out every queued record.
    """
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http,
    ):
        yield http


async def post(client: httpx.AsyncClient, content: object, **kwargs: object) -> httpx.Response:
    """POST raw `content` (bytes, str or an async iterator of bytes) to the webhook."""
    return await client.post(WEBHOOK_PATH, content=content, **kwargs)  # type: ignore[arg-type]


def deliveries(caplog: pytest.LogCaptureFixture) -> list[Delivery]:
    """The deliveries logged as received, in order."""
    found = []
    for record in caplog.records:
        if record.name == DELIVERIES_LOGGER:
            delivery = record.msg
            assert isinstance(delivery, Delivery), "a received record's message is its Delivery"
            found.append(delivery)
    return found


def rejections(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The records of refused deliveries."""
    return [record for record in caplog.records if record.name == REJECTIONS_LOGGER]
