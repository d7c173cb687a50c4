"""Parsing a body as JSON exactly as RFC 8259 defines it, with every failure a clear `InvalidBody`.

Two parsers, one meaning. orjson is strict RFC 8259 and several times faster than `json`, but it
reads integers beyond 64 bits as floats (which would make the log an unfaithful record) and
refuses a few valid texts (lone `\ud800` escapes, nesting past its own limit). So orjson takes
every body it can read exactly; anything it refuses, or that holds a run of 19 or more digits,
goes to the standard library's parser, which decides and says precisely what is wrong.

`json.loads` alone would not do for untrusted input either: it accepts `NaN` and `Infinity`, turns
`1e400` into an infinity no JSON writer can write back, raises `RecursionError` (not a
`ValueError`) on deep nesting, and a plain `ValueError` on integers over 4,300 digits.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable
from typing import NoReturn

import orjson

from project3_webhook.errors import InvalidBody


def parse(raw: bytes, max_depth: int) -> object:
    """Return the JSON value in `raw`, or raise `InvalidBody` saying what is wrong with it."""
    if not raw.strip():
        raise InvalidBody("empty body: a webhook must carry a JSON value")
    value = _NOT_PARSED if _has_long_digit_run(raw) else _parse_fast(raw)
    if value is _NOT_PARSED:
        value = _parse_exactly(raw, max_depth)
    # Only a body with more brackets than the limit can nest deeper than it.
    if raw.count(b"[") + raw.count(b"{") > max_depth and _deeper_than(value, max_depth):
        raise _too_deep(max_depth)
    return value


def _has_long_digit_run(raw: bytes) -> bool:
    # Every digit becomes "0", so a run of digits becomes a run of zeros: one C-speed pass and a
    # substring search, several times faster than a regular expression for \d{19}.
    return _LONG_ZERO_RUN in raw.translate(_DIGITS_TO_ZERO)


def _parse_fast(raw: bytes) -> object:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _NOT_PARSED


def _parse_exactly(raw: bytes, max_depth: int) -> object:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidBody(f"body is not valid UTF-8 (bad byte at offset {exc.start})") from None
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise InvalidBody(f"malformed JSON: {exc}") from None
    except RecursionError:
        raise _too_deep(max_depth) from None
    except ValueError:
        # The only other ValueError json raises is int()'s guard against huge digit strings.
        limit = sys.get_int_max_str_digits()
        raise InvalidBody(f"an integer in the body has more than {limit} digits") from None


def _reject_constant(name: str) -> NoReturn:
    raise InvalidBody(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise InvalidBody(f"number {text[:40]} is too large to represent")
    return number


# Integers up to 18 digits always fit in 64 bits; longer runs may not, so orjson is not asked.
_LONG_ZERO_RUN = b"0" * 19
_DIGITS_TO_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_NOT_PARSED = object()
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def _deeper_than(value: object, limit: int) -> bool:
    """Whether arrays/objects nest more than `limit` levels (iteratively: no recursion to blow)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children: Iterable[object]
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _too_deep(limit: int) -> InvalidBody:
    return InvalidBody(f"JSON is nested more than {limit} levels deep")
