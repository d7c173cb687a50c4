"""Configuration from environment variables, each with a named default and a sensible range.

The app factory takes a `Settings` so tests can ask for a fast interval or a tiny client cap
without touching the environment; `uvicorn project2_dashboard.main:app` reads the environment.
Every error names the environment variable, since that is what the person reading it typed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import TypeVar

DEFAULT_INTERVAL = 1.0
"""Seconds between two readings."""
MIN_INTERVAL = 0.01
"""100 readings a second: faster than any screen needs. Below it the producer becomes a busy
loop (one fan-out costs tens of microseconds per client), starving the clients it feeds."""
MAX_INTERVAL = 3600.0
"""An hour: anything slower is no longer a live feed (and 1e300 would mean "never again")."""

DEFAULT_MAX_CLIENTS = 10_000
"""Simultaneous WebSocket clients; one more is closed with 1013 (try again later)."""
MAX_MAX_CLIENTS = 100_000
"""About 3.5 GiB of server memory at the measured 36 KiB per client, and twenty times what one
process was measured to serve on time: a cap above it caps nothing."""

DEFAULT_QUEUE_SIZE = 8
"""Messages waiting for one client before the oldest is dropped: a few seconds at 1 Hz."""
MAX_QUEUE_SIZE = 1000
"""A queue is for riding out a hiccup; a thousand stale readings help no dashboard."""

DEFAULT_SEND_TIMEOUT = 10.0
"""Seconds a client may spend on one send, once its queue overflows, before it is given up
(see `broadcast.py`).

A send waits only once uvicorn's write buffer (64 KiB) and the kernel's socket buffers are
full, that is with over a thousand readings unread: a client that then cannot take one more in
10 s has stopped reading. It is well under uvicorn's keepalive (a 20 s ping, 20 s to answer).
The check runs when a reading overflows the client's queue, so the client goes at the first
tick after both `queue_size` readings and this many seconds have passed."""
MIN_SEND_TIMEOUT = 0.1
MAX_SEND_TIMEOUT = 600.0

INTERVAL_VAR = "DASHBOARD_INTERVAL"
MAX_CLIENTS_VAR = "DASHBOARD_MAX_CLIENTS"
QUEUE_SIZE_VAR = "DASHBOARD_QUEUE_SIZE"
SEND_TIMEOUT_VAR = "DASHBOARD_SEND_TIMEOUT"

T = TypeVar("T", int, float)


@dataclass(frozen=True)
class Limit:
    """Where a setting comes from and the values it may take."""

    variable: str
    low: float
    high: float
    unit: str = ""

    def check(self, value: float, shown: str) -> None:
        """Refuse `value` outside [low, high] (or NaN), quoting it as the user wrote it."""
        if not (math.isfinite(value) and self.low <= value <= self.high):
            raise ValueError(
                f"{self.variable} must be between {self.low:g} and {self.high:g}{self.unit},"
                f" got {shown!r}"
            )


LIMITS: dict[str, Limit] = {
    "interval": Limit(INTERVAL_VAR, MIN_INTERVAL, MAX_INTERVAL, " seconds"),
    "max_clients": Limit(MAX_CLIENTS_VAR, 1, MAX_MAX_CLIENTS),
    "queue_size": Limit(QUEUE_SIZE_VAR, 1, MAX_QUEUE_SIZE),
    "send_timeout": Limit(SEND_TIMEOUT_VAR, MIN_SEND_TIMEOUT, MAX_SEND_TIMEOUT, " seconds"),
}
"""Each `Settings` field's environment variable and range."""


@dataclass(frozen=True)
class Settings:
    """What the dashboard can be told; values outside their `LIMITS` are refused.

    Parameters:
        interval: seconds between readings.
        max_clients: how many WebSocket clients may be connected at once.
        queue_size: how many messages may wait for a slow client.
        send_timeout: seconds a client may spend on one send, once its queue overflows.
    """

    interval: float = DEFAULT_INTERVAL
    max_clients: int = DEFAULT_MAX_CLIENTS
    queue_size: int = DEFAULT_QUEUE_SIZE
    send_timeout: float = DEFAULT_SEND_TIMEOUT

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            LIMITS[field.name].check(value, str(value))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Read the settings from `DASHBOARD_*` variables; unset or empty ones keep defaults."""
        return cls(
            interval=_read(environ, "interval", float, DEFAULT_INTERVAL),
            max_clients=_read(environ, "max_clients", int, DEFAULT_MAX_CLIENTS),
            queue_size=_read(environ, "queue_size", int, DEFAULT_QUEUE_SIZE),
            send_timeout=_read(environ, "send_timeout", float, DEFAULT_SEND_TIMEOUT),
        )


def _read(environ: Mapping[str, str], field: str, parse: Callable[[str], T], default: T) -> T:
    """The field's variable parsed and checked, quoting the raw text in any error."""
    limit = LIMITS[field]
    raw = environ.get(limit.variable, "").strip()
    if not raw:
        return default
    try:
        value = parse(raw)
    except ValueError:
        kind = "a whole number" if parse is int else "a number"
        raise ValueError(f"{limit.variable} must be {kind}, got {raw!r}") from None
    limit.check(value, raw)
    return value
