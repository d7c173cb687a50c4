"""The command line refuses bad values with a message, before anything starts."""

from __future__ import annotations

import pytest

from bonus_fast_api_calls.bench import item_urls
from bonus_fast_api_calls.options import parse_args


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--calls", "0"], "must be at least 1"),
        (["--calls", "ten"], "must be a whole number"),
        (["--concurrency", "-2"], "must be at least 1"),
        (["--pitfall-calls", "-1"], "must be 0 or more"),
        (["--latency", "-0.5"], "must be from 0 to"),
        (["--latency", "nan"], "must be from 0 to"),
        (["--timeout", "0"], "must be a finite number above 0"),
        (["--url", "https://api.example/items/1"], "must contain {n}"),
        (["--url", "ftp://api.example/{n}"], "must start with http:// or https://"),
        (["--transport", "curl"], "invalid Transport value"),
        (["--json", "no-such-folder/rows.json"], "'no-such-folder' is not an existing folder"),
        (["--json", "."], "'.' is a folder, not a file name"),
    ],
)
def test_bad_values_are_refused_with_a_reason(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)

    assert exit_info.value.code == 2, "a usage error exits with status 2"
    assert message in capsys.readouterr().err


def test_defaults_are_the_documented_ones():
    args = parse_args([])

    assert (args.calls, args.latency, args.concurrency, args.pitfall_calls) == (50, 0.1, 10, 300)
    assert args.url is None
    assert args.json is None


def test_only_the_n_placeholder_is_filled():
    urls = item_urls("https://api.example/items/{n}?fields={id}", 2)

    assert urls == [
        "https://api.example/items/1?fields={id}",
        "https://api.example/items/2?fields={id}",
    ]
