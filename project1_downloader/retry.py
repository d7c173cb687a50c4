"""When and how long to wait before trying a download again.

Some failures say nothing about the file, only about this moment: a connection refused or dropped,
a timeout, a server that is overloaded (503), rate-limiting us (429) or briefly broken (500, 502,
504). Those are retried after an exponentially growing, randomised pause ("full jitter"), so that
many downloads failing together don't all come back at the same instant. A server that says how
long to wait (`Retry-After`) is believed, up to a cap, so a typo there can't stall us for a day.
Anything else (404, 403, ...) will not get better by asking again and fails at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

DEFAULT_RETRIES = 3
DEFAULT_BASE_DELAY = 0.5
DEFAULT_MAX_DELAY = 10.0
DEFAULT_MAX_RETRY_AFTER = 30.0
RETRYABLE_STATUS_CODES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to retry, and how long to wait before each retry.

    Parameters:
        retries: retries after the first attempt (0 means try once).
        base_delay: the first backoff is up to this many seconds; each next one up to twice as long.
        max_delay: no backoff is longer than this.
        max_retry_after: a server's `Retry-After` is honoured up to this many seconds.
    """

    retries: int = DEFAULT_RETRIES
    base_delay: float = DEFAULT_BASE_DELAY
    max_delay: float = DEFAULT_MAX_DELAY
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER

    def delay(self, retry_number: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry `retry_number` (0 for the first retry)."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        ceiling = min(self.max_delay, self.base_delay * 2**retry_number)
        return random.uniform(0, ceiling)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date (RFC 9110).

    Returns None when the header is absent or unreadable, so the usual backoff applies.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # str.isdigit() alone also accepts "²"
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
