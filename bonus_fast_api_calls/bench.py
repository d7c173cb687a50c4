"""Sequential versus gathered API calls: how much faster, why, and the mistakes that undo it.

    python bonus_fast_api_calls/bench.py                      # against a local mock API
    python bonus_fast_api_calls/bench.py --calls 100 --latency 0.05 --json results.json
    python bonus_fast_api_calls/bench.py --url 'https://jsonplaceholder.typicode.com/todos/{n}'

Without `--url` it starts a mock JSON API in a background thread, makes the same calls with each
strategy, and shows the pool pitfall. With `--url` it calls a real API (the pitfall rows, which
flood the server on purpose, run only against the mock). The exit status is 1 when any call
failed or any strategy returned different results, except in the row that fails on purpose.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

if __package__ in {None, ""}:  # run as a script: make the package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console

from bonus_fast_api_calls import strategies
from bonus_fast_api_calls.calls import (
    DEFAULT_TIMEOUT,
    CallResult,
    Transport,
    make_async_client,
    make_sync_client,
)
from bonus_fast_api_calls.measure import (
    AsyncCalls,
    Run,
    SyncCalls,
    Timed,
    measure,
    time_async_calls,
    time_sync_calls,
)
from bonus_fast_api_calls.mock_api import InFlight, create_app, item_document
from bonus_fast_api_calls.options import DEFAULT_TRANSPORT, URL_PLACEHOLDER, parse_args
from bonus_fast_api_calls.pitfall import run_pitfall, slow_urls
from bonus_fast_api_calls.report import Row, judge, print_report, write_json
from bonus_fast_api_calls.server_thread import serve_in_thread

PIPED_REPORT_WIDTH = 100


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console()
    if not console.is_terminal:  # piped or redirected: rich assumes 80 columns and would truncate
        console.width = max(console.width, PIPED_REPORT_WIDTH)
    rows = bench_mock(args, console) if args.url is None else bench_url(args, console)
    if args.json is not None:
        write_json(rows, args.json)
    return 0 if all(row.ok for row in rows) else 1


def bench_mock(args: argparse.Namespace, console: Console) -> list[Row]:
    """All the strategies, then the pitfall rows, against the mock API."""
    in_flight = InFlight()
    with serve_in_thread(create_app(in_flight, latency=args.latency)) as base_url:
        urls = item_urls(f"{base_url}/items/{URL_PLACEHOLDER}", args.calls)
        runs = run_strategies(urls, args, in_flight, console)
        rows = judge(runs, expected_results(args.calls), baseline=runs[0])
        title = (
            f"{args.calls} calls, {args.latency} s latency (ideal: "
            f"{args.calls * args.latency:.2f} s one by one, {args.latency:.2f} s all at once)"
        )
        print_report(rows, title, console)
        if args.pitfall_calls > 0:
            pitfall_rows = bench_pitfall(base_url, args.pitfall_calls, in_flight, console)
            rows += pitfall_rows
    return rows


def bench_pitfall(base_url: str, calls: int, in_flight: InFlight, console: Console) -> list[Row]:
    with console.status("pool pitfall…"):
        unbounded, fixed = run_pitfall(slow_urls(base_url, calls), in_flight)
    expected = expected_results(calls)
    rows = [
        *judge([unbounded], expected, baseline=None, errors_expected=True),
        *judge([fixed], expected, baseline=None),
    ]
    print_report(rows, "The pool pitfall: more calls than connections, a slow endpoint", console)
    return rows


def bench_url(args: argparse.Namespace, console: Console) -> list[Row]:
    """All the strategies against a real API; the sequential results are the reference."""
    runs = run_strategies(item_urls(args.url, args.calls), args, None, console)
    rows = judge(runs, runs[0].results, baseline=runs[0])
    print_report(rows, f"{args.calls} calls to {args.url}", console)
    return rows


def run_strategies(
    urls: Sequence[str], args: argparse.Namespace, in_flight: InFlight | None, console: Console
) -> list[Run]:
    runs = []
    for name, run in strategy_plan(urls, args.concurrency, args.transport, args.timeout):
        with console.status(f"{name}…"):
            runs.append(measure(name, run, in_flight))
    return runs


def strategy_plan(
    urls: Sequence[str],
    limit: int,
    transport: Transport = DEFAULT_TRANSPORT,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[tuple[str, Callable[[], Timed]]]:
    """Each strategy's name and how to time it; the first is the baseline for speedups.

    Every run gets a client of its own, shared by all of that run's calls.
    """
    sync_client = partial(make_sync_client, timeout)
    async_client = partial(make_async_client, transport, timeout)

    def sync(calls: SyncCalls) -> Callable[[], Timed]:
        return partial(time_sync_calls, sync_client, calls)

    def async_(calls: AsyncCalls) -> Callable[[], Timed]:
        return partial(time_async_calls, async_client, calls)

    return [
        ("sync sequential", sync(lambda c: strategies.sync_sequential(c, urls))),
        ("await in a for loop", async_(lambda c: strategies.async_sequential(c, urls))),
        ("gather", async_(lambda c: strategies.gather_all(c, urls))),
        (
            f"gather + Semaphore({limit})",
            async_(lambda c: strategies.gather_bounded(c, urls, limit)),
        ),
        ("TaskGroup", async_(lambda c: strategies.task_group(c, urls))),
        (f"{limit} threads, sync client", sync(lambda c: strategies.thread_pool(c, urls, limit))),
    ]


def item_urls(template: str, calls: int) -> list[str]:
    """The URLs of items 1 to `calls`; only the `{n}` placeholder is filled, other braces stay."""
    return [template.replace(URL_PLACEHOLDER, str(n)) for n in range(1, calls + 1)]


def expected_results(calls: int) -> list[CallResult]:
    """What a correct strategy returns from the mock API for items 1 to `calls`, in order."""
    return [CallResult(document=item_document(n)) for n in range(1, calls + 1)]


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C ends a long run quietly; the server thread is stopped
        sys.exit(130)
