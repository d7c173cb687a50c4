"""Turn runs into the table a reader sees and the JSON a program reads.

Every row is checked against a reference list of results (the mock's known documents, or the
sequential run when the API is real): a strategy that is fast but returns the wrong thing, or the
right things in the wrong order, is reported, never silently ranked.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from bonus_fast_api_calls.calls import CallResult
from bonus_fast_api_calls.measure import Run


@dataclass(frozen=True)
class Row:
    """A run judged against its reference.

    Parameters:
        run: what the strategy did.
        speedup: sequential time over this run's time; None when the two are not comparable.
        differs_at: the first call (counting from 1) whose result is not the reference's.
        errors_expected: the row exists to show failures (the pool pitfall).
    """

    run: Run
    speedup: float | None
    differs_at: int | None
    errors_expected: bool = False

    @property
    def ok(self) -> bool:
        return self.errors_expected or (not self.run.errors and self.differs_at is None)


def first_difference(results: Sequence[CallResult], reference: Sequence[CallResult]) -> int | None:
    """The 1-based number of the first call whose result differs, or None when all match."""
    for number, (result, expected) in enumerate(zip(results, reference, strict=False), start=1):
        if result != expected:
            return number
    if len(results) != len(reference):
        return min(len(results), len(reference)) + 1
    return None


def judge(
    runs: Sequence[Run],
    reference: Sequence[CallResult],
    baseline: Run | None,
    errors_expected: bool = False,
) -> list[Row]:
    """Check each run against `reference` and, when a `baseline` is given, compute speedups."""
    return [
        Row(
            run,
            speedup=baseline.seconds / run.seconds if baseline and run.seconds > 0 else None,
            differs_at=first_difference(run.results, reference),
            errors_expected=errors_expected,
        )
        for run in runs
    ]


def build_table(rows: Sequence[Row], title: str) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAVY)
    table.add_column("strategy", no_wrap=True)
    for heading in ("wall time", "calls/s", "speedup", "peak", "errors"):
        table.add_column(heading, justify="right", no_wrap=True)
    table.add_column("results", no_wrap=True)
    for row in rows:
        run = row.run
        table.add_row(
            run.strategy,
            f"{run.seconds:.3f} s",
            f"{run.calls_per_second:,.0f}",
            "-" if row.speedup is None else f"{row.speedup:.1f}x",
            "?" if run.peak_in_flight is None else str(run.peak_in_flight),
            str(len(run.errors)),
            "ok" if row.differs_at is None else f"call {row.differs_at} differs",
        )
    return table


def describe_problems(rows: Sequence[Row]) -> list[str]:
    """One line per row that failed calls or returned different results, saying what happened."""
    lines = []
    for row in rows:
        run = row.run
        if run.errors:
            lines.append(f"{run.strategy}: {len(run.errors)} failed calls, first: {run.errors[0]}")
        if row.differs_at is not None:
            lines.append(
                f"{run.strategy}: result of call {row.differs_at} differs from the reference"
            )
    return lines


def print_report(rows: Sequence[Row], title: str, console: Console) -> None:
    console.print(build_table(rows, title))
    for line in describe_problems(rows):
        console.print(line, markup=False, highlight=False)


def row_to_json(row: Row) -> dict[str, object]:
    run = row.run
    return {
        "strategy": run.strategy,
        "calls": run.calls,
        "seconds": run.seconds,
        "calls_per_second": run.calls_per_second,
        "speedup": row.speedup,
        "peak_in_flight": run.peak_in_flight,
        "errors": len(run.errors),
        "first_error": run.errors[0] if run.errors else None,
        "results_in_order": row.differs_at is None,
        "first_differing_call": row.differs_at,
    }


def write_json(rows: Sequence[Row], path: Path) -> None:
    path.write_text(json.dumps([row_to_json(row) for row in rows], indent=2) + "\n")
