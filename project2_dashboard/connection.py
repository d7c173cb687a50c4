"""One WebSocket client's life: admit it (or turn it away), feed it, notice when it leaves."""

from __future__ import annotations

import contextlib

from starlette.websockets import WebSocket, WebSocketDisconnect

from project2_dashboard.broadcast import Broadcaster, DropOldestQueue, TooManyClients
from project2_dashboard.tasks import first_completed

TRY_AGAIN_LATER = 1013
"""WebSocket close code for "the server is overloaded, come back later"."""

CAP_REACHED_REASON = "too many clients, try again later"


async def serve_client(websocket: WebSocket, broadcaster: Broadcaster) -> None:
    """Send every published message to `websocket` until the client goes away.

    The sender is raced against `receive()`: Starlette reports a closed tab, a close frame or a
    dropped connection only to a *receive*, so a send-only loop would keep a dead client (and
    its queue) until its next send happened to fail.
    """
    await websocket.accept()
    try:
        queue = broadcaster.subscribe()
    except TooManyClients:
        # The client may already be gone; there is nothing left to tell it then.
        with contextlib.suppress(WebSocketDisconnect):
            await websocket.close(code=TRY_AGAIN_LATER, reason=CAP_REACHED_REASON)
        return
    try:
        await first_completed(send_messages(websocket, queue), wait_for_disconnect(websocket))
    finally:
        broadcaster.unsubscribe(queue)


async def send_messages(websocket: WebSocket, queue: DropOldestQueue) -> None:
    """Forward the client's queue to it; a send can wait on a slow client, the queue cannot."""
    try:
        while True:
            await websocket.send_text(await queue.get())
    except WebSocketDisconnect:
        return  # The client vanished between two sends: an ordinary end, not an error.


async def wait_for_disconnect(websocket: WebSocket) -> None:
    """Read and ignore what the client says until it disconnects (this feed is one-way)."""
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass
