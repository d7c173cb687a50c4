"""Handlers and a listener that write rendered records in batches, on the logging thread.

The standard handlers flush after every record, and `RotatingFileHandler` also checks the file on
disk (two `stat` calls and a seek) and formats each record twice to decide whether to rotate.
Every such system call hands the GIL back to the event loop and the logging thread must then wait
to get it again, so per-record I/O both slows the thread and interrupts the loop. Here records are
written into a buffer, which is flushed whenever the queue runs dry, and the file's size is counted
rather than asked for.

Getting the GIL back is the expensive part. While the event loop is busy, the thread waits up to
the interpreter's switch interval (5 ms) for it, and is woken, uselessly, every time the loop lets
go of the GIL in between (uvloop does so around each of its callbacks): each such wake-up is a
context switch on the other core. So the thread asks for the GIL as seldom as it can: it naps for
`BATCH_INTERVAL` after each flush, and the buffers hold a whole batch, so that a batch costs one
write per destination rather than one per 64 KiB. Measured under `wrk -t2 -c50`: 0.65 context
switches of the logging thread per request with 10 ms naps and 64 KiB buffers, 0.2 with these,
and its CPU time fell from 30 to 20 us per request (it still rendered the records then; writing
only, it now uses 6-7 us). A record reaches the console or the file at most `BATCH_INTERVAL`
after it was logged (plus the time to write its batch), and always before the listener stops.
"""

from __future__ import annotations

import io
import logging
import queue
import sys
import time
from logging.handlers import QueueListener, RotatingFileHandler
from pathlib import Path
from typing import TextIO

BATCH_INTERVAL = 0.05
"""Seconds the listener waits after emptying the queue before it looks again."""
STREAM_BUFFER_BYTES = 1024 * 1024
"""Room for one batch: 50 ms at the highest rate measured (6,000 deliveries/s) is 300 records,
about 0.5 MB on the console (a pretty-printed 1 KB body) and 0.3 MB in the JSON-lines file."""


JSON_LINE = "json_line"
"""The attribute of a queued delivery record that holds its line for the JSON-lines file: bytes,
ending in a newline. Records are rendered before they are queued
(`log_setup.RenderingQueueHandler`); the handlers here only write."""


class BufferedStreamHandler(logging.StreamHandler[TextIO]):
    """A `StreamHandler` for rendered records: it writes each one's message, the finished text,
    and leaves flushing to its listener."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(record.getMessage() + self.terminator)
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self.flush()
            if self.stream is not sys.stderr:
                self.stream.close()
        super().close()


def open_console() -> TextIO:
    """A buffered text stream on standard error's file descriptor (left open when closed).

    `sys.stderr` itself is line-buffered: one write per record. When it has no descriptor (a
    test capturing it in memory), records go to it as it is.
    """
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return sys.stderr
    return open(
        fd,
        "w",
        buffering=STREAM_BUFFER_BYTES,
        encoding="utf-8",
        errors="backslashreplace",
        closefd=False,
    )


class CountingRotatingFileHandler(RotatingFileHandler):
    """A `RotatingFileHandler` that writes each record's `JSON_LINE` and rotates once the bytes it
    has written reach `maxBytes`.

    A line is never split across files; a file may end a little past `maxBytes`.
    """

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        super().__init__(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
        self.bytes_written = path.stat().st_size

    def _open(self) -> io.TextIOWrapper:
        # The default 8 KiB buffer would mean a write (and a GIL hand-over) every few records.
        # Appending, as RotatingFileHandler always does when it rotates by size.
        return open(
            self.baseFilename,
            "a",
            buffering=STREAM_BUFFER_BYTES,
            encoding=self.encoding,
            errors=self.errors,
        )

    def shouldRollover(self, record: logging.LogRecord) -> bool:
        return self.maxBytes > 0 and self.bytes_written >= self.maxBytes

    def doRollover(self) -> None:
        super().doRollover()
        self.bytes_written = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.shouldRollover(record):
                self.doRollover()
            line: bytes = getattr(record, JSON_LINE)
            # As FileHandler.emit does: a record arriving after close() reopens the file.
            self.stream = self.stream or self._open()
            # The line is UTF-8 already: straight to the byte buffer under the text layer.
            self.stream.buffer.write(line)
            self.bytes_written += len(line)
        except Exception:
            self.handleError(record)


class FlushWhenIdleListener(QueueListener):
    """A `QueueListener` that flushes its handlers whenever the queue is empty."""

    def __init__(
        self, records: queue.SimpleQueue[logging.LogRecord], *handlers: logging.Handler
    ) -> None:
        super().__init__(records, *handlers, respect_handler_level=True)
        self.records = records

    def dequeue(self, block: bool) -> logging.LogRecord:
        try:
            return self.records.get_nowait()
        except queue.Empty:
            for handler in self.handlers:
                handler.flush()
            time.sleep(BATCH_INTERVAL)
            return self.records.get(block)
