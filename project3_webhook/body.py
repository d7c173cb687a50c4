"""Reading a request body with a hard size cap.

The body is read chunk by chunk as it arrives, so a sender announcing a huge Content-Length is
refused before a byte of it is read, and a chunked body (no Content-Length) is refused as soon as
it passes the cap: memory use per request is bounded by the cap plus one chunk.
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request

from project3_webhook.errors import BodyTooLarge, InvalidBody


async def read_body(request: Request, limit: int) -> bytes:
    """Return the whole body, or raise `BodyTooLarge` once it is known to exceed `limit` bytes."""
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
    except ClientDisconnect:
        # uvicorn ends the request this way when the client goes, and when the body's framing
        # (chunk sizes) is invalid.
        raise InvalidBody(
            "the body ended early: the connection closed or its framing was invalid"
        ) from None
    return b"".join(chunks)


def _declared_length(request: Request) -> int | None:
    text = request.headers.get("content-length")
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        # The HTTP server has already framed the body; the running count below still applies.
        return None


def _too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(f"body is larger than the {limit}-byte limit")
