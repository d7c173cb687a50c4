"""Garbage collection waits for the end of a fan-out, and the process gets its settings back."""

from __future__ import annotations

import asyncio
import gc
import random
from collections.abc import Iterator

import pytest

from project2_dashboard.broadcast import Broadcaster
from project2_dashboard.collector import (
    AUTOMATIC_THRESHOLD,
    EVERYTHING,
    FULL_COLLECTION_SECONDS,
    YOUNG,
    BetweenTicksCollector,
)
from project2_dashboard.producer import CpuFeed, run_producer

pytestmark = pytest.mark.timeout(30)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generation of every collection that runs while the test does."""
    seen: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(note)
    try:
        yield seen
    finally:
        gc.callbacks.remove(note)


def test_automatic_collections_wait_for_many_more_objects_while_started():
    before = gc.get_threshold()
    collector = BetweenTicksCollector()
    collector.start()
    try:
        assert gc.get_threshold() == (AUTOMATIC_THRESHOLD, *before[1:])
    finally:
        collector.stop()
    assert gc.get_threshold() == before, "the process-wide thresholds must be put back"


def test_a_collection_between_ticks_is_of_the_young_generations(collections):
    assert BetweenTicksCollector().collect() == YOUNG
    assert collections[-1] == YOUNG
    assert EVERYTHING not in collections, "the old generation holds every connection"


def test_everything_is_collected_once_the_full_collection_interval_has_passed(collections):
    clock = FakeClock()
    collector = BetweenTicksCollector(clock=clock)
    clock.now += FULL_COLLECTION_SECONDS - 1
    generations = [collector.collect()]
    clock.now += 1
    generations += [collector.collect(), collector.collect()]
    assert generations == [YOUNG, EVERYTHING, YOUNG], "one full collection per interval"
    assert collections.count(EVERYTHING) == 1


async def test_the_collection_starts_only_after_every_sender_has_its_reading():
    events: list[str] = []
    collected = asyncio.Event()

    class RecordingCollector(BetweenTicksCollector):
        def collect(self) -> int:
            events.append("collect")
            collected.set()
            return YOUNG

    broadcaster = Broadcaster(max_clients=10, queue_size=8)

    async def sender(n: int) -> None:
        queue = broadcaster.subscribe()
        while True:
            await queue.get()
            events.append(f"sent {n}")

    senders = [asyncio.create_task(sender(n)) for n in range(5)]
    await asyncio.sleep(0)  # every sender is now waiting on its queue
    producer = asyncio.create_task(
        run_producer(broadcaster, 3600.0, random.Random(1), RecordingCollector())
    )
    await collected.wait()
    for task in [producer, *senders]:
        task.cancel()
    await asyncio.gather(producer, *senders, return_exceptions=True)
    *sends, last = events
    assert last == "collect", "collecting before the senders ran would delay every client"
    assert sorted(sends) == [f"sent {n}" for n in range(5)], "each sender had its reading first"


async def test_stopping_the_feed_puts_the_thresholds_back():
    before = gc.get_threshold()
    feed = CpuFeed(Broadcaster(max_clients=10, queue_size=8), interval=0.01)
    feed.start()
    assert gc.get_threshold()[0] == AUTOMATIC_THRESHOLD
    await feed.stop()
    assert gc.get_threshold() == before
