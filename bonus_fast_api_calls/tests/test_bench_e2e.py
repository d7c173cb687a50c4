"""The benchmark end to end: the real script, run as a subprocess, over real loopback sockets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

pytestmark = pytest.mark.e2e

RUN_TIMEOUT = 90
SCRIPT = "bonus_fast_api_calls/bench.py"
STRATEGIES = [
    "sync sequential",
    "await in a for loop",
    "gather",
    "gather + Semaphore(2)",
    "TaskGroup",
    "2 threads, sync client",
]
SMALL_RUN = ["--calls", "6", "--latency", "0.3", "--concurrency", "2", "--pitfall-calls", "0"]


def bench(*args: str, module: bool = False) -> subprocess.CompletedProcess[str]:
    command = ["-m", "bonus_fast_api_calls.bench"] if module else [SCRIPT]
    return subprocess.run(
        [sys.executable, *command, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def read_rows(path: Path) -> dict[str, dict[str, object]]:
    return {row["strategy"]: row for row in json.loads(path.read_text())}


def test_the_benchmark_runs_every_strategy_against_the_mock(tmp_path):
    out = tmp_path / "rows.json"

    result = bench(*SMALL_RUN, "--json", str(out))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    rows = read_rows(out)
    assert list(rows) == STRATEGIES
    peaks = {name: row["peak_in_flight"] for name, row in rows.items()}
    assert peaks == {
        "sync sequential": 1,
        "await in a for loop": 1,
        "gather": 6,
        "gather + Semaphore(2)": 2,
        "TaskGroup": 6,
        "2 threads, sync client": 2,
    }, "the server must have seen each strategy's own concurrency"
    for name, row in rows.items():
        assert row["calls"] == 6
        assert row["errors"] == 0, f"{name}: {row['first_error']}"
        assert row["results_in_order"] is True, f"{name} returned the wrong results"
        assert isinstance(row["seconds"], float)
        assert row["seconds"] > 0
    for name in STRATEGIES:
        assert name in result.stdout, f"the table must have a row for {name}"


def test_the_benchmark_runs_as_a_module():
    result = bench("--calls", "2", "--latency", "0", "--pitfall-calls", "0", module=True)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "TaskGroup" in result.stdout


def test_url_mode_calls_the_given_api_and_leaves_the_peak_unknown(mock_server, tmp_path):
    out = tmp_path / "rows.json"

    result = bench(
        "--url", f"{mock_server.base_url}/items/{{n}}", "--calls", "4", "--json", str(out)
    )

    assert result.returncode == 0, result.stdout + result.stderr
    rows = read_rows(out)
    assert len(rows) == len(STRATEGIES) == 6, "no pitfall rows against someone else's API"
    assert all(row["peak_in_flight"] is None for row in rows.values()), (
        "with --url the benchmark cannot see the server: the peak is null"
    )
    assert mock_server.in_flight.peak == 4, "the calls really went to the given URL"


def test_failed_calls_are_reported_and_fail_the_run(mock_server, tmp_path):
    out = tmp_path / "rows.json"

    result = bench(
        "--url", f"{mock_server.base_url}/nowhere/{{n}}", "--calls", "3", "--json", str(out)
    )

    assert result.returncode == 1, "a run whose calls failed must not exit 0"
    assert "3 failed calls, first: HTTPStatusError" in result.stdout
    assert "404 Not Found" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    for name, row in read_rows(out).items():
        assert row["errors"] == 3, f"{name}: every call failed and each must be counted"
        assert "404" in str(row["first_error"])


def test_a_url_without_the_placeholder_is_a_usage_error():
    result = bench("--url", "https://api.example/items/1")

    assert result.returncode == 2
    assert "must contain {n}" in result.stderr
