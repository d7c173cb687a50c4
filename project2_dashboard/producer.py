"""The single producer: one reading per interval, published to every client.

One task for everyone, rather than a timer loop per connection, is what makes every client
see the same stream, and it serialises each reading once instead of once per client.
"""

from __future__ import annotations

import asyncio
import math
import random
from datetime import UTC, datetime

from project2_dashboard.broadcast import Broadcaster
from project2_dashboard.collector import BetweenTicksCollector
from project2_dashboard.readings import encode, take_reading
from project2_dashboard.tasks import cancel_and_wait


def next_tick(tick: int, start: float, interval: float, now: float) -> int:
    """The number of the next tick to wait for, on the fixed grid `start + n * interval`.

    Sleeping "interval" after each reading would add the time spent working (and the loop's
    lateness) to every period, so the stream would slowly drift. Aiming at grid points keeps an
    hour at 1 Hz at 3,600 readings. If the loop was blocked past whole ticks, they are skipped
    rather than sent in a burst: a stale CPU reading is worth nothing.
    """
    ticks_passed = math.floor((now - start) / interval)
    return max(tick + 1, ticks_passed + 1)


async def run_producer(
    broadcaster: Broadcaster,
    interval: float,
    rng: random.Random,
    collector: BetweenTicksCollector,
) -> None:
    """Publish a reading at once and then on every tick, until cancelled; collect garbage between.

    `publish` only wakes the senders; yielding once puts the producer behind all of them in the
    loop's queue of ready callbacks, so when it resumes every sender that could write the reading
    has written it, and the collection that follows delays no client.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    tick = 0
    while True:
        broadcaster.publish(encode(take_reading(datetime.now(UTC), rng)))
        await asyncio.sleep(0)
        collector.collect()
        tick = next_tick(tick, start, interval, loop.time())
        await asyncio.sleep(start + tick * interval - loop.time())


class CpuFeed:
    """The broadcaster and the producer task that feeds it, started and stopped by lifespan.

    Parameters:
        broadcaster: where readings are published.
        interval: seconds between readings.
    """

    def __init__(self, broadcaster: Broadcaster, interval: float) -> None:
        self.broadcaster = broadcaster
        self.interval = interval
        self.collector = BetweenTicksCollector()
        """Runs the garbage collector between ticks while the producer runs."""
        self.producer: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Create the producer task; call from inside the running loop (lifespan startup)."""
        self.producer = asyncio.create_task(
            run_producer(self.broadcaster, self.interval, random.Random(), self.collector),
            name="cpu-producer",
        )
        self.collector.start()  # before the task's first step: it runs at the next await

    async def stop(self) -> None:
        """Cancel the producer and wait for it, so shutdown leaves no pending task behind."""
        try:
            if self.producer is not None:
                await cancel_and_wait(self.producer)
        finally:
            self.collector.stop()
