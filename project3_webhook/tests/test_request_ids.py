"""Request ids: unguessable, distinct, and cheap to make on the event loop."""

from __future__ import annotations

import os
import re
from types import SimpleNamespace

from project3_webhook import delivery
from project3_webhook.delivery import REQUEST_ID_BYTES, RequestIds


def test_request_id_is_128_random_bits_as_32_hex_digits():
    request_id = RequestIds().next()
    assert re.fullmatch(r"[0-9a-f]{32}", request_id), f"expected 32 hex digits, got {request_id!r}"


def test_request_ids_stay_distinct_across_draws_from_the_os():
    ids = RequestIds(ids_per_draw=3)
    drawn = [ids.next() for _ in range(10)]
    assert len(set(drawn)) == len(drawn), "ids from one draw and from the next must never repeat"


def test_random_bytes_are_drawn_once_per_batch_of_ids(monkeypatch):
    draws: list[int] = []

    def counting_urandom(size: int) -> bytes:
        draws.append(size)
        return os.urandom(size)

    monkeypatch.setattr(delivery, "os", SimpleNamespace(urandom=counting_urandom))
    ids = RequestIds(ids_per_draw=4)
    for _ in range(8):
        ids.next()
    assert draws == [4 * REQUEST_ID_BYTES] * 2, (
        "each os.urandom call hands the GIL to the logging thread: one draw per 4 ids here"
    )
