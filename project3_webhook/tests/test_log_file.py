"""`log_file`: one JSON object per line per delivery, complete once the app has shut down."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from project3_webhook.delivery import Delivery
from project3_webhook.log_handlers import CountingRotatingFileHandler
from project3_webhook.log_setup import DELIVERIES_LOGGER, delivery_logging
from project3_webhook.main import REQUEST_ID_HEADER
from project3_webhook.settings import Settings
from project3_webhook.tests.support import post, running_app


def read_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def log_deliveries(settings: Settings, bodies: list[object]) -> None:
    """Log one delivery per body through the real pipeline, then stop it."""
    logger = logging.getLogger(DELIVERIES_LOGGER)
    with delivery_logging(settings):
        for n, body in enumerate(bodies):
            logger.info(Delivery(f"id-{n}", 0.0, {}, None, body))


async def test_each_delivery_is_one_valid_json_line(tmp_path):
    path = tmp_path / "deliveries.jsonl"
    settings = Settings(log_file=path)
    bodies = [{"n": 1}, [1, "two", None], "three", 4.5, True, None]
    async with running_app(settings) as client:
        for body in bodies:
            await post(client, json.dumps(body, indent=4))
    lines = read_lines(path)
    assert [line["body"] for line in lines] == bodies, "one line per delivery, in order"


async def test_json_line_holds_id_time_headers_and_body(tmp_path):
    path = tmp_path / "deliveries.jsonl"
    settings = Settings(log_file=path)
    async with running_app(settings) as client:
        response = await post(
            client,
            b'{"zen": "Design for failure."}',
            headers={"user-agent": "GitHub-Hookshot/1", "x-github-delivery": "d-1"},
        )
    [line] = read_lines(path)
    assert line["id"] == response.headers[REQUEST_ID_HEADER]
    assert isinstance(line["received_at"], str)
    assert line["received_at"].endswith("Z")
    assert line["delivery_id"] == "d-1"
    assert line["headers"] == {"user-agent": "GitHub-Hookshot/1", "x-github-delivery": "d-1"}
    assert line["body"] == {"zen": "Design for failure."}


async def test_refused_deliveries_are_not_in_the_file(tmp_path):
    path = tmp_path / "deliveries.jsonl"
    settings = Settings(log_file=path)
    async with running_app(settings) as client:
        await post(client, b"NaN")
        await post(client, b"")
    assert read_lines(path) == []


async def test_big_integers_and_lone_surrogates_stay_valid_json(tmp_path):
    path = tmp_path / "deliveries.jsonl"
    settings = Settings(log_file=path)
    async with running_app(settings) as client:
        await post(client, b'{"big": 123456789012345678901234567890, "s": "\\udc00"}')
    [line] = read_lines(path)
    assert line["body"] == {"big": 123456789012345678901234567890, "s": "\udc00"}


def test_every_queued_record_is_written_when_logging_stops(tmp_path):
    path = tmp_path / "deliveries.jsonl"
    settings = Settings(log_file=path)
    log_deliveries(settings, list(range(2000)))
    assert [line["body"] for line in read_lines(path)] == list(range(2000)), (
        "stopping the listener must first write out every queued record"
    )


def test_file_rotates_at_max_bytes_without_splitting_lines(tmp_path):
    settings = Settings(
        log_file=tmp_path / "deliveries.jsonl", log_file_max_bytes=1000, log_file_backups=2
    )
    log_deliveries(settings, ["x" * 50] * 60)
    files = sorted(path.name for path in tmp_path.iterdir())
    assert files == ["deliveries.jsonl", "deliveries.jsonl.1", "deliveries.jsonl.2"], (
        "rotation keeps the configured number of backups"
    )
    for name in files:
        lines = read_lines(tmp_path / name)
        assert lines, f"{name} should hold whole lines"
        assert len((tmp_path / name).read_bytes()) < 1000 + 200, "a file ends near max_bytes"


def test_rotation_counts_bytes_not_characters(tmp_path):
    settings = Settings(
        log_file=tmp_path / "deliveries.jsonl", log_file_max_bytes=1000, log_file_backups=9
    )
    log_deliveries(settings, ["\u00e9" * 100] * 20)  # 100 characters, 200 bytes of UTF-8
    for path in tmp_path.iterdir():
        assert len(path.read_bytes()) < 1000 + 300, f"{path.name} grew past max_bytes"


def test_a_record_without_a_delivery_is_not_written_to_the_file(tmp_path):
    path = tmp_path / "deliveries.jsonl"
    with delivery_logging(Settings(log_file=path)):
        logging.getLogger(DELIVERIES_LOGGER).info("not a delivery")
    assert read_lines(path) == [], "the file holds deliveries only, each a JSON object"


def test_a_batch_of_records_reaches_the_file_in_one_write(tmp_path):
    """Each write hands the GIL to the event loop and costs the thread a wait to get it back."""
    path = tmp_path / "deliveries.jsonl"
    handler = CountingRotatingFileHandler(path, max_bytes=0, backups=0)
    body = {"padding": "x" * 1000}  # a typical small webhook
    try:
        for n in range(300):  # 50 ms of deliveries at 6,000 a second
            record = logging.LogRecord(DELIVERIES_LOGGER, logging.INFO, __file__, 1, "", (), None)
            record.json_line = Delivery(f"id-{n}", 0.0, {}, None, body).json_line()
            handler.handle(record)
        assert path.stat().st_size == 0, "a batch must wait in memory until the listener flushes"
        handler.flush()
        assert len(read_lines(path)) == 300
    finally:
        handler.close()
