"""One CPU reading: what it contains and how it is put on the wire.

The value is simulated (a uniform random percentage) so the exercise runs the same everywhere;
swapping in a real measurement means changing `simulated_cpu_usage` only.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import TypedDict

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S"
"""UTC, to the second, without an offset: `2026-01-31T12:00:05`."""

MIN_CPU_USAGE = 20.0
MAX_CPU_USAGE = 90.0


class Reading(TypedDict):
    """The JSON object every client receives."""

    timestamp: str
    cpu_usage: float


def simulated_cpu_usage(rng: random.Random) -> float:
    """A plausible CPU percentage, rounded to one decimal as the page shows it."""
    return round(rng.uniform(MIN_CPU_USAGE, MAX_CPU_USAGE), 1)


def take_reading(now: datetime, rng: random.Random) -> Reading:
    """The reading for the instant `now` (which must be timezone-aware)."""
    return Reading(
        timestamp=now.astimezone(UTC).strftime(TIMESTAMP_FORMAT),
        cpu_usage=simulated_cpu_usage(rng),
    )


def encode(reading: Reading) -> str:
    """Serialise once per tick: every client is sent this same string."""
    return json.dumps(reading)
