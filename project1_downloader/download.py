"""Download every URL in a file, concurrently.

    python project1_downloader/download.py --urls-file urls.txt
    python -m project1_downloader.download --urls-file project1_downloader/urls.txt --concurrency 20

Exit status: 0 when every URL was downloaded or already there, 1 when anything failed (a
download, or a line that is not a URL), 2 for a usage error, and 128 + the signal's number when
stopped by a signal: 130 for Ctrl-C (SIGINT), 143 for SIGTERM, 129 for SIGHUP.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script, Python puts this file's folder on sys.path; the package needs its parent.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import asyncio
import math
import signal
import tempfile
from collections.abc import Callable, Sequence

from project1_downloader.downloader import DEFAULT_CONCURRENCY, download_urls
from project1_downloader.reporting import ProgressReporter, Reporter, Summary
from project1_downloader.retry import DEFAULT_RETRIES, RetryPolicy
from project1_downloader.transport import DEFAULT_POOL, DEFAULT_TIMEOUT, POOLS, build_client
from project1_downloader.url_list import UrlFileError, UrlList, read_url_file

DEFAULT_OUTPUT_DIR = Path("downloads")
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_SIGNALLED_BASE = 128
# Ctrl-C, `kill`, and a closed terminal all mean "stop, but clean up first".
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(Exception):
    """The run was stopped by a signal; every unfinished download has been removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than `minimum`."""

    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    parse.__name__ = "int"  # argparse calls bad input an "invalid int value"
    return parse


def positive_float(text: str) -> float:
    value = float(text)
    if not 0 < value < math.inf:  # also rejects "nan"
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {text}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Download every URL listed in a file, several at a time."
    )
    parser.add_argument(
        "--urls-file", type=Path, required=True, help="one URL per line; # starts a comment"
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        help=f"where files are saved (default: {DEFAULT_OUTPUT_DIR}/)",
    )
    parser.add_argument(
        "--concurrency",
        type=int_at_least(1),
        default=DEFAULT_CONCURRENCY,
        help=f"downloads at once (default: {DEFAULT_CONCURRENCY})",
    )
    parser.add_argument(
        "--retries",
        type=int_at_least(0),
        default=DEFAULT_RETRIES,
        help=f"retries of a transient failure (default: {DEFAULT_RETRIES})",
    )
    parser.add_argument(
        "--timeout",
        type=positive_float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds to connect, or to wait for more data (default: {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--pool",
        choices=POOLS,
        default=DEFAULT_POOL,
        help=f"connection pool under the httpx client (default: {DEFAULT_POOL}; see README)",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="download again files that already exist"
    )
    return parser.parse_args(argv)


def prepare_output_dir(folder: Path) -> None:
    """Create the folder if needed and make sure files can be written there.

    A folder we cannot write to is then a usage error up front, rather than a failure of every
    download after its request has been made.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=folder):
        pass


async def run(args: argparse.Namespace, url_list: UrlList, reporter: Reporter) -> Summary:
    """All the downloads; a stop signal cancels them, and each removes its own `.part` file."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    received: list[int] = []

    def stop(signum: int) -> None:
        received.append(signum)
        for each in STOP_SIGNALS:
            # One signal is enough: a second Ctrl-C must not interrupt the clean-up.
            loop.remove_signal_handler(each)
            signal.signal(each, signal.SIG_IGN)
        task.cancel()

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop, signum)
    try:
        async with build_client(args.concurrency, args.timeout, args.pool) as client:
            return await download_urls(
                url_list,
                args.output_dir,
                client,
                reporter,
                concurrency=args.concurrency,
                retry_policy=RetryPolicy(retries=args.retries),
                overwrite=args.overwrite,
            )
    except asyncio.CancelledError:
        if received:
            raise Stopped(received[0]) from None
        raise


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        url_list = read_url_file(args.urls_file)
        prepare_output_dir(args.output_dir)
    except UrlFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        folder = str(args.output_dir)
        print(f"error: cannot write to {folder!r}: {error.strerror}", file=sys.stderr)
        return EXIT_USAGE
    # Progress bars only on a terminal: in a pipe or a log they would be noise.
    reporter = ProgressReporter() if sys.stdout.isatty() else Reporter()
    try:
        with reporter:
            summary = asyncio.run(run(args, url_list, reporter))
    except Stopped as stopped:
        print(f"Interrupted by {stopped}: unfinished downloads were removed.", file=sys.stderr)
        return EXIT_SIGNALLED_BASE + stopped.signum
    return EXIT_OK if summary.all_succeeded else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
