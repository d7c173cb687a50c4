"""Fixtures shared by every exercise.

End-to-end tests start the real programs and talk to them over real loopback sockets. These
fixtures do the fiddly parts once: finding a free port, starting a program as a subprocess and
always stopping it (SIGINT first, so it can shut down cleanly, then SIGKILL), and serving an ASGI
app from a real uvicorn in a background thread.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest
import uvicorn
from starlette.types import ASGIApp

REPO_ROOT = Path(__file__).resolve().parent
LOOPBACK = "127.0.0.1"
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 10
POLL_INTERVAL = 0.05


def find_free_port() -> int:
    """Ask the kernel for a port nobody is listening on (loopback only)."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


class RunningProgram:
    """A program started by a test.

    Its stdout and stderr go to one file rather than a pipe, so a chatty program can never block
    on a full pipe buffer, and the test can read everything it printed at any time.

    Parameters:
        args: the command line.
        log_path: where the combined output is written.
        env: extra environment variables, on top of the test's own.
        cwd: the working directory (the repository root by default).
    """

    def __init__(
        self,
        args: Sequence[str],
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path = REPO_ROOT,
    ) -> None:
        self.log_path = log_path
        self._log = log_path.open("wb")
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.process = subprocess.Popen(
            list(args), stdout=self._log, stderr=subprocess.STDOUT, env=full_env, cwd=cwd
        )

    def output(self) -> str:
        """Everything the program has printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_port(self, port: int, timeout: float = STARTUP_TIMEOUT) -> None:
        """Block until the program accepts TCP connections on `port`, or fail with its output."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"program exited with {self.process.returncode}:\n{self.output()}")
            try:
                with socket.create_connection((LOOPBACK, port), timeout=POLL_INTERVAL):
                    return
            except OSError:
                time.sleep(POLL_INTERVAL)
        pytest.fail(f"program did not listen on port {port} within {timeout} s:\n{self.output()}")

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """Interrupt the program as Ctrl-C would, kill it if it lingers; return its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode


StartProgram = Callable[..., RunningProgram]


@pytest.fixture
def start_program(tmp_path: Path) -> Iterator[StartProgram]:
    """Start programs with `start_program(*args, env=..., port=...)`; all are stopped afterwards.

    With `port`, the call returns only once the program listens on it.
    """
    started: list[RunningProgram] = []

    def start(
        *args: str, env: Mapping[str, str] | None = None, port: int | None = None
    ) -> RunningProgram:
        log_path = tmp_path / f"program-{len(started)}.log"
        program = RunningProgram(args, log_path, env=env)
        started.append(program)
        if port is not None:
            program.wait_for_port(port)
        return program

    yield start
    for program in started:
        program.stop()


class UvicornProcess:
    """A uvicorn subprocess serving one app on a free loopback port."""

    def __init__(self, program: RunningProgram, port: int) -> None:
        self.program = program
        self.port = port
        self.http_url = f"http://{LOOPBACK}:{port}"
        self.ws_url = f"ws://{LOOPBACK}:{port}"


StartUvicorn = Callable[..., UvicornProcess]


@pytest.fixture
def start_uvicorn(start_program: StartProgram) -> StartUvicorn:
    """Start `uvicorn APP` exactly as the README says, on a free port; stopped afterwards."""

    def start(app: str, *extra_args: str, env: Mapping[str, str] | None = None) -> UvicornProcess:
        port = find_free_port()
        args = [sys.executable, "-m", "uvicorn", app, "--host", LOOPBACK, "--port", str(port)]
        program = start_program(*args, *extra_args, env=env, port=port)
        return UvicornProcess(program, port)

    return start


ServeApp = Callable[[ASGIApp], str]


@pytest.fixture
def serve_app() -> Iterator[ServeApp]:
    """Serve an ASGI app from a real uvicorn in a background thread; returns its base URL.

    Useful when a test needs a real HTTP server whose state (say, requests in flight) it can
    read directly. Every server is shut down when the test ends.
    """
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def serve(app: ASGIApp) -> str:
        config = uvicorn.Config(
            app,
            host=LOOPBACK,
            port=0,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=STOP_TIMEOUT,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        running.append((server, thread))
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the in-thread uvicorn server did not start")
            time.sleep(POLL_INTERVAL)
        port = server.servers[0].sockets[0].getsockname()[1]
        return f"http://{LOOPBACK}:{port}"

    yield serve
    for server, thread in running:
        server.should_exit = True
        thread.join(STOP_TIMEOUT)
