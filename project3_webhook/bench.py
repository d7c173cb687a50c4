"""Benchmark: the webhook service against a bare FastAPI endpoint, under the same wrk load.

    python project3_webhook/bench.py [--duration 10] [--connections 50] [--threads 2]

Each server runs alone, in its own uvicorn process with the same options, one after the other,
alternately for a few rounds (the machine is shared, so one round can be disturbed: the medians
of the ratios are reported). The service logs every delivery to a JSON-lines file; after it is
stopped (SIGINT, as Ctrl-C would), the file must hold one line for every 200 that wrk saw. Prints
requests/s, p50/p99 latency, the ratios, and the records lost (the goal is zero).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    # Run as `python project3_webhook/bench.py`: make the repository root importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from project3_webhook.settings import ENV_LOG_FILE

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SERVICE_APP = "project3_webhook.main:app"
BARE_APP = "project3_webhook.bare_endpoint:app"
DEFAULT_DURATION = 10
DEFAULT_WARMUP = 2
DEFAULT_ROUNDS = 3
DEFAULT_CONNECTIONS = 50
DEFAULT_THREADS = 2
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 30.0
THROUGHPUT_GOAL = 0.85
P99_GOAL = 1.25

# A GitHub-style "issues" delivery, about 1 KB: the size of a typical small webhook.
SAMPLE_BODY = {
    "action": "opened",
    "issue": {
        "number": 1347,
        "title": "Found a bug",
        "body": "I'm having a problem with this.\nSteps: 1. run it 2. watch it fail",
        "state": "open",
        "labels": [{"id": 208045946, "name": "bug", "color": "f29513", "default": True}],
        "user": {"login": "octocat", "id": 1, "type": "User", "site_admin": False},
        "created_at": "2011-04-22T13:33:48Z",
        "comments": 0,
    },
    "repository": {
        "id": 1296269,
        "full_name": "octocat/Hello-World",
        "private": False,
        "html_url": "https://github.com/octocat/Hello-World",
        "description": "This your first repo!",
        "fork": False,
        "stargazers_count": 80,
        "watchers_count": 80,
        "topics": ["octocat", "atom", "electron", "api"],
        "default_branch": "main",
    },
    "sender": {"login": "octocat", "id": 1, "type": "User", "site_admin": False},
}

# wrk prints its own report to stdout; `done` appends one JSON line the benchmark parses.
WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = io.open(os.getenv("BENCH_BODY_FILE")):read("*a")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "GitHub-Hookshot/bench"

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '\\nBENCH {"requests": %d, "seconds": %f, "p50_us": %f, "p99_us": %f, "non_2xx": %d, '
    .. '"socket_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
"""


@dataclass(frozen=True)
class LoadResult:
    """What wrk measured against one server."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


@dataclass(frozen=True)
class Measurement:
    """One server's run: the load result, CPU per request, and the service's file records.

    `loop_cpu_us` is the main (event loop) thread's CPU time per request, `thread_cpu_us` that of
    all other threads (the logging thread); both None where /proc is not available.
    """

    result: LoadResult
    acknowledged: int
    records: int | None
    loop_cpu_us: float | None
    thread_cpu_us: float | None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"uvicorn exited with {process.returncode} before listening")
        try:
            with socket.create_connection((HOST, port), timeout=0.1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"uvicorn did not listen on {port} within {STARTUP_TIMEOUT} s")


def run_wrk(url: str, args: argparse.Namespace, seconds: int, workdir: Path) -> LoadResult:
    script = workdir / "post.lua"
    script.write_text(WRK_SCRIPT)
    body = workdir / "body.json"
    body.write_text(json.dumps(SAMPLE_BODY))
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "-s",
        str(script),
        url,
    ]
    env = {**os.environ, "BENCH_BODY_FILE": str(body)}
    output = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    raw = json.loads(line.removeprefix("BENCH "))
    return LoadResult(
        requests=raw["requests"],
        seconds=raw["seconds"],
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        non_2xx=raw["non_2xx"],
        socket_errors=raw["socket_errors"],
    )


def measure(
    app: str, args: argparse.Namespace, workdir: Path, log_file: Path | None
) -> Measurement:
    """Start `app` alone, warm it up, load it, stop it with SIGINT; count its file's records."""
    port = free_port()
    env = {**os.environ}
    env.pop(ENV_LOG_FILE, None)
    if log_file is not None:
        env[ENV_LOG_FILE] = str(log_file)
    command = [sys.executable, "-m", "uvicorn", app, "--host", HOST, "--port", str(port)]
    command += args.uvicorn_args.split()
    output = (workdir / f"{app.replace(':', '_')}.log").open("wb")
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=output, stderr=output)
    try:
        wait_for_port(process, port)
        url = f"http://{HOST}:{port}/webhook"
        warmup = run_wrk(url, args, args.warmup, workdir)
        before = thread_cpu_seconds(process.pid)
        result = run_wrk(url, args, args.duration, workdir)
        after = thread_cpu_seconds(process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()
    acknowledged = warmup.requests - warmup.non_2xx + result.requests - result.non_2xx
    records = None if log_file is None else count_records(log_file)
    loop_cpu = other_cpu = None
    if before and after:
        per_request = 1e6 / result.requests
        loop_cpu = (after[process.pid] - before.get(process.pid, 0.0)) * per_request
        others = sum(after.values()) - sum(before.values())
        other_cpu = others * per_request - loop_cpu
    return Measurement(result, acknowledged, records, loop_cpu, other_cpu)


def thread_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each thread of `pid`; empty without /proc."""
    seconds: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            seconds[int(tid)] = (int(fields[11]) + int(fields[12])) / tick
    except OSError:
        return {}
    return seconds


def count_records(log_file: Path) -> int:
    """Distinct delivery ids in the JSON-lines file and its rotated backups (each line must parse).

    A long run writes more than the file's size limit, so the older records are in
    `deliveries.jsonl.1`, `.2`, ...: they were kept, not lost.
    """
    ids: set[str] = set()
    for path in log_file.parent.glob(f"{log_file.name}*"):
        with path.open(encoding="utf-8") as lines:
            ids.update(json.loads(line)["id"] for line in lines)
    return len(ids)


def report_round(number: int, bare: Measurement, service: Measurement) -> tuple[float, float]:
    """Print one round's figures; return its throughput and p99 ratios."""
    print(f"round {number}")
    for name, run in (("bare FastAPI endpoint", bare), ("webhook service + file", service)):
        r = run.result
        errors = r.non_2xx + r.socket_errors
        cpu = f"{_us(run.loop_cpu_us):>10}{_us(run.thread_cpu_us):>10}"
        print(
            f"  {name:<26}{r.per_second:>12,.0f}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}{errors:>8}{cpu}"
        )
    throughput = service.result.per_second / bare.result.per_second
    p99 = service.result.p99_ms / bare.result.p99_ms
    records = service.records or 0
    lost = max(0, service.acknowledged - records)
    print(
        f"  throughput ratio {throughput:.3f}, p99 ratio {p99:.3f}; {records:,} records in the "
        f"file for {service.acknowledged:,} deliveries acknowledged to wrk, lost: {lost}"
    )
    return throughput, p99


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _us(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=DEFAULT_DURATION, help="seconds per run")
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP, help="warm-up seconds")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, help="bare/service pairs")
    parser.add_argument("--connections", type=int, default=DEFAULT_CONNECTIONS)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    parser.add_argument(
        "--uvicorn-args",
        default="",
        help="extra uvicorn options for both servers, e.g. --uvicorn-args=--no-access-log",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    options = args.uvicorn_args or "(defaults)"
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
        f"{len(json.dumps(SAMPLE_BODY))}-byte JSON body, uvicorn options {options}"
    )
    print(
        f"  {'server':<26}{'requests/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}"
        f"{'loop us':>10}{'thread us':>10}"
    )
    print("  (loop us / thread us: CPU time per request of the event loop / the logging thread)")
    ratios = []
    with tempfile.TemporaryDirectory(prefix="webhook-bench-") as tmp:
        workdir = Path(tmp)
        for number in range(1, args.rounds + 1):
            log_file = workdir / f"deliveries-{number}.jsonl"
            bare = measure(BARE_APP, args, workdir, log_file=None)
            service = measure(SERVICE_APP, args, workdir, log_file=log_file)
            ratios.append(report_round(number, bare, service))
    throughput = statistics.median(ratio for ratio, _ in ratios)
    p99 = statistics.median(ratio for _, ratio in ratios)
    fast_enough, tail_short = _verdict(throughput >= THROUGHPUT_GOAL), _verdict(p99 <= P99_GOAL)
    print(f"median throughput ratio: {throughput:.3f} (goal >= {THROUGHPUT_GOAL}: {fast_enough})")
    print(f"median p99 ratio:        {p99:.3f} (goal <= {P99_GOAL}: {tail_short})")


if __name__ == "__main__":
    main()
