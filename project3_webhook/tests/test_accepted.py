"""Every JSON value is accepted, acknowledged, and logged with the fields the records promise."""

from __future__ import annotations

import re
import time

import httpx
import orjson
import pytest

from project3_webhook.delivery import iso_utc
from project3_webhook.main import REQUEST_ID_HEADER
from project3_webhook.tests.support import deliveries, post

JSON_VALUES = {
    "object": (b'{"action": "opened", "number": 7}', {"action": "opened", "number": 7}),
    "array": (b"[1, 2, 3]", [1, 2, 3]),
    "string": (b'"hello"', "hello"),
    "integer": (b"42", 42),
    "float": (b"-1.5e3", -1500.0),
    "true": (b"true", True),
    "false": (b"false", False),
    "null": (b"null", None),
    "unicode": ('{"name": "Zoë 🎉"}'.encode(), {"name": "Zoë 🎉"}),
    "surrounding whitespace": (b"\n  [ ]\n", []),
    "integer beyond 64 bits": (b"123456789012345678901234567890", 123456789012345678901234567890),
}


@pytest.mark.parametrize(("raw", "expected"), JSON_VALUES.values(), ids=JSON_VALUES.keys())
async def test_every_json_value_is_accepted_and_logged(client, caplog, raw, expected):
    response = await post(client, raw)
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "received"}
    logged = deliveries(caplog)
    assert len(logged) == 1, "each accepted delivery is logged exactly once"
    assert logged[0].body == expected


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
async def test_content_type_header_does_not_matter(client, caplog, content_type):
    headers = {} if content_type is None else {"content-type": content_type}
    response = await post(client, b'{"ok": true}', headers=headers)
    assert response.status_code == 200, "JSON is accepted whatever the Content-Type says"
    assert deliveries(caplog)[0].body == {"ok": True}


async def test_response_request_id_is_the_one_logged(client, caplog):
    response = await post(client, b"{}")
    request_id = response.headers.get(REQUEST_ID_HEADER)
    assert request_id, f"an accepted delivery's response carries {REQUEST_ID_HEADER}"
    assert deliveries(caplog)[0].request_id == request_id
    assert request_id in caplog.text, "the id appears in the written record"


async def test_each_delivery_gets_its_own_request_id(client):
    ids = {(await post(client, b"{}")).headers[REQUEST_ID_HEADER] for _ in range(5)}
    assert len(ids) == 5, "request ids must never repeat"


async def test_receive_time_is_iso_8601_utc_with_milliseconds(client, caplog):
    before = time.time()
    await post(client, b"{}")
    after = time.time()
    delivery = deliveries(caplog)[0]
    assert before <= delivery.received_at <= after
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", delivery.received_at_iso), (
        f"expected e.g. 2026-01-31T12:00:00.123Z, got {delivery.received_at_iso}"
    )


@pytest.mark.parametrize(
    ("timestamp", "iso"),
    [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (1_700_000_000.75, "2023-11-14T22:13:20.750Z"),
        (1_700_000_000.0005, "2023-11-14T22:13:20.000Z"),
        (1_700_000_000.9995, "2023-11-14T22:13:20.999Z"),
    ],
)
def test_timestamps_are_truncated_to_the_millisecond(timestamp, iso):
    assert iso_utc(timestamp) == iso


async def test_user_agent_and_content_type_are_logged(client, caplog):
    await post(
        client, b"{}", headers={"user-agent": "GitHub-Hookshot/abc", "content-type": "text/json"}
    )
    delivery = deliveries(caplog)[0]
    assert delivery.headers["user-agent"] == "GitHub-Hookshot/abc"
    assert delivery.headers["content-type"] == "text/json"
    assert 'user-agent="GitHub-Hookshot/abc"' in caplog.text


@pytest.mark.parametrize("header", ["X-GitHub-Delivery", "webhook-id"])
async def test_sender_delivery_id_is_logged(client, caplog, header):
    await post(client, b"{}", headers={header: "72d3162e-cc78-11e3-81ab-4c9367dc0958"})
    assert deliveries(caplog)[0].delivery_id == "72d3162e-cc78-11e3-81ab-4c9367dc0958"


async def test_missing_delivery_id_is_logged_as_none(client, caplog):
    await post(client, b"{}")
    assert deliveries(caplog)[0].delivery_id is None


async def test_record_shows_the_body_pretty_printed_with_indent_2(client, caplog):
    body = {"repository": {"name": "workbook", "topics": ["asyncio"]}}
    await post(client, orjson.dumps(body))
    expected = '{\n  "repository": {\n    "name": "workbook",\n    "topics": [\n      "asyncio"'
    assert expected in caplog.text, f"the body should be indented by 2 spaces:\n{caplog.text}"


async def test_integers_beyond_64_bits_are_logged_exactly(client, caplog):
    digits = "9" * 1000
    await post(client, f'{{"n": {digits}}}'.encode())
    assert f'"n": {digits}' in caplog.text, "big integers must not be rounded to floats"


async def test_the_acknowledgement_is_plain_json(client: httpx.AsyncClient):
    response = await post(client, b"{}")
    assert response.headers["content-type"] == "application/json"
    assert response.content == b'{"status":"received"}'
