"""Reading the list of URLs to download.

One URL per line; blank lines and `#` comments (a whole line, or after a space) are ignored and
whitespace is stripped. A line that is not an http(s) URL is reported with its line number
instead of stopping the whole run, and the same URL listed twice is kept once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

COMMENT_PREFIX = "#"
INLINE_COMMENT = re.compile(r"\s#")
SCHEMES = ("http", "https")
MAX_PORT = 65535


class UrlFileError(Exception):
    """The URL file cannot be read at all (missing, unreadable, not UTF-8 text)."""


@dataclass(frozen=True)
class InvalidLine:
    line_number: int
    text: str
    reason: str


@dataclass
class UrlList:
    urls: list[str] = field(default_factory=list)
    invalid: list[InvalidLine] = field(default_factory=list)


def read_url_file(path: Path) -> UrlList:
    """Parse the URL file; raise UrlFileError with a one-line reason if it cannot be read."""
    try:
        # utf-8-sig: a file saved by Notepad starts with a byte-order mark that is not a URL.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UrlFileError(f"cannot read URL file {str(path)!r}: it is not UTF-8 text") from None
    except OSError as exc:
        raise UrlFileError(f"cannot read URL file {str(path)!r}: {exc.strerror}") from None
    # Only "\n" ends a line (a "\r" before it is stripped as whitespace): str.splitlines()
    # would also split a URL at a form feed or U+2028 and shift every later line number.
    return parse_url_lines(text.split("\n"))


def parse_url_lines(lines: Iterable[str]) -> UrlList:
    result = UrlList()
    seen: set[tuple[str, str, int | None, bytes]] = set()
    for line_number, line in enumerate(lines, start=1):
        text = INLINE_COMMENT.split(line, maxsplit=1)[0].strip()
        if not text or text.startswith(COMMENT_PREFIX):
            continue
        url = parse_http_url(text)
        if isinstance(url, str):
            result.invalid.append(InvalidLine(line_number, text, reason=url))
            continue
        # Keyed on what is requested: "HOST" and "host/", "a b" and "a%20b" are one URL, and
        # a fragment never leaves the client.
        key = (url.scheme, url.host, url.port, url.raw_path)
        if key not in seen:
            seen.add(key)
            result.urls.append(text)
    return result


def parse_http_url(text: str) -> httpx.URL | str:
    """The URL in `text`, or why it is not an absolute http(s) URL with a valid host and port."""
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as exc:
        return f"not a valid URL ({exc})"
    if url.scheme not in SCHEMES:
        return "not an http(s) URL"
    if not url.host:
        return "the URL has no host"
    if "%" in url.host:  # httpx percent-encodes a space in the host instead of refusing it
        return "the host name is not valid"
    if url.port is not None and url.port > MAX_PORT:
        return f"port {url.port} is out of range"
    return url
