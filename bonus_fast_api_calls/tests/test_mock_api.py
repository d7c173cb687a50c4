"""The mock API answers like a small real catalogue and counts what it is serving."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bonus_fast_api_calls.mock_api import MAX_LATENCY, InFlight, create_app, item_document
from bonus_fast_api_calls.server_thread import serve_in_thread


def test_an_item_answers_its_document(start_mock):
    server = start_mock(latency=0)

    response = httpx.get(f"{server.base_url}/items/7")

    assert response.status_code == 200
    assert response.json() == item_document(7) == {"id": 7, "name": "item 7", "price_cents": 359}


@pytest.mark.parametrize("n", ["0", "4", "-1"])
def test_items_outside_the_catalogue_are_404(start_mock, n):
    server = start_mock(latency=0, item_count=3)

    response = httpx.get(f"{server.base_url}/items/{n}")

    assert response.status_code == 404, f"item {n} is not in a catalogue of items 1 to 3"
    assert "1 to 3" in response.json()["detail"], "the 404 must say which items exist"


def test_an_item_number_that_is_not_a_number_is_422(start_mock):
    server = start_mock(latency=0)

    assert httpx.get(f"{server.base_url}/items/seven").status_code == 422


@pytest.mark.parametrize("latency", ["-0.1", str(MAX_LATENCY + 1), "soon", "nan"])
def test_a_latency_override_must_be_a_sane_number_of_seconds(start_mock, latency):
    server = start_mock(latency=0)

    response = httpx.get(f"{server.base_url}/items/1", params={"latency": latency})

    assert response.status_code == 422, f"latency={latency} must be refused, not slept on"


async def test_in_flight_counts_simultaneous_requests_and_returns_to_zero(start_mock):
    server = start_mock(latency=0.3)

    async with httpx.AsyncClient() as client:
        await asyncio.gather(*(client.get(url) for url in server.urls(5)))

    assert server.in_flight.peak == 5, "five requests waited together"
    assert server.in_flight.current == 0, "no request may stay counted after its answer"


def test_reset_peak_starts_a_new_measurement():
    in_flight = InFlight()
    with in_flight.serving(), in_flight.serving():
        pass
    assert in_flight.peak == 2

    in_flight.reset_peak()

    assert in_flight.peak == 0, "after a reset the peak is what is in flight now: nothing"


def test_serve_in_thread_serves_until_the_block_ends():
    with serve_in_thread(create_app(InFlight(), latency=0)) as base_url:
        assert httpx.get(f"{base_url}/items/1").json() == item_document(1)

    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/items/1")
