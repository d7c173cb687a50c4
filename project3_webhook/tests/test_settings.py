"""Configuration from environment variables: named defaults, and bad values refused at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from project3_webhook.settings import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_DEPTH,
    ENV_LOG_FILE,
    ENV_MAX_BODY_BYTES,
    ENV_MAX_DEPTH,
    ENV_SECRET,
    Settings,
)


def test_no_environment_gives_the_defaults():
    settings = Settings.from_env({})
    assert settings.max_body_bytes == DEFAULT_MAX_BODY_BYTES == 1024 * 1024
    assert settings.max_depth == DEFAULT_MAX_DEPTH
    assert settings.secret is None, "without WEBHOOK_SECRET the endpoint is open"
    assert settings.log_file is None, "console only unless WEBHOOK_LOG_FILE is set"


def test_environment_overrides_the_defaults():
    settings = Settings.from_env(
        {ENV_MAX_BODY_BYTES: "2048", ENV_SECRET: "s3cret", ENV_LOG_FILE: "out.jsonl"}
    )
    assert settings.max_body_bytes == 2048
    assert settings.secret == b"s3cret"
    assert settings.log_file == Path("out.jsonl")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (ENV_MAX_BODY_BYTES, "1MB"),
        (ENV_MAX_BODY_BYTES, "0"),
        (ENV_MAX_DEPTH, "-1"),
        (ENV_MAX_DEPTH, "1000"),
    ],
)
def test_bad_value_is_refused_naming_the_variable(name, value):
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})
