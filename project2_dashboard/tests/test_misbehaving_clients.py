"""The real server against clients that break the rules: raw sockets speaking bad WebSocket.

A well-behaved library client cannot send an invalid frame or stop reading while the server
floods it, so these tests do the handshake by hand and then misbehave on purpose.
"""

from __future__ import annotations

import base64
import os
import socket
import struct

import pytest

from conftest import LOOPBACK
from project2_dashboard.tests.conftest import WS_PATH, wait_for_clients
from project2_dashboard.tests.test_end_to_end import APP, FAST_ENV, stats_getter

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

SOCKET_TIMEOUT = 5.0
TINY_RECEIVE_BUFFER = 4096
OPCODES = {"text": 0x1, "close": 0x8, "ping": 0x9}
ATTEMPTS = 10
"""Connections per kind of bad frame: the race it provokes is lost most of the time, not always."""
PINGS_TO_FILL_BUFFERS = 60_000
"""Pongs for these (about 7.5 MB) outgrow the kernel's largest send buffer (4 MiB by default) plus
uvicorn's 64 KiB write buffer, so the server's next send has to wait."""
STUCK_ENV = {**FAST_ENV, "DASHBOARD_SEND_TIMEOUT": "0.5"}


def frame(kind: str, payload: bytes) -> bytes:
    """One final, masked client frame (payloads under 126 bytes, as every frame here is)."""
    assert len(payload) < 126
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    return bytes([0x80 | OPCODES[kind], 0x80 | len(payload)]) + mask + masked


def open_raw_websocket(port: int, receive_buffer: int | None = None) -> socket.socket:
    """A TCP socket that has completed the WebSocket handshake and reads nothing more."""
    sock = socket.socket()
    sock.settimeout(SOCKET_TIMEOUT)
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.connect((LOOPBACK, port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET {WS_PATH} HTTP/1.1\r\nHost: {LOOPBACK}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    response = b""
    while not response.endswith(b"\r\n\r\n"):  # byte by byte: not one byte of a frame more
        byte = sock.recv(1)
        assert byte, f"the server closed during the handshake: {response!r}"
        response += byte
    assert response.startswith(b"HTTP/1.1 101"), response
    return sock


def read_until_closed(sock: socket.socket) -> None:
    while sock.recv(65536):
        pass


BAD_FRAMES = {
    "invalid UTF-8 in a text frame": frame("text", b"\xff"),
    "close code 999": frame("close", struct.pack("!H", 999)),
}
"""Two of the protocol errors after which uvicorn closes the connection itself; with the old
handler they made it log "Exception in ASGI application" on most of the attempts."""
APP_FAILED = ("Exception in ASGI application", "RuntimeError")
"""What the log showed when the handler let uvicorn's refusal of a send escape. (For invalid
UTF-8, uvicorn also logs an ERROR with a traceback of its own: its doing, not the app's.)"""


@pytest.mark.parametrize("bad_frame", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
def test_protocol_error_from_a_client_logs_no_app_traceback(start_uvicorn, bad_frame):
    # uvicorn closes such a connection itself; a reading sent at that moment used to escape the
    # handler as a RuntimeError, logged as "Exception in ASGI application".
    server = start_uvicorn(APP, env=FAST_ENV)
    for _ in range(ATTEMPTS):
        with open_raw_websocket(server.port) as sock:
            sock.sendall(bad_frame)
            read_until_closed(sock)
    wait_for_clients(stats_getter(server.http_url), 0)
    output = server.program.output()
    for sign in APP_FAILED:
        assert sign not in output, f"the handler let an ordinary client end escape:\n{output}"


def test_client_that_stops_reading_is_let_go_once_a_send_times_out(start_uvicorn):
    server = start_uvicorn(APP, "--timeout-graceful-shutdown", "3", env=STUCK_ENV)
    get_stats = stats_getter(server.http_url)
    with open_raw_websocket(server.port, TINY_RECEIVE_BUFFER) as stuck:
        wait_for_clients(get_stats, 1)
        # Asking for pongs it never reads fills every buffer between us and the app at once.
        stuck.sendall(frame("ping", b"p" * 125) * PINGS_TO_FILL_BUFFERS)
        wait_for_clients(get_stats, 0)
        # uvicorn still holds the socket, waiting for its buffer to drain: only the graceful
        # shutdown timeout the README recommends lets Ctrl-C finish.
        exit_code = server.program.stop()
    output = server.program.log_path.read_text(encoding="utf-8")
    assert exit_code == 0, output
    assert "Application shutdown complete" in output, output
    assert "Traceback" not in output, output
