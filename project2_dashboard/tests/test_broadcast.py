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


async def test_subscriber_stuck_past_the_send_timeout_is_given_up_when_its_queue_overflows():
    broadcaster = Broadcaster(max_clients=10, queue_size=2, send_timeout=10)
    stuck, healthy = broadcaster.subscribe(), broadcaster.subscribe()
    stuck.taken_at -= 11  # its sender took its last message 11 s ago and is still sending it
    healthy.taken_at -= 11
    broadcaster.publish("a")
    broadcaster.publish("b")
    assert broadcaster.client_count == 2, "a queue that has not overflowed says nothing yet"
    await healthy.get()  # the healthy sender comes back for a message
    broadcaster.publish("c")  # both queues are full now; only the stuck one overflows...
    broadcaster.publish("d")  # ...and the healthy one overflows too, but it took one just now
    assert broadcaster.client_count == 1, "the stuck subscriber must be unsubscribed"
    await asyncio.wait_for(stuck.wait_given_up(), timeout=1)


async def test_subscriber_that_is_merely_slow_is_kept():
    broadcaster = Broadcaster(max_clients=10, queue_size=2, send_timeout=10)
    slow = broadcaster.subscribe()
    for message in "abcdef":
        broadcaster.publish(message)
    assert broadcaster.client_count == 1, "overflowing alone is not stuck: messages are dropped"
    assert drain(slow) == ["e", "f"], "it is still served, the newest readings first in line"
