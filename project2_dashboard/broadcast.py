"""Fan-out from one producer to many clients, each behind its own small queue.

Publishing never awaits: it drops the message into every client's queue and returns, so one
slow client cannot hold up the producer or anyone else. Each queue is bounded and, when full,
loses its *oldest* message: a dashboard wants the newest reading, and a stalled client costs
at most `queue_size` messages of memory.
"""

from __future__ import annotations

import asyncio
from collections import deque


class DropOldestQueue:
    """A bounded queue of messages for one consumer; adding to a full one drops the oldest.

    `asyncio.Queue` could do it (`get_nowait()` before `put_nowait()` when full), but it carries
    four deques and an Event for what a fan-out never uses (blocking puts, several consumers,
    `join()`): two kilobytes per client. With thousands of clients, this one-deque version is
    both smaller and quicker to publish to.

    Parameters:
        maxsize: how many messages may wait.
    """

    def __init__(self, maxsize: int) -> None:
        self._messages: deque[str] = deque(maxlen=maxsize)
        self._waiter: asyncio.Future[None] | None = None

    def __len__(self) -> int:
        return len(self._messages)

    def put_nowait(self, message: str) -> bool:
        """Add `message`, never waiting; return whether the oldest message was dropped for it."""
        dropped = len(self._messages) == self._messages.maxlen
        self._messages.append(message)  # a full deque with maxlen drops from the other end
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        return dropped

    def get_nowait(self) -> str:
        """The oldest message; `IndexError` if there is none."""
        return self._messages.popleft()

    async def get(self) -> str:
        """The oldest message, waiting for one if the queue is empty."""
        while not self._messages:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._messages.popleft()


class TooManyClients(Exception):
    """Raised by `Broadcaster.subscribe` when the cap on simultaneous clients is reached."""


class Broadcaster:
    """The set of subscribed client queues and the latest message.

    Parameters:
        max_clients: how many subscribers may exist at once.
        queue_size: how many messages may wait for one subscriber before the oldest is dropped.
    """

    def __init__(self, max_clients: int, queue_size: int) -> None:
        self.max_clients = max_clients
        self.queue_size = queue_size
        self.latest: str | None = None
        self.published = 0
        self.dropped = 0
        self._queues: set[DropOldestQueue] = set()

    @property
    def client_count(self) -> int:
        return len(self._queues)

    def subscribe(self) -> DropOldestQueue:
        """A new queue that starts with the latest message, so a new page shows a value at once.

        Checking the cap and adding the queue happen without an await in between, so two
        clients arriving together can never both take the last place.
        """
        if len(self._queues) >= self.max_clients:
            raise TooManyClients(f"{len(self._queues)} clients already connected")
        queue = DropOldestQueue(self.queue_size)
        if self.latest is not None:
            queue.put_nowait(self.latest)
        self._queues.add(queue)
        return queue

    def unsubscribe(self, queue: DropOldestQueue) -> None:
        """Forget `queue`; safe to call twice (a `finally` may run after an earlier removal)."""
        self._queues.discard(queue)

    def publish(self, message: str) -> None:
        """Queue `message` for every subscriber, dropping each full queue's oldest message."""
        self.latest = message
        self.published += 1
        # A snapshot: the loop below never awaits today, but iterating the live set would turn
        # any future await here into "Set changed size during iteration".
        for queue in tuple(self._queues):
            self.dropped += queue.put_nowait(message)
