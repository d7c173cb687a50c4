"""The ways a delivery can be refused, each carrying its HTTP status and a message for the sender.

The parsing and checking modules raise these without knowing about HTTP responses; the app turns
every one of them into `{"detail": "..."}` with its status, so no bad input can become a 500.
"""

from __future__ import annotations

from typing import ClassVar


class Rejection(Exception):
    """A delivery the service refuses; `detail` is safe to show the sender."""

    status_code: ClassVar[int] = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidBody(Rejection):
    """The body is not a JSON text this service accepts."""


class BodyTooLarge(Rejection):
    """The body is over the configured size cap."""

    status_code: ClassVar[int] = 413


class BadSignature(Rejection):
    """The signature header is missing or does not match the body."""

    status_code: ClassVar[int] = 401
