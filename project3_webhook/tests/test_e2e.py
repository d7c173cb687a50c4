"""End to end: `uvicorn project3_webhook.main:app` as a real subprocess, over real sockets."""

from __future__ import annotations

import asyncio
import json
import select
import socket
from pathlib import Path

import httpx
import pytest
from httpx_aiohttp import AiohttpTransport

from project3_webhook.main import REQUEST_ID_HEADER, WEBHOOK_PATH
from project3_webhook.settings import ENV_LOG_FILE, ENV_MAX_BODY_BYTES

APP = "project3_webhook.main:app"
DELIVERIES = 2000
# In flight at once: all 2,000 are gathered, the semaphore keeps them within the client's pool.
CONNECTIONS = 50
LOAD_TIMEOUT = 60.0
SOCKET_TIMEOUT = 10.0

pytestmark = pytest.mark.e2e


def assert_clean_exit(output: str) -> None:
    assert "Traceback" not in output, f"the server printed a traceback:\n{output}"
    assert "Application shutdown complete" in output, f"no clean shutdown:\n{output}"


def test_records_appear_under_plain_uvicorn(start_uvicorn):
    server = start_uvicorn(APP)
    response = httpx.post(
        server.http_url + WEBHOOK_PATH,
        content=b'{"hello": ["plain", "uvicorn"]}',
        headers={"user-agent": "e2e-test"},
        timeout=SOCKET_TIMEOUT,
    )
    assert response.status_code == 200
    server.program.stop()
    output = server.program.output()
    assert f"webhook received id={response.headers[REQUEST_ID_HEADER]}" in output, (
        f"uvicorn configures only its own loggers; ours must still show:\n{output}"
    )
    assert '{\n  "hello": [\n    "plain",\n    "uvicorn"\n  ]\n}' in output
    assert_clean_exit(output)


async def post_all(url: str, count: int) -> list[httpx.Response]:
    """POST `count` numbered deliveries at once, `CONNECTIONS` in flight at a time.

    The aiohttp transport keeps the client from being the bottleneck: httpcore's own pool spends
    milliseconds of CPU per request at this concurrency, five times slower overall here.
    """
    gate = asyncio.Semaphore(CONNECTIONS)
    transport = AiohttpTransport()
    async with httpx.AsyncClient(transport=transport, timeout=SOCKET_TIMEOUT) as client:

        async def post(n: int) -> httpx.Response:
            async with gate:
                return await client.post(url, json={"delivery": n, "padding": "x" * 200})

        async with asyncio.timeout(LOAD_TIMEOUT):
            return await asyncio.gather(*(post(n) for n in range(count)))


def test_2000_concurrent_deliveries_are_all_on_disk_after_sigint(start_uvicorn, tmp_path: Path):
    log_file = tmp_path / "deliveries.jsonl"
    server = start_uvicorn(APP, env={ENV_LOG_FILE: str(log_file)})
    responses = asyncio.run(post_all(server.http_url + WEBHOOK_PATH, DELIVERIES))
    statuses = {response.status_code for response in responses}
    assert statuses == {200}, f"every delivery must be acknowledged, got {statuses}"
    server.program.stop()
    assert_clean_exit(server.program.output())
    lines = log_file.read_text(encoding="utf-8").splitlines()
    numbers = sorted(json.loads(line)["body"]["delivery"] for line in lines)
    assert numbers == list(range(DELIVERIES)), (
        f"every acknowledged delivery must be in the file exactly once; got {len(lines)} lines"
    )
    request_ids = {json.loads(line)["id"] for line in lines}
    assert request_ids == {response.headers[REQUEST_ID_HEADER] for response in responses}


def read_status_line(sock: socket.socket) -> str:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n", 1)[0].decode("latin-1")


def request_head(port: int, extra: str) -> bytes:
    return (
        f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\n{extra}\r\n"
    ).encode()


def test_announced_huge_body_is_refused_without_sending_it(start_uvicorn):
    server = start_uvicorn(APP, env={ENV_MAX_BODY_BYTES: "1000"})
    with socket.create_connection(("127.0.0.1", server.port), timeout=SOCKET_TIMEOUT) as sock:
        sock.sendall(request_head(server.port, "Content-Length: 1000000000\r\n"))
        status = read_status_line(sock)
    assert status == "HTTP/1.1 413 Request Entity Too Large", (
        "a Content-Length over the cap is answered at once, with no body sent"
    )
    server.program.stop()
    assert_clean_exit(server.program.output())


def test_chunked_huge_body_is_refused_while_it_is_still_being_sent(start_uvicorn):
    server = start_uvicorn(APP, env={ENV_MAX_BODY_BYTES: "1000"})
    chunk = b"x" * 65536
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    total_chunks = 200  # 13 MB, far more than the socket buffers hold
    with socket.create_connection(("127.0.0.1", server.port), timeout=SOCKET_TIMEOUT) as sock:
        sock.sendall(request_head(server.port, "Transfer-Encoding: chunked\r\n"))
        sent = 0
        while sent < total_chunks:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            sock.sendall(framed)
            sent += 1
        status = read_status_line(sock)
    assert status == "HTTP/1.1 413 Request Entity Too Large"
    assert sent < total_chunks, "the 413 must come before the sender has sent the whole body"
    server.program.stop()
    assert_clean_exit(server.program.output())
