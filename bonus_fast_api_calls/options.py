"""The benchmark's command line: every default a named constant, every value checked on entry."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from bonus_fast_api_calls.calls import DEFAULT_TIMEOUT, Transport
from bonus_fast_api_calls.mock_api import DEFAULT_LATENCY, MAX_LATENCY
from bonus_fast_api_calls.pitfall import PITFALL_CALLS

DEFAULT_CALLS = 50
DEFAULT_CONCURRENCY = 10
DEFAULT_TRANSPORT = Transport.AIOHTTP
URL_PLACEHOLDER = "{n}"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench.py",
        description="Time sequential, gathered, bounded and threaded API calls side by side.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--calls", type=positive_int, default=DEFAULT_CALLS, help="calls per strategy")
    add("--latency", type=latency, default=DEFAULT_LATENCY, help="the mock API's latency, seconds")
    add(
        "--concurrency",
        type=positive_int,
        default=DEFAULT_CONCURRENCY,
        help="the semaphore's limit and the thread pool's size",
    )
    add(
        "--pitfall-calls",
        type=non_negative_int,
        default=PITFALL_CALLS,
        help="calls in the pool-pitfall rows, 0 to skip them",
    )
    add(
        "--url",
        type=url_template,
        help="call a real API instead of the mock: an http(s) URL containing {n}, "
        "which becomes 1, 2, ... up to --calls",
    )
    add("--json", type=json_path, metavar="PATH", help="also write the rows to PATH as a JSON list")
    add("--timeout", type=positive_float, default=DEFAULT_TIMEOUT, help="per-call timeout, seconds")
    add(
        "--transport",
        type=Transport,
        choices=list(Transport),
        default=DEFAULT_TRANSPORT,
        help="what carries the async clients' requests",
    )
    return parser.parse_args(argv)


def positive_int(text: str) -> int:
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    value = _whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def positive_float(text: str) -> float:
    value = _seconds(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, got {text!r}")
    return value


def latency(text: str) -> float:
    value = _seconds(text)
    if not 0 <= value <= MAX_LATENCY:
        raise argparse.ArgumentTypeError(f"must be from 0 to {MAX_LATENCY} seconds, got {text!r}")
    return value


def url_template(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"must start with http:// or https://, got {text!r}")
    if URL_PLACEHOLDER not in text:
        raise argparse.ArgumentTypeError(
            f"must contain {URL_PLACEHOLDER}, which each call replaces with its number, "
            f"got {text!r}"
        )
    return text


def json_path(text: str) -> Path:
    """Checked before the run, so a typo cannot throw away half a minute of measurements."""
    path = Path(text)
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"{str(path.parent)!r} is not an existing folder")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder, not a file name")
    return path


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def _seconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
