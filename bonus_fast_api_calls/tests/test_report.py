"""Rows are judged against a reference: mismatches and errors are reported, never ranked."""

from __future__ import annotations

import json

from rich.console import Console

from bonus_fast_api_calls.calls import CallResult
from bonus_fast_api_calls.measure import Run
from bonus_fast_api_calls.report import (
    describe_problems,
    first_difference,
    judge,
    print_report,
    row_to_json,
    write_json,
)

A, B, C = (CallResult(document={"id": n}) for n in (1, 2, 3))
FAILED = CallResult(error="ReadTimeout: timed out")


def make_run(results, seconds=1.0, peak=None, strategy="gather"):
    return Run(strategy, list(results), seconds, peak)


def test_first_difference_names_the_first_call_that_differs():
    assert first_difference([A, C, B], [A, B, C]) == 2, "calls 2 and 3 are swapped"
    assert first_difference([A, B, C], [A, B, C]) is None


def test_a_missing_result_is_a_difference():
    assert first_difference([A, B], [A, B, C]) == 3


def test_results_out_of_order_are_reported():
    (row,) = judge([make_run([B, A, C])], reference=[A, B, C], baseline=None)

    assert not row.ok, "a fast strategy with results in the wrong order must not pass"
    assert describe_problems([row]) == ["gather: result of call 1 differs from the reference"]


def test_failed_calls_are_counted_and_the_first_is_shown():
    (row,) = judge([make_run([A, FAILED, FAILED])], reference=[A, B, C], baseline=None)

    assert not row.ok
    assert row.run.errors == [FAILED.error, FAILED.error]
    assert "gather: 2 failed calls, first: ReadTimeout: timed out" in describe_problems([row])


def test_a_row_that_fails_on_purpose_does_not_fail_the_run():
    (row,) = judge([make_run([FAILED])], [A], baseline=None, errors_expected=True)

    assert row.ok, "the pitfall row exists to show failures"


def test_speedup_is_the_baseline_time_over_the_row_time():
    baseline = make_run([A], seconds=5.0)
    rows = judge([baseline, make_run([A], seconds=0.125)], [A], baseline=baseline)

    assert [row.speedup for row in rows] == [1.0, 40.0]


def test_json_rows_hold_the_documented_fields(tmp_path):
    rows = judge([make_run([A, FAILED], seconds=0.5, peak=None)], [A, B], baseline=None)
    path = tmp_path / "rows.json"

    write_json(rows, path)

    (written,) = json.loads(path.read_text())
    assert written == row_to_json(rows[0])
    assert written["strategy"] == "gather"
    assert written["calls"] == 2
    assert written["seconds"] == 0.5
    assert written["peak_in_flight"] is None, "an unknown peak is null, not 0"
    assert written["errors"] == 1
    assert written["first_error"] == FAILED.error
    assert written["results_in_order"] is False


def test_the_table_shows_every_strategy_and_its_problems():
    console = Console(record=True, width=120)
    rows = judge([make_run([A], peak=50, strategy="TaskGroup")], [B], baseline=None)

    print_report(rows, "title", console)

    text = console.export_text()
    assert "TaskGroup" in text
    assert "call 1 differs" in text
    assert "TaskGroup: result of call 1 differs from the reference" in text
