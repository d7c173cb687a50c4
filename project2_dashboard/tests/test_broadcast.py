"""The broadcaster: one publish reaches every queue; a full queue loses its oldest message."""

from __future__ import annotations

import asyncio

import pytest

from project2_dashboard.broadcast import Broadcaster, DropOldestQueue, TooManyClients


def drain(queue: DropOldestQueue) -> list[str]:
    return [queue.get_nowait() for _ in range(len(queue))]


def test_every_subscriber_gets_each_published_message():
    broadcaster = Broadcaster(max_clients=10, queue_size=10)
    queues = [broadcaster.subscribe() for _ in range(3)]
    for message in ["a", "b", "c"]:
        broadcaster.publish(message)
    assert [drain(queue) for queue in queues] == [["a", "b", "c"]] * 3


def test_new_subscriber_starts_with_the_latest_message():
    broadcaster = Broadcaster(max_clients=10, queue_size=10)
    broadcaster.publish("old")
    broadcaster.publish("latest")
    assert drain(broadcaster.subscribe()) == ["latest"], "a new page must show a value at once"


def test_subscriber_before_the_first_reading_starts_empty():
    broadcaster = Broadcaster(max_clients=10, queue_size=10)
    assert len(broadcaster.subscribe()) == 0


def test_full_queue_drops_its_oldest_messages():
    broadcaster = Broadcaster(max_clients=10, queue_size=4)
    never_read = broadcaster.subscribe()
    for number in range(100):
        broadcaster.publish(str(number))
    assert drain(never_read) == ["96", "97", "98", "99"], "keep the newest, bounded by queue_size"
    assert broadcaster.dropped == 96


def test_subscribing_beyond_the_cap_is_refused():
    broadcaster = Broadcaster(max_clients=2, queue_size=4)
    broadcaster.subscribe()
    broadcaster.subscribe()
    with pytest.raises(TooManyClients):
        broadcaster.subscribe()
    assert broadcaster.client_count == 2


def test_unsubscribing_frees_a_place_and_stops_delivery():
    broadcaster = Broadcaster(max_clients=1, queue_size=4)
    queue = broadcaster.subscribe()
    broadcaster.unsubscribe(queue)
    broadcaster.publish("after")
    assert len(queue) == 0, "a client that left must not be fed"
    assert broadcaster.client_count == 0
    broadcaster.subscribe()


def test_unsubscribing_twice_is_harmless():
    broadcaster = Broadcaster(max_clients=1, queue_size=4)
    queue = broadcaster.subscribe()
    broadcaster.unsubscribe(queue)
    broadcaster.unsubscribe(queue)
    assert broadcaster.client_count == 0


async def test_get_waits_for_a_message_and_returns_the_oldest_first():
    queue = DropOldestQueue(maxsize=2)
    waiting = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    assert not waiting.done(), "get() on an empty queue must wait"
    queue.put_nowait("first")
    queue.put_nowait("second")
    assert await waiting == "first"
    assert await queue.get() == "second"


def test_put_reports_whether_it_dropped_the_oldest():
    queue = DropOldestQueue(maxsize=2)
    assert [queue.put_nowait(item) for item in "abc"] == [False, False, True]
    assert drain(queue) == ["b", "c"]
