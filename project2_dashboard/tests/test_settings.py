"""Configuration: `DASHBOARD_*` environment variables with named defaults, checked at start-up."""

from __future__ import annotations

import pytest

from project2_dashboard.settings import (
    DEFAULT_INTERVAL,
    DEFAULT_MAX_CLIENTS,
    DEFAULT_QUEUE_SIZE,
    Settings,
)


def test_defaults_apply_when_no_variable_is_set():
    settings = Settings.from_env({})
    assert settings == Settings(DEFAULT_INTERVAL, DEFAULT_MAX_CLIENTS, DEFAULT_QUEUE_SIZE)
    assert (settings.interval, settings.max_clients) == (1.0, 10_000), "documented defaults"


def test_variables_override_the_defaults():
    environ = {
        "DASHBOARD_INTERVAL": "0.25",
        "DASHBOARD_MAX_CLIENTS": "50",
        "DASHBOARD_QUEUE_SIZE": "3",
    }
    assert Settings.from_env(environ) == Settings(interval=0.25, max_clients=50, queue_size=3)


def test_empty_variable_means_the_default():
    assert Settings.from_env({"DASHBOARD_INTERVAL": "  "}).interval == DEFAULT_INTERVAL


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DASHBOARD_INTERVAL", "fast"),
        ("DASHBOARD_MAX_CLIENTS", "1.5"),
        ("DASHBOARD_QUEUE_SIZE", "ten"),
    ],
)
def test_unparsable_value_is_refused_naming_the_variable(name, value):
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})


@pytest.mark.parametrize("interval", ["0", "-1", "nan", "inf"])
def test_interval_must_be_a_finite_positive_number(interval):
    with pytest.raises(ValueError, match="interval"):
        Settings.from_env({"DASHBOARD_INTERVAL": interval})


@pytest.mark.parametrize("field", ["max_clients", "queue_size"])
def test_counts_must_be_at_least_one(field):
    with pytest.raises(ValueError, match=field):
        Settings(**{field: 0})
