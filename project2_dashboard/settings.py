"""Configuration from environment variables, each with a named default.

The app factory takes a `Settings` so tests can ask for a fast interval or a tiny client cap
without touching the environment; `uvicorn project2_dashboard.main:app` reads the environment.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

DEFAULT_INTERVAL = 1.0
"""Seconds between two readings."""

DEFAULT_MAX_CLIENTS = 10_000
"""Simultaneous WebSocket clients; one more is closed with 1013 (try again later)."""

DEFAULT_QUEUE_SIZE = 8
"""Messages waiting for one client before the oldest is dropped: a few seconds at 1 Hz."""

INTERVAL_VAR = "DASHBOARD_INTERVAL"
MAX_CLIENTS_VAR = "DASHBOARD_MAX_CLIENTS"
QUEUE_SIZE_VAR = "DASHBOARD_QUEUE_SIZE"

T = TypeVar("T", int, float)


@dataclass(frozen=True)
class Settings:
    """What the dashboard can be told.

    Parameters:
        interval: seconds between readings (> 0).
        max_clients: how many WebSocket clients may be connected at once (>= 1).
        queue_size: how many messages may wait for a slow client (>= 1).
    """

    interval: float = DEFAULT_INTERVAL
    max_clients: int = DEFAULT_MAX_CLIENTS
    queue_size: int = DEFAULT_QUEUE_SIZE

    def __post_init__(self) -> None:
        if not (math.isfinite(self.interval) and self.interval > 0):
            raise ValueError(f"interval must be finite seconds > 0, got {self.interval}")
        if self.max_clients < 1:
            raise ValueError(f"max_clients must be at least 1, got {self.max_clients}")
        if self.queue_size < 1:
            raise ValueError(f"queue_size must be at least 1, got {self.queue_size}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Read the settings from `DASHBOARD_*` variables; unset ones keep their defaults."""
        try:
            return cls(
                interval=_read(environ, INTERVAL_VAR, float, DEFAULT_INTERVAL),
                max_clients=_read(environ, MAX_CLIENTS_VAR, int, DEFAULT_MAX_CLIENTS),
                queue_size=_read(environ, QUEUE_SIZE_VAR, int, DEFAULT_QUEUE_SIZE),
            )
        except ValueError as error:
            raise ValueError(f"invalid dashboard configuration: {error}") from None


def _read(environ: Mapping[str, str], name: str, parse: Callable[[str], T], default: T) -> T:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return parse(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a valid {parse.__name__}") from None
