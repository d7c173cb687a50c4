"""Retry timing: exponential backoff with jitter, and Retry-After believed up to a cap."""

from __future__ import annotations

from datetime import UTC, datetime

from project1_downloader.retry import RetryPolicy, parse_retry_after


def test_backoff_grows_exponentially_within_jitter():
    policy = RetryPolicy(base_delay=1.0, max_delay=100.0)
    for retry, ceiling in enumerate([1.0, 2.0, 4.0, 8.0]):
        delays = [policy.delay(retry) for _ in range(200)]
        assert all(0 <= delay <= ceiling for delay in delays)
        assert max(delays) > ceiling / 2, "full jitter spreads delays over the whole range"


def test_backoff_never_exceeds_max_delay():
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0)
    assert all(policy.delay(30) <= 5.0 for _ in range(200))


def test_retry_after_is_used_as_the_delay():
    assert RetryPolicy().delay(0, retry_after=7.0) == 7.0


def test_retry_after_is_capped():
    assert RetryPolicy(max_retry_after=30.0).delay(0, retry_after=86_400.0) == 30.0


def test_retry_after_in_seconds_is_parsed():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 3 ") == 3.0


def test_retry_after_as_http_date_is_parsed():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:45 GMT", now=now) == 45.0


def test_retry_after_in_the_past_means_no_wait():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0


def test_unreadable_retry_after_is_ignored():
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-5") is None
    assert parse_retry_after("²") is None
    assert parse_retry_after("Thu, 01 Jan 2026 99999999999999999999:00:00 GMT") is None
