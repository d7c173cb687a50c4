"""One WebSocket client's life: admit it (or turn it away), feed it, notice when it leaves."""

from __future__ import annotations

import contextlib

from starlette.websockets import WebSocket, WebSocketDisconnect

from project2_dashboard.broadcast import Broadcaster, DropOldestQueue, TooManyClients
from project2_dashboard.tasks import first_completed

TRY_AGAIN_LATER = 1013
"""WebSocket close code for "the server is overloaded, come back later"."""

CAP_REACHED_REASON = "too many clients, try again later"

SERVER_ALREADY_CLOSED = "after sending 'websocket.close'"
"""How uvicorn (every one of its WebSocket implementations) words the `RuntimeError` a send
raises once uvicorn has itself closed the connection: on a client's protocol error (invalid
UTF-8, a bad close code, an oversized ping) it sends the close frame and queues the disconnect,
and a send already on its way loses that race."""


async def serve_client(websocket: WebSocket, broadcaster: Broadcaster) -> None:
    """Send every published message to `websocket` until the client goes away.

    The sender is raced against `receive()`: Starlette reports a closed tab, a close frame or a
    dropped connection only to a *receive*, so a send-only loop would keep a dead client (and
    its queue) until its next send happened to fail. It is also raced against the broadcaster
    giving the client up, which ends a send stuck on a client that stopped reading: ASGI has
    no "abort", and a close frame would wait behind the same full buffer, so returning is all
    the app can do (see the README for what uvicorn then does with the socket).
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
        await first_completed(
            send_messages(websocket, queue),
            wait_for_disconnect(websocket),
            queue.wait_given_up(),
        )
    finally:
        broadcaster.unsubscribe(queue)


async def send_messages(websocket: WebSocket, queue: DropOldestQueue) -> None:
    """Forward the client's queue to it; a send can wait on a slow client, the queue cannot.

    Both ways this can fail are an ordinary end of a client, so neither is logged as an error:
    - `WebSocketDisconnect`: the client vanished between two sends.
    - the `RuntimeError` uvicorn raises when it closed the connection itself (see
      `SERVER_ALREADY_CLOSED`). Only that exact one: any other `RuntimeError` is a bug and
      must surface.
    """
    try:
        while True:
            await websocket.send_text(await queue.get())
    except WebSocketDisconnect:
        return
    except RuntimeError as error:
        if SERVER_ALREADY_CLOSED not in str(error):
            raise


async def wait_for_disconnect(websocket: WebSocket) -> None:
    """Read and ignore what the client says until it disconnects (this feed is one-way)."""
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass
