"""The one place where the service's logging is configured.

Records of accepted deliveries go to the `project3_webhook.deliveries` logger, refusals to
`project3_webhook.rejections`. While the app runs, the parent `project3_webhook` logger has a
single handler, which renders each record (the console text and, for a delivery, its JSON line)
and puts a copy holding the text on a queue; a `QueueListener` thread takes the copies off and
writes them to the console and the file, so the event loop never waits on a disk or a terminal.

The records also propagate as usual, so pytest's `caplog` sees them. Under plain `uvicorn` nothing
else is listening (uvicorn configures only its own loggers), which is why the service must install
its own handler to be seen at all.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Iterator
from contextlib import contextmanager
from logging.handlers import QueueHandler

from project3_webhook.delivery import Delivery, iso_utc
from project3_webhook.log_handlers import (
    JSON_LINE,
    BufferedStreamHandler,
    CountingRotatingFileHandler,
    FlushWhenIdleListener,
    open_console,
)
from project3_webhook.settings import Settings

PROJECT_LOGGER = "project3_webhook"
DELIVERIES_LOGGER = f"{PROJECT_LOGGER}.deliveries"
REJECTIONS_LOGGER = f"{PROJECT_LOGGER}.rejections"
CONSOLE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

UNUSED_RECORD_FIELDS: dict[str, object] = {
    "_srcfile": None,  # the caller's file, line and function: a walk up the stack
    "logThreads": False,  # the thread's id and name
    "logProcesses": False,  # the process id: a system call per record
    "logMultiprocessing": False,  # the multiprocessing process name
    "logAsyncioTasks": False,  # the asyncio task's name (Python 3.12 and later)
}
"""What `logging` gathers for every record in the process and no handler here prints, and the
value that turns each off (the Logging HOWTO's "Optimization" section)."""


class ConsoleFormatter(logging.Formatter):
    """`<ISO 8601 UTC time> <level> <logger>: <message>`, cheaply.

    It runs once per record on the event loop, as the record is logged, so the common case skips
    `logging.Formatter`'s general machinery; records with exception or stack information get the
    standard treatment.
    """

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info or record.stack_info:
            return super().format(record)
        return f"{iso_utc(record.created)} {record.levelname} {record.name}: {record.getMessage()}"

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return iso_utc(record.created)


class RenderingQueueHandler(QueueHandler):
    """A `QueueHandler` that renders each record on the thread that logs it: the event loop.

    Why not leave the rendering to the listener thread, off the loop? Because the two share the
    GIL: work moved to the thread is not saved, only postponed, and it comes back in bursts. The
    listener wakes every `BATCH_INTERVAL`; when it rendered, it rendered the whole batch (300
    records under `wrk -t2 -c50`, 15 us each) in one go, holding the GIL for milliseconds while
    every request in flight waited: the service's p99 was 1.25-1.40x the bare endpoint's. Rendered
    here, the same work costs each request a few microseconds, evenly, and the thread is left
    with what a thread is good for: waiting on writes (see the README's figures).

    This is the stdlib's design too: `prepare()` formats the record with this handler's formatter
    (the console text) and queues a copy whose message is that text; here a delivery's JSON line
    is added when a file is written. The copy holds only text, so handlers further up (pytest's
    caplog) still see the record as it was logged, and the delivery and its parsed body are freed
    on the loop as soon as the request ends, rather than kept alive for a batch for the garbage
    collector to walk and then freed by the other thread.
    """

    def __init__(self, records: queue.SimpleQueue[logging.LogRecord], *, json_lines: bool) -> None:
        super().__init__(records)
        self.setFormatter(ConsoleFormatter(CONSOLE_FORMAT))
        self.json_lines = json_lines

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        # The copy the stock prepare() makes, without copy.copy(): its generic __reduce_ex__ path
        # costs 2 us a record, copying the attribute dict 0.45 us (0.9 us updating an empty one).
        queued: logging.LogRecord = object.__new__(type(record))
        queued.__dict__ = record.__dict__.copy()
        queued.msg, queued.args = self.format(record), None
        queued.exc_info = queued.exc_text = queued.stack_info = None
        if self.json_lines and isinstance(record.msg, Delivery):
            setattr(queued, JSON_LINE, record.msg.json_line())
        return queued


class DeliveriesOnly(logging.Filter):
    """Only deliveries go to the JSON-lines file: any other record has no line to write."""

    def filter(self, record: logging.LogRecord) -> bool:
        return hasattr(record, JSON_LINE)


def _handlers(settings: Settings) -> list[logging.Handler]:
    """The listener's handlers: they write what `RenderingQueueHandler` rendered."""
    console = BufferedStreamHandler(open_console())
    handlers: list[logging.Handler] = [console]
    if settings.log_file is not None:
        json_file = CountingRotatingFileHandler(
            settings.log_file, settings.log_file_max_bytes, settings.log_file_backups
        )
        json_file.addFilter(DeliveriesOnly())
        handlers.append(json_file)
    return handlers


@contextmanager
def unused_record_fields_skipped() -> Iterator[None]:
    """Stop `logging` gathering `UNUSED_RECORD_FIELDS` until the block ends.

    Each record is made on the event loop, and these fields are a third of what a `logger.info`
    call costs timed alone (5.7 against 3.9 us). The switches are process-wide, so uvicorn's
    access-log record for each request skips them too (its formats print none of them): under
    `wrk -t2 -c50` the loop's CPU time per request fell by 15-20 us and throughput rose by a
    tenth. A format of yours that prints `%(threadName)s` or `%(lineno)d` would show `None` or 0.
    They are put back when the block ends.
    """
    present = [name for name in UNUSED_RECORD_FIELDS if hasattr(logging, name)]
    saved = {name: getattr(logging, name) for name in present}
    for name in present:
        setattr(logging, name, UNUSED_RECORD_FIELDS[name])
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(logging, name, value)


@contextmanager
def delivery_logging(settings: Settings) -> Iterator[None]:
    """Route the project's records through a queue to a listener thread for as long as it runs.

    Leaving the block stops the listener, which first writes out every record still queued: each
    delivery acknowledged before shutdown is on disk afterwards.
    """
    logger = logging.getLogger(PROJECT_LOGGER)
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    queue_handler = RenderingQueueHandler(records, json_lines=settings.log_file is not None)
    handlers = _handlers(settings)
    listener = FlushWhenIdleListener(records, *handlers)
    previous_level = logger.level
    if previous_level == logging.NOTSET:
        # Otherwise the root logger's WARNING would hide every delivery record.
        logger.setLevel(logging.INFO)
    logger.addHandler(queue_handler)
    listener.start()
    try:
        with unused_record_fields_skipped():
            yield
    finally:
        logger.removeHandler(queue_handler)
        listener.stop()
        for handler in handlers:
            handler.close()
        logger.setLevel(previous_level)
