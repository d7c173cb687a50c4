"""One accepted webhook, and the two ways it is written down: for people and for programs.

A `Delivery` is built on the event loop from cheap pieces (header values are cut to size there) and
is the message of its log record. Rendering it — escaping the header values for people,
pretty-printing the body, formatting the timestamp, serialising the JSON line — is left to
whoever formats the record; in the running service that is the queue handler, as the record is
logged (`log_setup.py` says why there).
"""

from __future__ import annotations

import functools
import json
import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

# Only these headers are logged. An allow-list rather than a deny-list, because senders put
# secrets in headers we cannot all know about (GitLab's X-Gitlab-Token, API keys); Authorization,
# Cookie and signature headers are therefore never written anywhere. Lower case, as in ASGI.
LOGGED_HEADERS = frozenset(
    {b"user-agent", b"content-type", b"x-github-event", b"x-github-delivery", b"webhook-id"}
)
# Where senders put their own id for a delivery: GitHub, and the Standard Webhooks spec.
DELIVERY_ID_HEADERS = ("x-github-delivery", "webhook-id")

# Control characters (C0, DEL, C1), Unicode line/paragraph separators, and the backslash itself
# (so an escaped value reads unambiguously). Anything matched is written as a \x.. or \u.... escape.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\\]")


# Headers have no size limit of their own (uvicorn's default HTTP parser accepts a 30 MB
# User-Agent): a logged value is cut to this many characters, so that the body cap bounds a record.
MAX_LOGGED_HEADER_CHARS = 1000


def cut(value: str) -> str:
    """A header `value` as it is logged: at most `MAX_LOGGED_HEADER_CHARS` characters of it, with a
    note of how many more there were."""
    if len(value) <= MAX_LOGGED_HEADER_CHARS:
        return value
    more = len(value) - MAX_LOGGED_HEADER_CHARS
    return f"{value[:MAX_LOGGED_HEADER_CHARS]}... ({more} more characters not logged)"


def escape(value: str) -> str:
    """`value` with every character that could forge or garble a log line escaped."""
    # The common case, nothing to escape, in a third of the time a substitution takes: every
    # unsafe character but the backslash is one that isprintable() refuses.
    if value.isprintable() and "\\" not in value:
        return value
    return _UNSAFE.sub(_escape_char, value)


# What JSON allows raw inside strings but a terminal or a log viewer may act on: DEL, the C1
# controls (U+009B starts an escape sequence as ESC [ does, U+0085 is a line break to some viewers)
# and the Unicode line and paragraph separators.
_UNSAFE_IN_JSON = re.compile(r"[\x7f-\x9f\u2028\u2029]")


def escape_json(data: bytes) -> bytes:
    """UTF-8 JSON `data` with each of `_UNSAFE_IN_JSON` written as a \\u escape: the same value.

    Outside strings these characters cannot occur in JSON, and inside a string "\\u0085" means
    what the raw character means.
    """
    if data.isascii() and b"\x7f" not in data:  # the common case: two scans at C speed
        return data
    return _UNSAFE_IN_JSON.sub(_json_escape_char, data.decode()).encode()


def _json_escape_char(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\\":
        return "\\\\"
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


# ".000Z" to ".999Z": a lookup costs half what formatting the fraction each time does, and this
# runs three times for every delivery (the console line's time, the summary, the JSON line).
_MILLISECONDS = tuple(f".{milliseconds:03d}Z" for milliseconds in range(1000))


def iso_utc(timestamp: float) -> str:
    """`timestamp` in ISO 8601, UTC, to the millisecond (truncated, as `logging` does it):
    2026-01-31T12:00:00.123Z."""
    whole = int(timestamp)
    return _iso_seconds(whole) + _MILLISECONDS[int((timestamp - whole) * 1000)]


@functools.lru_cache(maxsize=4)
def _iso_seconds(whole_seconds: int) -> str:
    # Formatting a datetime costs microseconds; the seconds part changes only once a second.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole_seconds))


# Random bytes fetched from the operating system at once: enough for this many request ids.
IDS_PER_DRAW = 256
REQUEST_ID_BYTES = 16


class RequestIds:
    """Fresh, unguessable request ids: 128 random bits each, as 32 hex digits.

    `uuid.uuid4()` would call `os.urandom(16)` for every id, and `os.urandom` releases the GIL
    around its system call. With the logging thread waiting for the GIL, each id handed it over,
    and the event loop then waited (up to the interpreter's 5 ms switch interval) to get it back.
    Drawing the random bytes for `IDS_PER_DRAW` ids at once makes that one hand-over in 256.

    Nothing is drawn until the first call, so an instance may be made before a server forks its
    workers; one that has already drawn must not be carried across a fork, or two processes
    would hand out the same ids.
    """

    def __init__(self, ids_per_draw: int = IDS_PER_DRAW) -> None:
        self._draw_size = ids_per_draw * REQUEST_ID_BYTES
        self._pool = b""
        self._offset = 0

    def next(self) -> str:
        """The next id; no two calls return the same one (barring a 2**-128 chance)."""
        if self._offset >= len(self._pool):
            self._pool = os.urandom(self._draw_size)
            self._offset = 0
        start = self._offset
        self._offset = start + REQUEST_ID_BYTES
        return self._pool[start : self._offset].hex()


@dataclass(frozen=True, slots=True)
class Delivery:
    """An accepted webhook: what is logged about it.

    Parameters:
        request_id: our id, also sent back in `X-Request-ID`.
        received_at: when the request reached the endpoint, in seconds since the epoch.
        headers: the allow-listed headers that were present, values as received (read as latin-1,
            the HTTP rule) and `cut` to size; escaped only where people read them.
        delivery_id: the sender's own id for the delivery, likewise, if it sent one.
        body: the parsed JSON value.
    """

    request_id: str
    received_at: float
    headers: Mapping[str, str]
    delivery_id: str | None
    body: object

    @classmethod
    def from_request(
        cls,
        request_id: str,
        received_at: float,
        raw_headers: Iterable[tuple[bytes, bytes]],
        body: object,
    ) -> Delivery:
        """Pick the headers worth logging from the request's raw ASGI headers, `cut` to size.

        One pass over the raw list: looking names up in Starlette's `Headers` decodes the whole
        list once per name. A repeated header is logged with its first value.
        """
        logged: dict[str, str] = {}
        for name, value in raw_headers:
            if name in LOGGED_HEADERS:
                logged.setdefault(name.decode("latin-1"), cut(value.decode("latin-1")))
        delivery_id = next((logged[name] for name in DELIVERY_ID_HEADERS if name in logged), None)
        return cls(request_id, received_at, logged, delivery_id, body)

    @property
    def received_at_iso(self) -> str:
        """The receive time in ISO 8601, UTC, to the millisecond."""
        return iso_utc(self.received_at)

    def pretty_body(self) -> str:
        """The body as JSON indented by two spaces."""
        try:
            return escape_json(orjson.dumps(self.body, option=orjson.OPT_INDENT_2)).decode()
        except orjson.JSONEncodeError:
            # orjson refuses integers beyond 64 bits and lone surrogates, both valid JSON input.
            return json.dumps(self.body, indent=2)

    def json_line(self) -> bytes:
        """One line of JSON for machines, as the file holds it: UTF-8, ending in a newline.

        The object has id, received_at, delivery_id, headers and body, header values as received:
        JSON's own escapes, and `escape_json`, keep every control character out of the line.
        """
        record: dict[str, Any] = {
            "id": self.request_id,
            "received_at": self.received_at_iso,
            "delivery_id": self.delivery_id,
            "headers": dict(self.headers),
            "body": self.body,
        }
        try:
            line = orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
        except orjson.JSONEncodeError:
            # json.dumps writes every non-ASCII character as an escape.
            return json.dumps(record, separators=(",", ":")).encode() + b"\n"
        return escape_json(line)

    def __str__(self) -> str:
        """The human-readable record: a summary line, then the pretty-printed body."""
        headers = " ".join(f'{name}="{escape(value)}"' for name, value in self.headers.items())
        return (
            f"webhook received id={self.request_id} received_at={self.received_at_iso} "
            f"{headers}\n{self.pretty_body()}"
        )
