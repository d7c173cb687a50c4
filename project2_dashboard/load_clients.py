"""Many lightweight WebSocket clients in one process, timing each message as it arrives.

The load test runs a few of these processes on the same two cores as the server, so the
clients must not become the bottleneck they are measuring: a busy client process reads its
sockets late, and that delay would be blamed on the server's fan-out. So each client is
websockets' sans-I/O protocol inside a bare asyncio `Protocol` on uvloop (no task per client),
the arrival time is read first thing in `data_received`, and a chunk that is exactly one small
data frame (every tick, on loopback) is only stored with its arrival time; parsing waits for
the next chunk that is anything else (a keepalive ping, which must be answered, or a close)
or for the end of the test.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import cast

import uvloop
from websockets.client import ClientProtocol
from websockets.extensions.base import ClientExtensionFactory
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

DATA_FRAME_FIRST_BYTES = (0x81, 0xC1)
"""FIN + text opcode, without and with the per-message deflate bit (RSV1)."""
SMALL_PAYLOAD_LIMIT = 126
"""Payload lengths below this fit in the frame's second byte (server frames are unmasked)."""

CONNECT_CONCURRENCY = 100
"""Handshakes in flight per process: enough to connect thousands quickly, few enough not to
overflow the server's listen backlog (a dropped SYN costs a 1 s retransmit)."""

HANDSHAKE_TIMEOUT = 30.0


@dataclass
class Arrivals:
    """For each distinct message: how many clients got it, and the first and last arrival."""

    count: dict[str, int] = field(default_factory=dict)
    first: dict[str, float] = field(default_factory=dict)
    last: dict[str, float] = field(default_factory=dict)

    def record(self, message: str, when: float) -> None:
        if message in self.count:
            self.count[message] += 1
            self.first[message] = min(self.first[message], when)
            self.last[message] = max(self.last[message], when)
        else:
            self.count[message] = 1
            self.first[message] = self.last[message] = when

    def add(self, other: Arrivals) -> None:
        """Fold in another process's arrivals (same clock: CLOCK_MONOTONIC is system-wide)."""
        for message, count in other.count.items():
            if message in self.count:
                self.count[message] += count
                self.first[message] = min(self.first[message], other.first[message])
                self.last[message] = max(self.last[message], other.last[message])
            else:
                self.count[message] = count
                self.first[message] = other.first[message]
                self.last[message] = other.last[message]


def is_one_small_data_frame(data: bytes) -> bool:
    return (
        len(data) >= 2
        and data[0] in DATA_FRAME_FIRST_BYTES
        and data[1] < SMALL_PAYLOAD_LIMIT
        and len(data) == 2 + data[1]
    )


@dataclass
class WorkerReport:
    """What one client process sends back to the load test."""

    connected: int
    arrivals: Arrivals


class TimedClient(asyncio.Protocol):
    """One WebSocket client that records when each text message arrived."""

    def __init__(
        self, uri: str, arrivals: Arrivals, extensions: Sequence[ClientExtensionFactory]
    ) -> None:
        self.ws = ClientProtocol(parse_uri(uri), extensions=extensions)
        self.arrivals = arrivals
        self.open = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.unparsed: list[tuple[float, bytes]] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports behave as asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        self.ws.send_request(self.ws.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        arrived = time.monotonic()  # CLOCK_MONOTONIC: comparable across processes on Linux
        self.unparsed.append((arrived, data))
        if not is_one_small_data_frame(data):
            self.parse()

    def parse(self) -> None:
        """Feed the stored chunks to the protocol in order, recording each message's arrival."""
        for arrived, data in self.unparsed:
            self.ws.receive_data(data)
            for event in self.ws.events_received():
                if isinstance(event, Response):
                    if not self.open.done():
                        self.open.set_result(event.status_code == 101)
                elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                    self.arrivals.record(bytes(event.data).decode(), arrived)
        self.unparsed.clear()
        self._flush()  # pongs to the server's keepalive pings, replies to close frames

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.open.done():
            self.open.set_result(False)

    def _flush(self) -> None:
        assert self.transport is not None
        output = self.ws.data_to_send()
        if any(output):
            self.transport.write(b"".join(output))
        if output and output[-1] == b"":  # websockets' signal: the closing handshake is over
            self.transport.close()


async def hold_clients(
    host: str, port: int, uri: str, count: int, deflate: bool, pipe: Connection
) -> WorkerReport:
    """Connect `count` clients, report how many made it, hold them until told to stop."""
    loop = asyncio.get_running_loop()
    arrivals = Arrivals()
    extensions = [ClientPerMessageDeflateFactory()] if deflate else []
    limit = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one() -> TimedClient | None:
        async with limit:
            try:
                async with asyncio.timeout(HANDSHAKE_TIMEOUT):
                    _, client = await loop.create_connection(
                        lambda: TimedClient(uri, arrivals, extensions), host, port
                    )
                    return client if await client.open else None
            except (OSError, TimeoutError):
                return None

    opened = await asyncio.gather(*(open_one() for _ in range(count)))
    clients = [client for client in opened if client is not None]
    # Thousands of long-lived protocol objects make every full garbage collection a pause of
    # tens of milliseconds, which would land on some tick's arrival times. Freezing them moves
    # them out of the collector's sight; what the clients allocate from now on is short-lived.
    gc.freeze()
    pipe.send(len(clients))
    await loop.run_in_executor(None, pipe.recv)  # the load test says when to stop
    for client in clients:
        client.parse()
        if client.transport is not None:
            client.transport.close()
    return WorkerReport(len(clients), arrivals)


def run_worker(host: str, port: int, uri: str, count: int, deflate: bool, pipe: Connection) -> None:
    """Entry point of a client process: hold the clients, then send back the report."""
    report = uvloop.run(hold_clients(host, port, uri, count, deflate, pipe))
    pipe.send(report)
