"""The garbage collector, run between ticks instead of in the middle of a fan-out.

CPython's cyclic collector starts by itself once enough new objects are alive, and a fan-out
makes them: every client's sender allocates a new waiter as it goes back to its queue. Measured
at 5,000 clients with the default thresholds: in every tick, a young collection of 14-26 ms and a
middle one of 18-38 ms, both in the middle of the fan-out, and every 10-12 s a full collection of
620-760 ms, which walks every object of every connection and stalls a fan-out outright when it
falls inside one. Together they were a quarter of the server's CPU time, half of its user time.

So while the feed runs, automatic collections wait for far more new objects than a fan-out
leaves alive (a tick's net count returned to 0-170 here), and the producer collects instead,
right after each fan-out, when the loop would otherwise be idle: the young generations every
tick (this tick's survivors only, 11-30 ms at 5,000 clients) and everything once a minute, which
reclaims the reference cycles that departed clients leave behind. The automatic collector stays
on as the safety net for bursts, such as thousands of clients connecting at once.

A collection still runs on the event loop: while the full one runs (0.9 s at 5,000 clients) new
handshakes, `/stats` and incoming frames wait too, and at intervals shorter than it, the ticks it
covers are skipped. This is tuned for the generational collector of CPython 3.11 to 3.13; 3.14's
incremental collector gives the thresholds and `gc.collect(1)` other meanings: measure again there.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

AUTOMATIC_THRESHOLD = 100_000
"""New objects (allocations minus deallocations) before a collection starts by itself: CPython's
default is 700, which a fan-out to a few hundred clients already reaches."""
FULL_COLLECTION_SECONDS = 60.0
"""Seconds between two full collections. One walks every object (0.9 s at 5,000 clients here), so
it runs seldom and only ever just after a fan-out; at the default 1 s interval it delays no reading
up to about 5,000 clients."""
YOUNG = 1
"""`gc.collect(1)`: the two young generations, not the old one where the connections live."""
EVERYTHING = 2


class BetweenTicksCollector:
    """Takes over the timing of garbage collection from CPython while the feed runs.

    The thresholds are process-wide, so `start` saves them and `stop` puts them back: an app
    started and stopped many times in one process (as in the tests) leaves them as it found them.

    Parameters:
        clock: where the time comes from (monotonic seconds); tests pass a fake one.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._saved: tuple[int, int, int] | None = None
        self._last_full = clock()

    def start(self) -> None:
        """Raise the automatic threshold for the young generation; keep the others."""
        self._saved = gc.get_threshold()
        _, middle, old = self._saved
        gc.set_threshold(AUTOMATIC_THRESHOLD, middle, old)
        self._last_full = self.clock()

    def stop(self) -> None:
        """Give CPython back the thresholds it had."""
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    def collect(self) -> int:
        """Collect now, everything if a full collection is due; return the generation collected."""
        now = self.clock()
        generation = EVERYTHING if now - self._last_full >= FULL_COLLECTION_SECONDS else YOUNG
        gc.collect(generation)
        if generation == EVERYTHING:
            self._last_full = now
        return generation
