"""How records travel: formatted on the logging thread, never on the event loop."""

from __future__ import annotations

import logging
import queue
import threading

from project3_webhook.delivery import Delivery
from project3_webhook.log_setup import (
    PROJECT_LOGGER,
    ConsoleFormatter,
    InProcessQueueHandler,
    delivery_logging,
)
from project3_webhook.settings import Settings


def make_record(delivery: Delivery) -> logging.LogRecord:
    record = logging.LogRecord(
        "project3_webhook.deliveries", logging.INFO, __file__, 1, "%s", (delivery,), None
    )
    record.created = delivery.received_at
    return record


def test_queue_handler_does_not_format_on_the_calling_thread():
    class Spy(Delivery):
        rendered = 0

        def __str__(self) -> str:
            Spy.rendered += 1
            return super().__str__()

    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    InProcessQueueHandler(records).handle(make_record(Spy("id", 0.0, {}, None, {"a": 1})))
    assert Spy.rendered == 0, "pretty-printing must wait for the listener thread"
    assert records.get_nowait().args is not None, "the record is queued as it is"


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
