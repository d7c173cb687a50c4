"""Parsing a body as JSON exactly as RFC 8259 defines it, with every failure a clear `InvalidBody`.

Python's `json.loads` is close but not quite right for untrusted input: it accepts `NaN` and
`Infinity`, turns `1e400` into an infinity no JSON writer can write back, raises `RecursionError`
(not a `ValueError`) on deep nesting, and a plain `ValueError` on integers over 4,300 digits. We
still use it rather than a faster parser because it keeps every integer exact: orjson, for one,
turns integers beyond 64 bits into floats, which would make the log an unfaithful record.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable
from typing import NoReturn

from project3_webhook.errors import InvalidBody


def parse(raw: bytes, max_depth: int) -> object:
    """Return the JSON value in `raw`, or raise `InvalidBody` saying what is wrong with it."""
    if not raw.strip():
        raise InvalidBody("empty body: a webhook must carry a JSON value")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidBody(f"body is not valid UTF-8 (bad byte at offset {exc.start})") from None
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise InvalidBody(f"malformed JSON: {exc}") from None
    except RecursionError:
        raise _too_deep(max_depth) from None
    except ValueError:
        # The only other ValueError json raises is int()'s guard against huge digit strings.
        limit = sys.get_int_max_str_digits()
        raise InvalidBody(f"an integer in the body has more than {limit} digits") from None
    if _deeper_than(value, max_depth):
        raise _too_deep(max_depth)
    return value


def _reject_constant(name: str) -> NoReturn:
    raise InvalidBody(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise InvalidBody(f"number {text[:40]} is too large to represent")
    return number


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
