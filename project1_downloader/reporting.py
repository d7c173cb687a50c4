"""What the downloader tells its user: plain lines, plus live progress bars on a terminal.

The lines are the same either way, so scripts and tests can rely on them; the progress bars are
drawn only when stdout is a terminal, because in a pipe or a log file they are noise.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from dataclasses import dataclass
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from project1_downloader.url_list import InvalidLine


@dataclass
class Summary:
    downloaded: int = 0
    skipped: int = 0
    failed: int = 0
    invalid_lines: int = 0

    @property
    def all_succeeded(self) -> bool:
        return self.failed == 0 and self.invalid_lines == 0


def printable(text: str) -> str:
    """`text` with control characters shown as escapes (`\\x1b`): a URL file or a server's
    error message must not be able to drive the terminal or forge extra lines."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class Reporter:
    """Prints the downloader's lines to stdout and stderr; subclasses may draw progress too.

    Parameters:
        out: where progress lines go (sys.stdout, looked up when printing, by default).
        err: where problems go (sys.stderr, likewise).
    """

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self._out = out
        self._err = err
        self._unwritable: set[int] = set()

    def __enter__(self) -> Reporter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    def print(self, text: str) -> None:
        self._write(text, self._out or sys.stdout)

    def print_error(self, text: str) -> None:
        self._write(text, self._err or sys.stderr)

    def _write(self, text: str, stream: TextIO) -> None:
        if id(stream) in self._unwritable:
            return
        try:
            print(text, file=stream, flush=True)
        except OSError:
            # `| head` closed the pipe, or the disk under a log is full: losing the messages
            # must not lose the downloads. Stop writing there, and point the stream at
            # /dev/null so that Python's last flush at exit has nowhere to fail either.
            self._unwritable.add(id(stream))
            with contextlib.suppress(OSError, ValueError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, stream.fileno())
                os.close(devnull)

    def invalid_line(self, line: InvalidLine) -> None:
        self.print_error(f"Line {line.line_number}: {line.reason}: {printable(line.text)}")

    def skipped(self, name: str) -> None:
        self.print(f"Skipped {name}: already downloaded.")

    def started(self, name: str) -> None:
        self.print(f"Downloading {name}...")

    def receiving(self, name: str, total: int | None) -> None:
        """A response body of `total` bytes (None if unknown) starts arriving for `name`."""

    def advanced(self, name: str, received: int) -> None:
        """`received` more bytes of `name` were written."""

    def retrying(self, name: str, retry: int, retries: int, delay: float, reason: str) -> None:
        self.print_error(
            f"Retrying {name} in {delay:.1f} s ({retry} of {retries}): {printable(reason)}"
        )

    def finished(self, name: str) -> None:
        self.print(f"Finished {name}.")

    def failed(self, name: str, reason: str) -> None:
        self.print_error(f"Failed {name}: {printable(reason)}")

    def summary(self, summary: Summary) -> None:
        self.print(f"Finished downloading {plural(summary.downloaded, 'file')}.")
        if summary.skipped:
            self.print(f"Skipped {plural(summary.skipped, 'file')} already downloaded.")
        if summary.failed:
            self.print(f"Failed to download {plural(summary.failed, 'file')}.")
        if summary.invalid_lines:
            self.print(f"Ignored {plural(summary.invalid_lines, 'invalid line')}.")


# Files get bars of their own only while few and large: more would fill the screen, and a small
# file is gone before its bar is seen. The overall bar counts every file.
MAX_FILE_BARS = 8
MIN_BAR_BYTES = 1024 * 1024
# Lines are drawn in batches this often: every draw also redraws the bars below them, and
# thousands of small files would otherwise spend most of their time redrawing.
LINE_BATCH_SECONDS = 0.1


class ProgressReporter(Reporter):
    """The same lines, printed above live progress bars: the overall progress, and one bar for
    each active file (up to MAX_FILE_BARS)."""

    def __init__(self) -> None:
        super().__init__()
        self._console = Console()
        # When stderr is the same screen, problems are drawn by the console that owns the bars,
        # or they would be written over them; when it is redirected, they go there as plain text.
        self._errors_on_screen = sys.stderr.isatty()
        self._progress = Progress(
            # Names come from URLs: never let them be read as rich markup.
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=self._console,
            redirect_stderr=False,
        )
        self._overall = self._progress.add_task("All files", total=0)
        self._overall_total = 0
        self._overall_received = 0
        self._files: dict[str, _FileProgress] = {}
        self._pending_lines: list[Text] = []
        self._flush_scheduled = False

    def __enter__(self) -> ProgressReporter:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._flush_lines()
        self._progress.stop()

    def print(self, text: str) -> None:
        self._queue_line(Text(text))

    def print_error(self, text: str) -> None:
        if self._errors_on_screen:
            self._queue_line(Text(text, style="red"))
        else:
            super().print_error(text)

    def _queue_line(self, line: Text) -> None:
        self._pending_lines.append(line)
        if self._flush_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # outside the event loop there is nothing to batch with
            self._flush_lines()
            return
        self._flush_scheduled = True
        loop.call_later(LINE_BATCH_SECONDS, self._flush_lines)

    def _flush_lines(self) -> None:
        self._flush_scheduled = False
        if self._pending_lines:
            self._console.print(*self._pending_lines, sep="\n")
            self._pending_lines.clear()

    def receiving(self, name: str, total: int | None) -> None:
        self._remove(name)  # a retry starts the file again
        shown = sum(file.task_id is not None for file in self._files.values())
        large = total is None or total >= MIN_BAR_BYTES
        task_id = (
            self._progress.add_task(name, total=total) if large and shown < MAX_FILE_BARS else None
        )
        self._files[name] = _FileProgress(task_id, expected=total or 0)
        self._overall_total += total or 0
        self._progress.update(self._overall, total=self._overall_total)

    def advanced(self, name: str, received: int) -> None:
        file = self._files[name]
        file.received += received
        self._overall_received += received
        if file.task_id is not None:
            self._progress.update(file.task_id, completed=file.received)
        self._progress.update(self._overall, completed=self._overall_received)

    def finished(self, name: str) -> None:
        self._remove(name, completed=True)
        super().finished(name)

    def failed(self, name: str, reason: str) -> None:
        self._remove(name)
        super().failed(name, reason)

    def _remove(self, name: str, completed: bool = False) -> None:
        """Forget the file; unless it completed, take its bytes back out of the overall bar."""
        file = self._files.pop(name, None)
        if file is None:
            return
        if not completed:
            self._overall_total -= file.expected
            self._overall_received -= file.received
            self._progress.update(
                self._overall, total=self._overall_total, completed=self._overall_received
            )
        if file.task_id is not None:
            self._progress.remove_task(file.task_id)


@dataclass
class _FileProgress:
    task_id: TaskID | None  # None when the file has no bar of its own
    expected: int
    received: int = 0
