"""A reading: a UTC timestamp to the second and a CPU percentage with one decimal."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone

from project2_dashboard.readings import encode, simulated_cpu_usage, take_reading


def test_timestamp_is_utc_in_the_documented_format():
    paris_summer = timezone(timedelta(hours=2))
    now = datetime(2026, 7, 1, 14, 30, 5, 999_999, tzinfo=paris_summer)
    reading = take_reading(now, random.Random(1))
    assert reading["timestamp"] == "2026-07-01T12:30:05", "UTC, seconds, no offset, no fraction"


def test_cpu_usage_stays_between_20_and_90_with_one_decimal():
    rng = random.Random(0)
    values = [simulated_cpu_usage(rng) for _ in range(10_000)]
    assert all(20.0 <= value <= 90.0 for value in values), "cpu_usage must stay in [20, 90]"
    assert all(round(value, 1) == value for value in values), "one decimal, as the page shows"
    assert len(set(values)) > 500, "the values should vary, not repeat one number"


def test_encoded_reading_is_a_json_object_with_exactly_the_two_fields():
    reading = take_reading(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), random.Random(2))
    decoded = json.loads(encode(reading))
    assert decoded == reading
    assert set(decoded) == {"timestamp", "cpu_usage"}
    assert isinstance(decoded["cpu_usage"], float), "a JSON number, not a string"
