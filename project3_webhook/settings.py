"""The service's configuration, read once from environment variables.

Every knob has a named default, so `uvicorn project3_webhook.main:app` works with no environment at
all, and a bad value stops the server at start-up with a message naming the variable, rather than
surfacing later as a confusing failure on some request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
# Real webhook payloads nest a handful of levels; 64 leaves ample room while keeping every accepted
# body well inside what the JSON serialisers can write back out (orjson stops at 255 levels).
DEFAULT_MAX_DEPTH = 64
MAX_DEPTH_CEILING = 254
DEFAULT_LOG_FILE_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_LOG_FILE_BACKUPS = 5

ENV_MAX_BODY_BYTES = "WEBHOOK_MAX_BODY_BYTES"
ENV_MAX_DEPTH = "WEBHOOK_MAX_DEPTH"
ENV_SECRET = "WEBHOOK_SECRET"
ENV_LOG_FILE = "WEBHOOK_LOG_FILE"
ENV_LOG_FILE_MAX_BYTES = "WEBHOOK_LOG_FILE_MAX_BYTES"
ENV_LOG_FILE_BACKUPS = "WEBHOOK_LOG_FILE_BACKUPS"


@dataclass(frozen=True, slots=True)
class Settings:
    """How the service behaves.

    Parameters:
        max_body_bytes: larger bodies are refused with 413 before they are read whole.
        max_depth: JSON nested deeper than this many arrays/objects is refused with 400.
        secret: when set, every delivery must carry a valid `X-Hub-Signature-256`.
        log_file: when set, each delivery is also written there as one JSON line.
        log_file_max_bytes: the JSON-lines file is rotated once it has reached this size.
        log_file_backups: how many rotated files are kept.
    """

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    secret: bytes | None = None
    log_file: Path | None = None
    log_file_max_bytes: int = DEFAULT_LOG_FILE_MAX_BYTES
    log_file_backups: int = DEFAULT_LOG_FILE_BACKUPS

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Read the settings from `environ`; raise `ValueError` naming any bad variable."""
        secret = environ.get(ENV_SECRET, "")
        log_file = environ.get(ENV_LOG_FILE, "")
        return cls(
            max_body_bytes=_int(environ, ENV_MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES, minimum=1),
            max_depth=_int(
                environ, ENV_MAX_DEPTH, DEFAULT_MAX_DEPTH, minimum=1, maximum=MAX_DEPTH_CEILING
            ),
            secret=secret.encode() if secret else None,
            log_file=Path(log_file) if log_file else None,
            log_file_max_bytes=_int(
                environ, ENV_LOG_FILE_MAX_BYTES, DEFAULT_LOG_FILE_MAX_BYTES, minimum=1
            ),
            log_file_backups=_int(
                environ, ENV_LOG_FILE_BACKUPS, DEFAULT_LOG_FILE_BACKUPS, minimum=0
            ),
        )


def _int(
    environ: Mapping[str, str],
    name: str,
    default: int,
    *,
    minimum: int,
    maximum: int | None = None,
) -> int:
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {text!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f" and at most {maximum}"
        raise ValueError(f"{name} must be at least {minimum}{upper}, got {value}")
    return value
