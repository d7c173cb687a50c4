"""Each strategy returns the right documents in call order, and the server sees its concurrency.

Concurrency is proved by what the mock server counted (requests in flight at once), never by
timing: a slow machine changes the times, not the counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import pytest
import respx

from bonus_fast_api_calls.bench import strategy_plan
from bonus_fast_api_calls.calls import CallResult, Transport, fetch
from bonus_fast_api_calls.mock_api import item_document
from conftest import find_free_port

from .conftest import MockServer

CALLS = 8
LIMIT = 3
SEQUENTIAL = ["sync sequential", "await in a for loop"]
ALL_AT_ONCE = ["gather", "TaskGroup"]
BOUNDED = [f"gather + Semaphore({LIMIT})", f"{LIMIT} threads, sync client"]
ALL = SEQUENTIAL + ALL_AT_ONCE + BOUNDED
ASYNC = ["await in a for loop", "gather", f"gather + Semaphore({LIMIT})", "TaskGroup"]


def run(strategy: str, urls: Sequence[str], transport: Transport = Transport.AIOHTTP):
    """Run one strategy by its name in the benchmark, exactly as the benchmark does."""
    plan = dict(strategy_plan(urls, LIMIT, transport))
    return plan[strategy]().results


def documents(first: int, last: int) -> list[CallResult]:
    return [CallResult(document=item_document(n)) for n in range(first, last + 1)]


def later_calls_answer_first(server: MockServer, calls: int) -> list[str]:
    """Item URLs whose latency shrinks call by call, so completion order is the reverse of call
    order wherever calls overlap: only a strategy that keeps call order passes."""
    return [
        f"{server.base_url}/items/{n}?latency={0.04 * (calls - n)}" for n in range(1, calls + 1)
    ]


@pytest.mark.parametrize("strategy", ALL)
def test_every_strategy_returns_each_item_in_call_order(mock_server, strategy):
    results = run(strategy, later_calls_answer_first(mock_server, CALLS))

    assert results == documents(1, CALLS), (
        f"{strategy} must return item 1 to {CALLS} in call order, whichever answered first"
    )


@pytest.mark.parametrize("strategy", ASYNC)
def test_async_strategies_are_correct_over_httpx_own_transport_too(mock_server, strategy):
    results = run(strategy, later_calls_answer_first(mock_server, CALLS), Transport.HTTPCORE)

    assert results == documents(1, CALLS), f"{strategy} over httpcore must match the documents"


@pytest.mark.parametrize("strategy", SEQUENTIAL)
def test_sequential_strategies_never_have_two_calls_in_flight(start_mock, strategy):
    server = start_mock(latency=0.02)

    run(strategy, server.urls(CALLS))

    assert server.in_flight.peak == 1, (
        f"{strategy} waits for each call before the next: the server must never see two at once"
    )


@pytest.mark.parametrize("strategy", ALL_AT_ONCE)
def test_gather_and_task_group_have_every_call_in_flight_at_once(mock_server, strategy):
    run(strategy, mock_server.urls(CALLS))

    assert mock_server.in_flight.peak == CALLS, (
        f"{strategy} starts all {CALLS} calls before any answers: the server must see them all"
    )


@pytest.mark.parametrize("strategy", BOUNDED)
def test_semaphore_and_thread_pool_keep_exactly_the_limit_in_flight(mock_server, strategy):
    run(strategy, mock_server.urls(CALLS))

    assert mock_server.in_flight.peak == LIMIT, (
        f"{strategy} with limit {LIMIT} must fill, and never exceed, {LIMIT} calls in flight"
    )


@pytest.mark.parametrize("strategy", ALL)
def test_failed_calls_are_reported_in_their_place(start_mock, strategy):
    server = start_mock(latency=0.02, item_count=5)

    results = run(strategy, server.urls(CALLS))

    assert results[:5] == documents(1, 5), "the calls that succeeded keep their results"
    for number, result in enumerate(results[5:], start=6):
        assert "404" in str(result.error), (
            f"call {number} asks for an item that does not exist: its 404 must be reported, "
            f"got {result}"
        )


@pytest.mark.parametrize("strategy", ALL)
def test_an_unreachable_server_is_an_error_per_call_not_a_crash(strategy):
    urls = [f"http://127.0.0.1:{find_free_port()}/items/{n}" for n in range(1, 4)]

    results = run(strategy, urls)

    assert all(result.failed for result in results), "nothing listens: every call must fail"
    assert all("Connect" in str(result.error) for result in results), (
        f"the error must say the connection failed, got {results[0].error}"
    )


@respx.mock
async def test_a_body_that_is_not_json_is_an_error():
    respx.get("http://api.test/items/1").respond(200, text="<html>maintenance</html>")

    async with httpx.AsyncClient() as client:
        result = await fetch(client, "http://api.test/items/1")

    assert str(result.error).startswith("JSONDecodeError"), (
        f"a 200 answer that is not JSON is still a failed call, got {result}"
    )


@respx.mock
async def test_an_error_without_a_message_is_named_by_its_type():
    respx.get("http://api.test/items/1").mock(side_effect=httpx.PoolTimeout(""))

    async with httpx.AsyncClient() as client:
        result = await fetch(client, "http://api.test/items/1")

    assert result.error == "PoolTimeout", "httpx raises PoolTimeout with no message"
