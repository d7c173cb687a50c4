"""Bad input gets a 4xx with a `detail` saying what is wrong, is never logged as received, and
never becomes a 500."""

from __future__ import annotations

import pytest

from project3_webhook.settings import DEFAULT_MAX_DEPTH
from project3_webhook.tests.support import deliveries, post, rejections

BAD_BODIES = {
    "empty": (b"", "empty body"),
    "only whitespace": (b" \r\n\t ", "empty body"),
    "malformed": (b'{"action": ', "malformed JSON"),
    "trailing comma": (b"[1, 2,]", "malformed JSON"),
    "single quotes": (b"{'a': 1}", "malformed JSON"),
    "two values": (b"{} {}", "malformed JSON"),
    "byte order mark": (b'\xef\xbb\xbf{"a": 1}', "malformed JSON"),
    "invalid UTF-8": (b'{"name": "\xff\xfe"}', "not valid UTF-8"),
    "UTF-16": ('{"a": 1}'.encode("utf-16"), "not valid UTF-8"),
    "NaN": (b"NaN", "NaN is not valid JSON"),
    "Infinity": (b'{"x": Infinity}', "Infinity is not valid JSON"),
    "-Infinity": (b"[-Infinity]", "-Infinity is not valid JSON"),
    "number too large for a float": (b"1e400", "too large"),
    "nested one level too deep": (
        b"[" * (DEFAULT_MAX_DEPTH + 1) + b"]" * (DEFAULT_MAX_DEPTH + 1),
        f"nested more than {DEFAULT_MAX_DEPTH} levels",
    ),
    "nested deep enough to exhaust recursion": (
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        f"nested more than {DEFAULT_MAX_DEPTH} levels",
    ),
    "integer over 4300 digits": (b"1" * 4301, "more than 4300 digits"),
}


@pytest.mark.parametrize(("raw", "detail"), BAD_BODIES.values(), ids=BAD_BODIES.keys())
async def test_bad_body_is_refused_with_400_and_a_reason(client, caplog, raw, detail):
    response = await post(client, raw)
    assert response.status_code == 400, f"expected 400, got {response.status_code}: {response.text}"
    assert detail in response.json()["detail"], f"the reason should mention {detail!r}"
    assert deliveries(caplog) == [], "a refused body must not be logged as received"


async def test_refusal_is_logged_as_a_warning_with_its_reason(client, caplog):
    await post(client, b"NaN")
    [record] = rejections(caplog)
    assert record.levelname == "WARNING"
    assert "400" in record.getMessage()
    assert "NaN is not valid JSON" in record.getMessage()


async def test_nesting_exactly_at_the_limit_is_accepted(client, caplog):
    raw = b"[" * DEFAULT_MAX_DEPTH + b"]" * DEFAULT_MAX_DEPTH
    response = await post(client, raw)
    assert response.status_code == 200, f"{DEFAULT_MAX_DEPTH} levels are within the limit"
    assert len(deliveries(caplog)) == 1


async def test_4300_digit_integer_is_accepted_exactly(client, caplog):
    digits = "7" * 4300
    response = await post(client, digits.encode())
    assert response.status_code == 200, "Python's limit is 4300 digits inclusive"
    assert deliveries(caplog)[0].body == int(digits)


async def test_lone_surrogate_escape_is_valid_json_and_logged(client, caplog):
    response = await post(client, b'"\\ud800"')
    assert response.status_code == 200, "RFC 8259's grammar allows any \\uXXXX escape"
    assert '"\\ud800"' in caplog.text, "the logged record must still be valid, escaped JSON"


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
async def test_other_methods_get_405_with_allow_post(client, caplog, method):
    response = await client.request(method, "/webhook")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST", "a 405 must say which method is allowed"
    assert "detail" in response.json()
    assert deliveries(caplog) == []


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
async def test_no_api_docs_are_served(client, path):
    response = await client.get(path)
    assert response.status_code == 404, "the webhook is the only thing the service serves"
