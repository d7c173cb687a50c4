"""The real server (`uvicorn project2_dashboard.main:app`, a subprocess) and real clients."""

from __future__ import annotations

import asyncio
import json
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from conftest import RunningProgram
from project2_dashboard.tests.conftest import WS_PATH, Stats, wait_for_clients

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

APP = "project2_dashboard.main:app"
RECEIVE_TIMEOUT = 5.0
READY_TIMEOUT = 20.0
LOAD_TEST_TIMEOUT = 45.0
FAST_ENV = {"DASHBOARD_INTERVAL": "0.05"}
SIGNS_OF_TROUBLE = ("Traceback", "ERROR", "Task was destroyed but it is pending")

# A client in its own process, so the test can kill it the hard way: no close frame, the
# kernel just tears the TCP connection down.
KILLABLE_CLIENT = """
import sys, time
from websockets.sync.client import connect
socket = connect(sys.argv[1], proxy=None)
socket.recv()
print("ready", flush=True)
time.sleep(600)
"""


def stats_getter(http_url: str) -> Callable[[], Stats]:
    def get() -> Stats:
        # No proxy: an HTTP_PROXY in the environment must not capture a loopback request.
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with direct.open(f"{http_url}/stats", timeout=RECEIVE_TIMEOUT) as response:
            stats: Stats = json.load(response)
            return stats

    return get


async def wait_for_server_clients(http_url: str, expected: int) -> None:
    # In a thread: the clients' event loop must keep reading while we poll.
    await asyncio.to_thread(wait_for_clients, stats_getter(http_url), expected)


async def wait_for_ready(program: RunningProgram) -> None:
    """Wait until the killable client has its first reading, so it is surely connected."""
    deadline = time.monotonic() + READY_TIMEOUT
    while "ready" not in program.output():
        assert time.monotonic() < deadline, f"client never connected:\n{program.output()}"
        await asyncio.sleep(0.05)


async def receive(socket: ClientConnection) -> str:
    async with asyncio.timeout(RECEIVE_TIMEOUT):
        message = await socket.recv()
    assert isinstance(message, str), "readings are sent as text frames"
    return message


def client(ws_url: str) -> connect:
    # A client that falls more than `max_queue` messages behind stops reading its socket, and
    # then misses the server's reply to its close frame: closing would wait out the 10 s close
    # timeout. The tests read every message eventually, so let the client buffer them all.
    # No proxy either: websockets honours HTTP_PROXY, which must not capture loopback tests.
    return connect(ws_url, max_queue=None, proxy=None)


@asynccontextmanager
async def clients(ws_url: str, count: int) -> AsyncIterator[list[ClientConnection]]:
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(client(ws_url)) for _ in range(count)]


async def read_until_closed(socket: ClientConnection) -> None:
    while True:
        await receive(socket)


def assert_quiet(output: str) -> None:
    for sign in SIGNS_OF_TROUBLE:
        assert sign not in output, f"the server printed {sign!r}:\n{output}"


async def test_cadence_is_about_one_second_at_the_default_interval(start_uvicorn):
    server = start_uvicorn(APP)
    async with client(server.ws_url + WS_PATH) as socket:
        await receive(socket)  # the latest reading, sent at once
        await receive(socket)  # the first tick: start timing from here
        started = time.monotonic()
        for _ in range(3):
            await receive(socket)
        period = (time.monotonic() - started) / 3
    assert 0.7 < period < 1.3, f"readings should come about once a second, came every {period} s"
    assert_quiet(server.program.output())


async def test_three_clients_receive_identical_streams(start_uvicorn):
    server = start_uvicorn(APP, env=FAST_ENV)
    async with clients(server.ws_url + WS_PATH, 3) as (first, second, last):
        await wait_for_server_clients(server.http_url, 3)
        # After its first message (the latest reading when it joined) the last client to
        # join sees only ticks that all three were connected for.
        common = [await receive(last) for _ in range(11)][1:]
        for earlier in (first, second):
            stream = [await receive(earlier) for _ in range(40)]
            assert any(stream[i : i + 10] == common for i in range(31)), (
                "all clients must get the very same messages in the same order"
            )
    assert_quiet(server.program.output())


async def test_client_killed_abruptly_is_dropped_while_others_continue(
    start_uvicorn, start_program
):
    server = start_uvicorn(APP, env=FAST_ENV)
    async with client(server.ws_url + WS_PATH) as survivor:
        doomed = start_program(sys.executable, "-c", KILLABLE_CLIENT, server.ws_url + WS_PATH)
        await wait_for_ready(doomed)
        await wait_for_server_clients(server.http_url, 2)

        doomed.process.kill()
        doomed.process.wait()
        await wait_for_server_clients(server.http_url, 1)

        readings = [json.loads(await receive(survivor)) for _ in range(10)]
    assert len(readings) == 10, "the other client's stream must go on"
    assert_quiet(server.program.output())


async def test_killed_client_is_dropped_even_when_nothing_is_being_sent(
    start_uvicorn, start_program
):
    # With an hour between readings there is no send to fail: only receive() can tell.
    server = start_uvicorn(APP, env={"DASHBOARD_INTERVAL": "3600"})
    doomed = start_program(sys.executable, "-c", KILLABLE_CLIENT, server.ws_url + WS_PATH)
    await wait_for_ready(doomed)
    await wait_for_server_clients(server.http_url, 1)
    doomed.process.kill()
    doomed.process.wait()
    await wait_for_server_clients(server.http_url, 0)
    assert_quiet(server.program.output())


async def test_sigint_with_clients_attached_closes_them_and_exits_cleanly(start_uvicorn):
    server = start_uvicorn(APP, env=FAST_ENV)
    async with clients(server.ws_url + WS_PATH, 3) as sockets:
        for socket in sockets:
            await receive(socket)
        exit_code = await asyncio.to_thread(server.program.stop)
        for socket in sockets:
            with pytest.raises(ConnectionClosed) as closed:
                await read_until_closed(socket)
            assert closed.value.rcvd is not None, "the server must send a close frame, not vanish"
            assert closed.value.rcvd.code == 1012, "1012: service restart"
    # The program has stopped and its log is closed: read the file itself.
    output = server.program.log_path.read_text(encoding="utf-8")
    assert exit_code == 0, output
    assert "Application shutdown complete" in output
    assert_quiet(output)


async def test_connection_over_the_cap_is_closed_with_1013(start_uvicorn):
    server = start_uvicorn(APP, env={**FAST_ENV, "DASHBOARD_MAX_CLIENTS": "1"})
    async with clients(server.ws_url + WS_PATH, 2) as (admitted, refused):
        with pytest.raises(ConnectionClosed) as closed:
            await receive(refused)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1013, "over the cap: close with 1013, try again later"
        await receive(admitted)
    assert_quiet(server.program.output())


def test_load_test_runs_and_reports_at_a_small_scale(start_program):
    """The benchmark is not a test, but it must keep working: a tiny run, figures not judged."""
    run = start_program(
        sys.executable,
        "project2_dashboard/loadtest.py",
        *("--clients", "20", "--processes", "2", "--duration", "1", "--interval", "0.2"),
        *("--deflate", "off"),
    )
    exit_code = run.process.wait(timeout=LOAD_TEST_TIMEOUT)
    output = run.output()
    assert exit_code == 0, output
    assert "clients held           20 of 20" in output, output
    assert "Ctrl-C, clients on     exit 0" in output, output
    assert "clean log" in output, output
