"""Handlers and a listener that write records in batches, for the logging thread.

The standard handlers flush after every record, and `RotatingFileHandler` also checks the file on
disk (two `stat` calls and a seek) and formats each record twice to decide whether to rotate.
Every such system call hands the GIL back to the event loop and the logging thread must then wait
to get it again, so per-record I/O both slows the thread and interrupts the loop. Here records are
written into a buffer, which is flushed whenever the queue runs dry, and the file's size is counted
rather than asked for. After each flush the thread naps for `BATCH_INTERVAL`, so under load it
wakes a hundred times a second for a batch rather than once per record; a record reaches the
console or the file at most that much later.
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

STREAM_BUFFER_BYTES = 64 * 1024
# Seconds the listener waits after emptying the queue before it looks again.
BATCH_INTERVAL = 0.01


class BufferedStreamHandler(logging.StreamHandler[TextIO]):
    """A `StreamHandler` that leaves flushing to its listener."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(self.format(record) + self.terminator)
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
    """A `RotatingFileHandler` that rotates once the bytes it has written reach `maxBytes`.

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
            line = self.format(record) + self.terminator
            # As FileHandler.emit does: a record arriving after close() reopens the file.
            self.stream = self.stream or self._open()
            self.stream.write(line)
            self.bytes_written += len(line.encode())
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
