"""Fan-out from one producer to many clients, each behind its own small queue.

Publishing never awaits: it drops the message into every client's queue and returns, so one
slow client cannot hold up the producer or anyone else. Each queue is bounded and, when full,
loses its *oldest* message: a dashboard wants the newest reading, and a stalled client costs
at most `queue_size` messages of memory.

A client that stops reading altogether would keep its place (and its socket) for ever, its
sender waiting in a send that can never complete. Rather than time every send (a timer per
client per tick, which measured 30% more fan-out time), publishing notices it for free: only a
stuck client's queue overflows, and when one overflows while its sender has not come for a
message in `send_timeout` seconds, the client is given up.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from project2_dashboard.settings import DEFAULT_SEND_TIMEOUT


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
        self._given_up: asyncio.Future[None] | None = None
        self.taken_at = time.monotonic()
        """When the consumer last took a message (or the queue was made)."""

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
        self.taken_at = time.monotonic()
        return self._messages.popleft()

    def give_up(self) -> None:
        """Tell the consumer, waiting in `wait_given_up`, that it is no longer served."""
        if self._given_up is None:
            self._given_up = asyncio.get_running_loop().create_future()
        if not self._given_up.done():
            self._given_up.set_result(None)

    async def wait_given_up(self) -> None:
        """Return once `give_up` has been called."""
        if self._given_up is None:
            self._given_up = asyncio.get_running_loop().create_future()
        await self._given_up


class TooManyClients(Exception):
    """Raised by `Broadcaster.subscribe` when the cap on simultaneous clients is reached."""


class Broadcaster:
    """The set of subscribed client queues and the latest message.

    Parameters:
        max_clients: how many subscribers may exist at once.
        queue_size: how many messages may wait for one subscriber before the oldest is dropped.
        send_timeout: seconds a subscriber whose queue overflows may go without taking a
            message before it is given up (unsubscribed and told so).
    """

    def __init__(
        self, max_clients: int, queue_size: int, send_timeout: float = DEFAULT_SEND_TIMEOUT
    ) -> None:
        self.max_clients = max_clients
        self.queue_size = queue_size
        self.send_timeout = send_timeout
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
        """Queue `message` for every subscriber, dropping each full queue's oldest message.

        A subscriber whose queue overflows and who took nothing for `send_timeout` is stuck in
        a send: it is unsubscribed and given up. Healthy subscribers cost no clock reading.
        """
        self.latest = message
        self.published += 1
        now = time.monotonic()
        # A snapshot: iterating the live set while giving up a subscriber (or, one day, awaiting
        # here) would be "Set changed size during iteration".
        for queue in tuple(self._queues):
            if queue.put_nowait(message):
                self.dropped += 1
                if now - queue.taken_at > self.send_timeout:
                    self.unsubscribe(queue)
                    queue.give_up()
