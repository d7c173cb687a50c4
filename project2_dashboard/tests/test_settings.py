"""Configuration: `DASHBOARD_*` environment variables with named defaults, checked at start-up."""

from __future__ import annotations

import re

import pytest

from project2_dashboard.settings import (
    DEFAULT_INTERVAL,
    DEFAULT_MAX_CLIENTS,
    DEFAULT_QUEUE_SIZE,
    DEFAULT_SEND_TIMEOUT,
    Settings,
)


def test_defaults_apply_when_no_variable_is_set():
    settings = Settings.from_env({})
    assert settings == Settings(
        DEFAULT_INTERVAL, DEFAULT_MAX_CLIENTS, DEFAULT_QUEUE_SIZE, DEFAULT_SEND_TIMEOUT
    )
    assert (settings.interval, settings.max_clients) == (1.0, 10_000), "documented defaults"
    assert settings.send_timeout == 10.0, "documented default"


def test_variables_override_the_defaults():
    environ = {
        "DASHBOARD_INTERVAL": "0.25",
        "DASHBOARD_MAX_CLIENTS": "50",
        "DASHBOARD_QUEUE_SIZE": "3",
        "DASHBOARD_SEND_TIMEOUT": "2.5",
    }
    expected = Settings(interval=0.25, max_clients=50, queue_size=3, send_timeout=2.5)
    assert Settings.from_env(environ) == expected


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
    with pytest.raises(ValueError, match="DASHBOARD_INTERVAL"):
        Settings.from_env({"DASHBOARD_INTERVAL": interval})


@pytest.mark.parametrize("interval", ["1e-9", "0.001", "1e300", "3601"])
def test_absurd_interval_is_refused_naming_the_variable_and_the_range(interval):
    # 1e-9 would make the producer a busy loop; 1e300 would send one reading and then nothing.
    expected = f"DASHBOARD_INTERVAL must be between 0.01 and 3600 seconds, got '{interval}'"
    # The whole message, exactly: which variable, what range, what was given.
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        Settings.from_env({"DASHBOARD_INTERVAL": interval})


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DASHBOARD_MAX_CLIENTS", "0", "between 1 and 100000, got '0'"),
        ("DASHBOARD_MAX_CLIENTS", "100001", "between 1 and 100000, got '100001'"),
        ("DASHBOARD_QUEUE_SIZE", "0", "between 1 and 1000, got '0'"),
        ("DASHBOARD_QUEUE_SIZE", "10000", "between 1 and 1000, got '10000'"),
        ("DASHBOARD_SEND_TIMEOUT", "0", "between 0.1 and 600 seconds, got '0'"),
        ("DASHBOARD_SEND_TIMEOUT", "1e9", "between 0.1 and 600 seconds, got '1e9'"),
    ],
)
def test_out_of_range_value_is_refused_naming_the_variable(name, value, expected):
    with pytest.raises(ValueError, match=f"^{re.escape(f'{name} must be {expected}')}$"):
        Settings.from_env({name: value})


@pytest.mark.parametrize(
    ("field", "value", "variable"),
    [
        ("interval", 1e-9, "DASHBOARD_INTERVAL"),
        ("max_clients", 0, "DASHBOARD_MAX_CLIENTS"),
        ("queue_size", 0, "DASHBOARD_QUEUE_SIZE"),
        ("send_timeout", float("inf"), "DASHBOARD_SEND_TIMEOUT"),
    ],
)
def test_settings_built_in_code_are_checked_against_the_same_ranges(field, value, variable):
    with pytest.raises(ValueError, match=f"^{variable} must be between"):
        Settings(**{field: value})


def test_the_bounds_themselves_are_accepted():
    lowest = {"DASHBOARD_INTERVAL": "0.01", "DASHBOARD_MAX_CLIENTS": "1"}
    highest = {"DASHBOARD_INTERVAL": "3600", "DASHBOARD_QUEUE_SIZE": "1000"}
    assert Settings.from_env(lowest) == Settings(interval=0.01, max_clients=1)
    assert Settings.from_env(highest) == Settings(interval=3600, queue_size=1000)
