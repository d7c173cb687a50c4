"""Senders cannot write what they like into the logs, and secrets in headers are never logged."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from project3_webhook.delivery import MAX_LOGGED_HEADER_CHARS, escape
from project3_webhook.log_setup import PROJECT_LOGGER
from project3_webhook.settings import Settings
from project3_webhook.signature import SIGNATURE_HEADER, sign
from project3_webhook.tests.support import deliveries, post, rejections, running_app

FORGED = "curl/8\r\n2026-01-01T00:00:00.000Z INFO project3_webhook.deliveries: webhook received"


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("plain/1.0", "plain/1.0"),
        ("a\r\nb", "a\\x0d\\x0ab"),
        ("bell\x07 and escape\x1b[31m", "bell\\x07 and escape\\x1b[31m"),
        ("del\x7f and next-line\x85", "del\\x7f and next-line\\x85"),
        ("line\u2028separator", "line\\u2028separator"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_control_characters_are_escaped(value, escaped):
    assert escape(value) == escaped


def test_every_unsafe_character_and_no_other_is_escaped():
    unsafe = {*map(chr, range(0x20)), *map(chr, range(0x7F, 0xA0)), "\u2028", "\u2029", "\\"}
    wrongly_kept = [c for c in unsafe if escape(f"a{c}b") == f"a{c}b"]
    safe = (chr(code) for code in range(sys.maxunicode + 1))
    wrongly_changed = [c for c in safe if c not in unsafe and escape(f"a{c}b") != f"a{c}b"]
    assert wrongly_kept == [], "unsafe characters left as they were"
    assert wrongly_changed == [], "safe characters changed"


async def test_log_injection_in_user_agent_yields_one_escaped_record(client, caplog):
    await post(client, b"{}", headers={"user-agent": FORGED})
    [delivery] = deliveries(caplog)
    summary_line, *_ = str(delivery).splitlines()
    assert "curl/8\\x0d\\x0a2026" in summary_line, "the forged line must stay inside the first"
    assert "\r" not in str(delivery)
    starts_of_records = [line for line in caplog.text.splitlines() if line.startswith("INFO")]
    assert len(starts_of_records) == 1, f"no second, forged record may appear:\n{caplog.text}"


async def test_json_lines_file_holds_header_values_as_sent(tmp_path):
    path = tmp_path / "deliveries.jsonl"
    sent = "tab\there, back\\slash, caf\u00e9, next line\x85"
    async with running_app(Settings(log_file=path)) as client:
        await post(client, b"{}", headers={"user-agent": sent.encode("latin-1")})
    raw = path.read_bytes()
    assert json.loads(raw)["headers"]["user-agent"] == sent
    assert b"\t" not in raw, "JSON writes the tab as an escape"
    assert "\x85" not in raw.decode(), "and the C1 next-line as \\u0085: one line, no controls"


async def test_a_huge_header_is_logged_cut_to_the_limit(client, caplog):
    await post(client, b"{}", headers={"user-agent": "x" * 100_000})
    logged = deliveries(caplog)[0].headers["user-agent"]
    cut = 100_000 - MAX_LOGGED_HEADER_CHARS
    assert logged == "x" * MAX_LOGGED_HEADER_CHARS + f"... ({cut} more characters not logged)"


async def test_a_refusal_logs_a_huge_user_agent_cut_too(client, caplog):
    await post(client, b"", headers={"user-agent": "x" * 100_000})
    [refusal] = rejections(caplog)
    cut = 100_000 - MAX_LOGGED_HEADER_CHARS
    assert f'"{"x" * MAX_LOGGED_HEADER_CHARS}... ({cut} more characters not logged)"' in (
        refusal.getMessage()
    )


async def test_sender_delivery_id_is_escaped_on_the_console_too(client, caplog):
    await post(client, b"{}", headers={"x-github-delivery": "id\tforged"})
    summary_line, *_ = str(deliveries(caplog)[0]).splitlines()
    assert 'x-github-delivery="id\\x09forged"' in summary_line


async def test_secret_headers_are_never_logged(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger=PROJECT_LOGGER)
    path = tmp_path / "deliveries.jsonl"
    settings = Settings(secret=b"s3cret", log_file=path)
    secrets = {
        "authorization": "Bearer token-AUTH-123",
        "cookie": "session=COOKIE-456",
        "x-hub-signature": "sha1=SIG1-789",
        "x-gitlab-token": "GITLAB-TOKEN-000",
    }
    signature = sign(b"s3cret", b"{}")
    async with running_app(settings) as client:
        response = await post(client, b"{}", headers={**secrets, SIGNATURE_HEADER: signature})
    assert response.status_code == 200
    logged = caplog.text + path.read_text()
    for name, value in [*secrets.items(), (SIGNATURE_HEADER, signature)]:
        assert value not in logged, f"the {name} header's value must never be logged"
    assert set(deliveries(caplog)[0].headers) <= {"user-agent", "content-type"}


RAW_IN_JSON_BUT_ACTED_ON = "\u009b\u0085\u2028\u2029\x7f"
"""CSI (C1), next line, line and paragraph separators, DEL."""
VIEWER_CONTROLS = "csi\u009b31m next-line\u0085 line\u2028 paragraph\u2029 del\x7f"


async def test_body_strings_cannot_send_controls_to_the_console(client, caplog):
    """JSON allows these raw inside strings; terminals and log viewers may act on them."""
    body = json.dumps({"s": VIEWER_CONTROLS}, ensure_ascii=False).encode()
    await post(client, body)
    [delivery] = deliveries(caplog)
    text = str(delivery)
    for char in RAW_IN_JSON_BUT_ACTED_ON:
        assert char not in text, f"{char!r} must be written as a \\u escape"
    assert json.loads(delivery.pretty_body()) == {"s": VIEWER_CONTROLS}, "the same JSON value"


async def test_body_strings_cannot_send_controls_to_the_json_lines_file(tmp_path):
    path = tmp_path / "deliveries.jsonl"
    async with running_app(Settings(log_file=path)) as client:
        await post(client, json.dumps({"s": VIEWER_CONTROLS}, ensure_ascii=False).encode())
    raw = path.read_text(encoding="utf-8")
    for char in RAW_IN_JSON_BUT_ACTED_ON:
        assert char not in raw, f"{char!r} must be written as a \\u escape"
    assert json.loads(raw)["body"] == {"s": VIEWER_CONTROLS}
