"""Helpers the test modules share: posting raw bodies, and reading back what was logged."""

from __future__ import annotations

import logging

import httpx
import pytest

from project3_webhook.delivery import Delivery
from project3_webhook.log_setup import DELIVERIES_LOGGER, REJECTIONS_LOGGER
from project3_webhook.main import WEBHOOK_PATH


async def post(client: httpx.AsyncClient, content: object, **kwargs: object) -> httpx.Response:
    """POST raw `content` (bytes, str or an async iterator of bytes) to the webhook."""
    return await client.post(WEBHOOK_PATH, content=content, **kwargs)  # type: ignore[arg-type]


def deliveries(caplog: pytest.LogCaptureFixture) -> list[Delivery]:
    """The deliveries logged as received, in order."""
    found = []
    for record in caplog.records:
        if record.name == DELIVERIES_LOGGER:
            delivery = record.delivery  # type: ignore[attr-defined]
            assert isinstance(delivery, Delivery), "a received record must carry its Delivery"
            found.append(delivery)
    return found


def rejections(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The records of refused deliveries."""
    return [record for record in caplog.records if record.name == REJECTIONS_LOGGER]
