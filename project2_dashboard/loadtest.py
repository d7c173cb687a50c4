"""Load test: hold thousands of WebSocket clients on the dashboard and measure the fan-out.

    python project2_dashboard/loadtest.py --clients 5000 --duration 30
    python -m project2_dashboard.loadtest                 # 2,000 clients for 10 s

It starts the real server (`python -m uvicorn project2_dashboard.main:app`) once with
per-message deflate off, as we recommend for this feed, and once with uvicorn's default (on),
the reference, and prints for each: clients held, the share of ticks that reached every client,
the fan-out spread (first to last client receiving the same tick), server CPU and server RSS
per client, then the ratios between the two. Clients run in a few separate processes
(`load_clients.py`) that time each message on arrival. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script, Python puts this file's folder on sys.path; the package needs its parent.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import json
import math
import multiprocessing
import os
import resource
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from project2_dashboard.load_clients import Arrivals, WorkerReport, run_worker
from project2_dashboard.main import WEBSOCKET_PATH
from project2_dashboard.settings import DEFAULT_INTERVAL, INTERVAL_VAR

HOST = "127.0.0.1"
APP = "project2_dashboard.main:app"
DEFAULT_CLIENTS = 2_000
DEFAULT_DURATION = 10.0
DEFAULT_PROCESSES = 2
"""Client processes: one per core measured best here (fewer context switches during a tick)."""
FILES_PER_CLIENT_MARGIN = 1_000
"""Descriptors beyond one per client: the interpreter, pipes, log files."""
STARTUP_TIMEOUT = 20.0
SETTLE = 1.0
"""Seconds to let the server (and then the connected clients) settle before measuring."""
STOP_TIMEOUT = 30.0
GRACEFUL_SHUTDOWN_SECONDS = 10
"""uvicorn's --timeout-graceful-shutdown, as the README recommends: 5,000 clients closed in
at most 3.2 s, so only a client that stopped reading can make Ctrl-C wait this long."""
WS_MAX_SIZE = 4096
"""uvicorn's --ws-max-size, as the README recommends: this feed never needs a large frame in."""
SIGNS_OF_TROUBLE = ("Traceback", "ERROR", "Task was destroyed but it is pending")

GOAL_CLIENTS = 5_000
GOAL_SPREAD_P99 = 0.250
GOAL_KIB_PER_CLIENT = 40.0


@dataclass
class Result:
    """The figures of one run."""

    label: str
    command: str
    requested: int
    connected: int
    held: int
    ticks: int
    delivered_to_all: int
    spread_p50: float
    spread_p99: float
    spread_max: float
    server_user_cpu: float
    server_system_cpu: float
    clients_cpu: float
    rss_before: int
    rss_with_clients: int
    shutdown_seconds: float
    exit_code: int
    troubles: list[str]

    @property
    def kib_per_client(self) -> float:
        return (self.rss_with_clients - self.rss_before) / 1024 / max(self.held, 1)

    @property
    def server_cpu(self) -> float:
        return self.server_user_cpu + self.server_system_cpu

    @property
    def delivered_share(self) -> float:
        return self.delivered_to_all / max(self.ticks, 1)


def raise_open_file_limit(needed: int) -> int:
    """Lift the soft limit on open files (inherited by the server and client processes)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    if soft != resource.RLIM_INFINITY and soft < needed:
        raise SystemExit(f"need {needed} open files but the hard limit is {hard}: lower --clients")
    return soft


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def server_command(port: int, deflate: bool) -> list[str]:
    """The README's recommended command (and, for the reference, uvicorn's default deflate)."""
    # Warnings only: at INFO uvicorn logs two lines per connection, 10,000 lines for this test.
    return [
        *(sys.executable, "-m", "uvicorn", APP, "--host", HOST, "--port", str(port)),
        *("--log-level", "warning", "--ws-per-message-deflate", "true" if deflate else "false"),
        *("--timeout-graceful-shutdown", str(GRACEFUL_SHUTDOWN_SECONDS)),
        *("--ws-max-size", str(WS_MAX_SIZE)),
    ]


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=0.1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the server did not listen on {port} within {STARTUP_TIMEOUT} s")


@contextmanager
def running_server(
    command: Sequence[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as output:
        server = subprocess.Popen(list(command), stdout=output, stderr=subprocess.STDOUT, env=env)
        try:
            yield server
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU time of a running process, from Linux's /proc."""
    # The command name (field 2) may contain spaces: split after its closing parenthesis.
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    user, system = int(fields[11]), int(fields[12])  # fields 14 and 15 of the whole line
    ticks_per_second = os.sysconf("SC_CLK_TCK")
    return user / ticks_per_second, system / ticks_per_second


def rss_bytes(pid: int) -> int:
    """Resident set size of a running process, from Linux's /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def percentile(sorted_values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile: with few samples, p99 is simply the worst one."""
    if not sorted_values:
        return math.nan
    return sorted_values[max(0, math.ceil(share * len(sorted_values)) - 1)]


def server_client_count(port: int) -> int:
    # No proxy: an HTTP_PROXY in the environment must not capture a loopback request.
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with direct.open(f"http://{HOST}:{port}/stats", timeout=STOP_TIMEOUT) as response:
        count: int = json.load(response)["clients"]
        return count


def start_workers(
    port: int, clients: int, processes: int, deflate: bool
) -> list[tuple[BaseProcess, Connection]]:
    # "spawn": each client process starts clean, with no copy of this one's state.
    context = multiprocessing.get_context("spawn")
    uri = f"ws://{HOST}:{port}{WEBSOCKET_PATH}"
    workers: list[tuple[BaseProcess, Connection]] = []
    for index in range(processes):
        count = clients // processes + (1 if index < clients % processes else 0)
        ours, theirs = context.Pipe()
        process = context.Process(
            target=run_worker, args=(HOST, port, uri, count, deflate, theirs), daemon=True
        )
        process.start()
        workers.append((process, ours))
    return workers


def run_once(args: argparse.Namespace, deflate: bool, log_dir: Path) -> Result:
    port = free_port()
    command = server_command(port, deflate)
    env = {**os.environ, INTERVAL_VAR: str(args.interval), "PYTHONUNBUFFERED": "1"}
    log = log_dir / f"server-deflate-{'on' if deflate else 'off'}.log"
    with running_server(command, env, log) as server:
        wait_for_port(port, server)
        time.sleep(SETTLE)
        rss_before = rss_bytes(server.pid)

        workers = start_workers(port, args.clients, args.processes, deflate)
        connected = sum(pipe.recv() for _, pipe in workers)
        time.sleep(SETTLE)
        watched = [server.pid, *(process.pid for process, _ in workers if process.pid)]
        cpu_before = [cpu_seconds(pid) for pid in watched]

        window_start = time.monotonic()
        time.sleep(args.duration)
        window_end = time.monotonic()
        cpu_after = [cpu_seconds(pid) for pid in watched]
        rss_with_clients = rss_bytes(server.pid)
        time.sleep(args.interval + SETTLE)  # let the last measured tick reach everyone
        held = server_client_count(port)

        # Ctrl-C with every client still attached: all must be closed and the server gone.
        stop_started = time.monotonic()
        server.send_signal(signal.SIGINT)
        exit_code = server.wait(STOP_TIMEOUT)
        shutdown_seconds = time.monotonic() - stop_started

        for _, pipe in workers:
            pipe.send("stop")
        reports: list[WorkerReport] = [pipe.recv() for _, pipe in workers]
        for process, _ in workers:
            process.join(STOP_TIMEOUT)

    arrivals = Arrivals()
    for report in reports:
        arrivals.add(report.arrivals)
    measured = [m for m, first in arrivals.first.items() if window_start <= first <= window_end]
    spreads = sorted(arrivals.last[m] - arrivals.first[m] for m in measured)
    elapsed = window_end - window_start
    clients_cpu = list(zip(cpu_after[1:], cpu_before[1:], strict=True))
    output = log.read_text(encoding="utf-8", errors="replace")
    return Result(
        label="deflate on (uvicorn default)" if deflate else "deflate off (recommended)",
        command=" ".join(["python", *command[1:]]),
        requested=args.clients,
        connected=connected,
        held=held,
        ticks=len(measured),
        delivered_to_all=sum(arrivals.count[m] >= args.clients for m in measured),
        spread_p50=percentile(spreads, 0.50),
        spread_p99=percentile(spreads, 0.99),
        spread_max=spreads[-1] if spreads else math.nan,
        server_user_cpu=(cpu_after[0][0] - cpu_before[0][0]) / elapsed,
        server_system_cpu=(cpu_after[0][1] - cpu_before[0][1]) / elapsed,
        clients_cpu=sum(sum(after) - sum(before) for after, before in clients_cpu) / elapsed,
        rss_before=rss_before,
        rss_with_clients=rss_with_clients,
        shutdown_seconds=shutdown_seconds,
        exit_code=exit_code,
        troubles=[sign for sign in SIGNS_OF_TROUBLE if sign in output],
    )


def mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB"


def print_result(result: Result, processes: int) -> None:
    print(f"\n== {result.label}\n   {result.command}")
    print(
        f"   clients held           {result.held} of {result.requested} by the server's count "
        f"({result.connected} connected from {processes} processes)"
    )
    print(
        f"   delivered to everyone  {result.delivered_to_all}/{result.ticks} ticks "
        f"({result.delivered_share:.1%})"
    )
    print(
        f"   fan-out spread         p50 {result.spread_p50 * 1000:.1f} ms, "
        f"p99 {result.spread_p99 * 1000:.1f} ms, max {result.spread_max * 1000:.1f} ms"
    )
    print(
        f"   CPU (share of 1 core)  server {result.server_cpu:.1%} "
        f"(user {result.server_user_cpu:.1%}, system {result.server_system_cpu:.1%}), "
        f"client processes {result.clients_cpu:.1%}"
    )
    print(
        f"   server RSS             {mib(result.rss_before)} idle, "
        f"{mib(result.rss_with_clients)} with clients: {result.kib_per_client:.1f} KiB per client"
    )
    trouble = ", ".join(result.troubles) or "clean log"
    print(
        f"   Ctrl-C, clients on     exit {result.exit_code} in {result.shutdown_seconds:.2f} s, "
        f"{trouble}"
    )


def print_goals(result: Result) -> None:
    checks = [
        (f"{GOAL_CLIENTS} clients held", result.held >= GOAL_CLIENTS),
        ("100% of ticks to every client", result.ticks > 0 and result.delivered_share == 1.0),
        (f"p99 spread <= {GOAL_SPREAD_P99 * 1000:.0f} ms", result.spread_p99 <= GOAL_SPREAD_P99),
        (
            f"<= {GOAL_KIB_PER_CLIENT:.0f} KiB RSS per client",
            result.kib_per_client <= GOAL_KIB_PER_CLIENT,
        ),
    ]
    scale = "" if result.requested >= GOAL_CLIENTS else f", at {result.requested} clients only"
    print(f"\ngoals ({result.label}{scale}):")
    for goal, met in checks:
        print(f"   {'met   ' if met else 'MISSED'} {goal}")


def print_ratios(tuned: Result, reference: Result) -> None:
    def ratio(ours: float, theirs: float) -> str:
        return f"{theirs / ours:.2f}x" if ours > 0 else "n/a"

    print("\nreference (deflate on) / recommended (deflate off):")
    print(f"   RSS per client   {ratio(tuned.kib_per_client, reference.kib_per_client)}")
    print(f"   server CPU       {ratio(tuned.server_cpu, reference.server_cpu)}")
    print(f"   p99 spread       {ratio(tuned.spread_p99, reference.spread_p99)}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS)
    parser.add_argument("--duration", type=float, default=DEFAULT_DURATION, help="seconds")
    parser.add_argument("--processes", type=int, default=DEFAULT_PROCESSES, help="client processes")
    parser.add_argument("--interval", type=float, default=DEFAULT_INTERVAL, help="seconds")
    parser.add_argument(
        "--deflate",
        choices=["off", "on", "both"],
        default="both",
        help="per-message deflate on the server; 'both' adds uvicorn's default as the reference",
    )
    args = parser.parse_args(argv)
    if args.clients < 1 or args.processes < 1 or args.duration <= 0 or args.interval <= 0:
        parser.error("--clients, --processes, --duration and --interval must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    limit = raise_open_file_limit(args.clients + FILES_PER_CLIENT_MARGIN)
    print(
        f"{args.clients} clients for {args.duration:.0f} s at one reading per {args.interval} s; "
        f"{os.cpu_count()} CPUs; open-file limit {limit}"
    )
    modes = {"off": [False], "on": [True], "both": [False, True]}[args.deflate]
    with tempfile.TemporaryDirectory(prefix="dashboard-loadtest-") as log_dir:
        results = [run_once(args, deflate, Path(log_dir)) for deflate in modes]
    for result in results:
        print_result(result, args.processes)
    print_goals(results[0])
    if len(results) == 2:
        print_ratios(results[0], results[1])


if __name__ == "__main__":
    main()
