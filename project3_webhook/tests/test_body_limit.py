"""The size cap: 413 for bodies over `max_body_bytes`, announced or not, without reading them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from project3_webhook.settings import Settings
from project3_webhook.tests.support import deliveries, post

LIMIT = 1000
CHUNK = 100


@pytest.fixture
def settings() -> Settings:
    return Settings(max_body_bytes=LIMIT)


def json_of_size(size: int) -> bytes:
    """A JSON string literal exactly `size` bytes long."""
    return b'"' + b"x" * (size - 2) + b'"'


class ChunkedBody:
    """A body sent in chunks without Content-Length, counting how many the server pulled."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        data = json_of_size(self.total)
        for start in range(0, len(data), CHUNK):
            self.sent += CHUNK
            yield data[start : start + CHUNK]


async def test_body_exactly_at_the_limit_is_accepted(client, caplog):
    response = await post(client, json_of_size(LIMIT))
    assert response.status_code == 200
    assert len(deliveries(caplog)) == 1


async def test_body_over_the_limit_with_content_length_gets_413(client, caplog):
    response = await post(client, json_of_size(LIMIT + 1))
    assert response.status_code == 413
    assert response.json() == {"detail": f"body is larger than the {LIMIT}-byte limit"}
    assert deliveries(caplog) == []


async def test_announced_oversize_body_is_refused_before_it_is_read(client):
    body = ChunkedBody(100 * LIMIT)
    response = await post(client, body, headers={"content-length": str(100 * LIMIT)})
    assert response.status_code == 413
    assert body.sent <= CHUNK, "a Content-Length over the cap must be refused before reading"


async def test_chunked_body_under_the_limit_is_accepted(client, caplog):
    response = await post(client, ChunkedBody(LIMIT))
    assert response.status_code == 200
    assert deliveries(caplog)[0].body == "x" * (LIMIT - 2)


async def test_chunked_body_over_the_limit_gets_413(client, caplog):
    response = await post(client, ChunkedBody(LIMIT + 1))
    assert response.status_code == 413
    assert deliveries(caplog) == []


async def test_chunked_oversize_body_is_not_read_to_the_end(client):
    body = ChunkedBody(100 * LIMIT)
    response = await post(client, body)
    assert response.status_code == 413
    assert body.sent <= LIMIT + CHUNK, (
        f"reading stops one chunk past the cap; {body.sent} of {body.total} bytes were pulled"
    )
