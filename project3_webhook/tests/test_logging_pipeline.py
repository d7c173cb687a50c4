"""How records travel: rendered where they are logged, written by the listener thread."""

from __future__ import annotations

import logging
import queue
import threading

from project3_webhook.delivery import Delivery
from project3_webhook.log_handlers import JSON_LINE
from project3_webhook.log_setup import (
    DELIVERIES_LOGGER,
    PROJECT_LOGGER,
    ConsoleFormatter,
    RenderingQueueHandler,
    delivery_logging,
)
from project3_webhook.settings import Settings


def make_record(delivery: object) -> logging.LogRecord:
    record = logging.LogRecord(DELIVERIES_LOGGER, logging.INFO, __file__, 1, delivery, (), None)
    record.created = 1_700_000_000.5
    return record


def test_records_are_rendered_on_the_thread_that_logs_them(tmp_path):
    rendered_on = []

    class ThreadSpy(Delivery):
        def __str__(self) -> str:
            rendered_on.append(threading.current_thread().name)
            return super().__str__()

        def json_line(self) -> bytes:
            rendered_on.append(threading.current_thread().name)
            return super().json_line()

    logger = logging.getLogger(DELIVERIES_LOGGER)
    with delivery_logging(Settings(log_file=tmp_path / "deliveries.jsonl")):
        logger.info(ThreadSpy("id", 0.0, {}, None, {"a": 1}))
    assert rendered_on, "the delivery is rendered"
    assert set(rendered_on) == {threading.current_thread().name}, (
        "the listener shares the GIL: rendering there comes back to the loop as bursts"
    )


def test_queued_copy_carries_the_console_text_and_the_json_line():
    delivery = Delivery("abc", 1_700_000_000.5, {}, None, {"a": 1})
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    RenderingQueueHandler(records, json_lines=True).handle(make_record(delivery))
    queued = records.get_nowait()
    assert queued.getMessage() == ConsoleFormatter().format(make_record(delivery))
    assert getattr(queued, JSON_LINE) == delivery.json_line()
    assert queued.msg is not delivery, "the queue holds text, not the delivery and its body"


def test_no_json_line_is_rendered_without_a_file():
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    RenderingQueueHandler(records, json_lines=False).handle(
        make_record(Delivery("abc", 0.0, {}, None, {}))
    )
    assert not hasattr(records.get_nowait(), JSON_LINE), "work nobody will write is not done"


def test_handlers_further_up_see_the_record_as_it_was_logged(caplog, tmp_path):
    delivery = Delivery("abc", 0.0, {}, None, {"a": 1})
    with delivery_logging(Settings(log_file=tmp_path / "deliveries.jsonl")):
        logging.getLogger(DELIVERIES_LOGGER).info(delivery)
    [record] = [r for r in caplog.records if r.name == DELIVERIES_LOGGER]
    assert record.msg is delivery, "the queue gets a rendered copy; the record itself is untouched"
    assert not hasattr(record, JSON_LINE)


def test_console_record_is_a_summary_line_then_the_indented_body():
    delivery = Delivery("abc", 1_700_000_000.5, {"user-agent": "ua"}, None, {"a": [1]})
    text = ConsoleFormatter().format(make_record(delivery))
    assert text.splitlines() == [
        "2023-11-14T22:13:20.500Z INFO project3_webhook.deliveries: webhook received id=abc "
        'received_at=2023-11-14T22:13:20.500Z user-agent="ua"',
        "{",
        '  "a": [',
        "    1",
        "  ]",
        "}",
    ]


def test_records_skip_the_caller_thread_and_process_only_while_the_service_logs(caplog):
    logger = logging.getLogger(f"{PROJECT_LOGGER}.fields-test")
    with delivery_logging(Settings()):
        logger.warning("while the service runs")
    logger.warning("afterwards")
    during, after = [r for r in caplog.records if r.name == logger.name]
    assert (during.lineno, during.threadName, during.process) == (0, None, None), (
        "no handler prints the caller, thread or process: gathering them costs the event loop"
    )
    assert after.lineno > 0, "the caller is found again once the service stops"
    assert after.threadName == threading.current_thread().name
    assert after.process is not None
