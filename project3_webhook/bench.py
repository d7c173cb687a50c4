"""Benchmark: the webhook service against a bare FastAPI endpoint, under the same wrk load.

    python project3_webhook/bench.py [--rounds 4] [--duration 10] [--warmup 2] [--connections 50]
        [--threads 2] [--uvicorn-args=...]

Both servers run at once, each in its own uvicorn process with the same options, and wrk loads
one at a time, alternately, in rounds of 10 s. A shared machine's speed drifts by tens of
percent from minute to minute, and its stalls come in bursts; loaded this close together, the two
servers see much the same machine. The verdict pools each server's rounds: all its requests over all
its seconds, and the p99 of all its responses. The service logs every delivery to a JSON-lines
file; after it is stopped (SIGINT, as Ctrl-C would), the file must hold one line for every 2xx
that wrk saw. Prints requests/s, p50/p99 latency, the ratios, and the records lost (goal: zero).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    # Run as `python project3_webhook/bench.py`: make the repository root importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from project3_webhook.settings import ENV_LOG_FILE, ENV_LOG_FILE_BACKUPS

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SERVICE_APP = "project3_webhook.main:app"
BARE_APP = "project3_webhook.bare_endpoint:app"
# Each wrk run starts with a burst of slow responses while its connections open: measured against
# the bare endpoint, 2-second runs had a p99 of 54-208 ms where 8-second runs had 15-25 ms. Rounds
# of 10 s keep that burst out of the p99 being compared.
DEFAULT_DURATION = 10
DEFAULT_WARMUP = 2
DEFAULT_ROUNDS = 4
DEFAULT_CONNECTIONS = 50
DEFAULT_THREADS = 2
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 30.0
# Rotated JSON-lines files the service keeps in a benchmark, twice its default: a run writes some
# 300 MB, and every record must still be there to be counted. (Not more: each rotation checks for
# every possible backup name, on the logging thread.)
KEPT_LOG_FILES = 10
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
  -- The whole latency histogram, so that rounds can be pooled: [microseconds, count] pairs.
  local histogram = {}
  for i = 1, #latency do
    local microseconds, count = latency(i)
    histogram[i] = string.format("[%d,%d]", microseconds, count)
  end
  local errors = summary.errors
  io.write(string.format(
    '\\nBENCH {"requests": %d, "seconds": %f, "non_2xx": %d, "socket_errors": %d, '
    .. '"latency_us": [%s]}\\n',
    summary.requests, summary.duration / 1e6, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout, table.concat(histogram, ",")))
end
"""


@dataclass(frozen=True)
class LoadResult:
    """What wrk measured against one server, in one run or pooled over several.

    `latency_us` counts the responses by latency in microseconds.
    """

    requests: int
    seconds: float
    non_2xx: int
    socket_errors: int
    latency_us: Counter[int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def p50_ms(self) -> float:
        return self.percentile_ms(50)

    @property
    def p99_ms(self) -> float:
        return self.percentile_ms(99)

    def percentile_ms(self, percent: float) -> float:
        """The latency that `percent` % of responses took at most, ranked as wrk ranks it."""
        total = self.latency_us.total()
        # wrk's rank: C's round(percent / 100 * total + 0.5), which is this.
        rank = min(math.floor(percent / 100 * total) + 1, total)
        seen = 0
        for microseconds in sorted(self.latency_us):
            seen += self.latency_us[microseconds]
            if seen >= rank:
                return microseconds / 1000
        return 0.0

    @classmethod
    def pooled(cls, results: Iterable[LoadResult]) -> LoadResult:
        """All `results` as if they were one run: requests and seconds added, histograms merged."""
        results = list(results)
        latency: Counter[int] = Counter()
        for result in results:
            latency.update(result.latency_us)
        return cls(
            requests=sum(result.requests for result in results),
            seconds=sum(result.seconds for result in results),
            non_2xx=sum(result.non_2xx for result in results),
            socket_errors=sum(result.socket_errors for result in results),
            latency_us=latency,
        )


@dataclass(frozen=True)
class Measurement:
    """One load run against one server: what wrk saw, and the server's CPU time per request.

    `loop_cpu_us` is the main (event loop) thread's CPU time per request, `thread_cpu_us` that of
    all other threads (the logging thread); both None where /proc is not available.
    """

    result: LoadResult
    loop_cpu_us: float | None
    thread_cpu_us: float | None

    @property
    def acknowledged(self) -> int:
        """Requests wrk saw answered with a 2xx: deliveries the service must have recorded."""
        return self.result.requests - self.result.non_2xx

    @classmethod
    def pooled(cls, runs: Iterable[Measurement]) -> Measurement:
        """All `runs` as one: the load results pooled, CPU times averaged over all requests."""
        runs = list(runs)
        requests = [run.result.requests for run in runs]
        return cls(
            LoadResult.pooled(run.result for run in runs),
            _weighted_mean([run.loop_cpu_us for run in runs], requests),
            _weighted_mean([run.thread_cpu_us for run in runs], requests),
        )


def _weighted_mean(values: list[float | None], weights: list[int]) -> float | None:
    """The mean of `values` weighted by `weights`; None if any value is unknown."""
    known = [value for value in values if value is not None]
    if len(known) < len(values) or sum(weights) == 0:
        return None
    return sum(value * weight for value, weight in zip(known, weights, strict=True)) / sum(weights)


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
    return parse_report(output)


def parse_report(wrk_output: str) -> LoadResult:
    """The figures in the `BENCH {...}` line that `WRK_SCRIPT` adds to wrk's own report."""
    line = next(line for line in wrk_output.splitlines() if line.startswith("BENCH "))
    raw = json.loads(line.removeprefix("BENCH "))
    return LoadResult(
        requests=raw["requests"],
        seconds=raw["seconds"],
        non_2xx=raw["non_2xx"],
        socket_errors=raw["socket_errors"],
        latency_us=Counter(dict(raw["latency_us"])),
    )


@dataclass(frozen=True)
class Server:
    """A running uvicorn process and the URL of its `/webhook`."""

    process: subprocess.Popen[bytes]
    url: str


@contextmanager
def running(
    app: str, args: argparse.Namespace, workdir: Path, log_file: Path | None
) -> Iterator[Server]:
    """Run `app` in its own uvicorn process until the block ends, then stop it with SIGINT."""
    port = free_port()
    env = {**os.environ}
    env.pop(ENV_LOG_FILE, None)
    if log_file is not None:
        env[ENV_LOG_FILE] = str(log_file)
        env[ENV_LOG_FILE_BACKUPS] = str(KEPT_LOG_FILES)
    command = [sys.executable, "-m", "uvicorn", app, "--host", HOST, "--port", str(port)]
    command += args.uvicorn_args.split()
    with (workdir / f"{app.replace(':', '_')}.log").open("wb") as output:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=output, stderr=output)
        try:
            wait_for_port(process, port)
            yield Server(process, f"http://{HOST}:{port}/webhook")
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def measure(server: Server, args: argparse.Namespace, seconds: int, workdir: Path) -> Measurement:
    """Load `server` with wrk for `seconds`, reading its threads' CPU time around the run."""
    before = thread_cpu_seconds(server.process.pid)
    result = run_wrk(server.url, args, seconds, workdir)
    after = thread_cpu_seconds(server.process.pid)
    loop_cpu = other_cpu = None
    if before and after and result.requests:
        per_request = 1e6 / result.requests
        pid = server.process.pid
        loop_cpu = (after[pid] - before.get(pid, 0.0)) * per_request
        other_cpu = (sum(after.values()) - sum(before.values())) * per_request - loop_cpu
    return Measurement(result, loop_cpu, other_cpu)


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


def report_round(number: int, first: str, bare: Measurement, service: Measurement) -> None:
    """One line per round: which server was loaded first, each one's requests/s and p99, and the
    two ratios."""
    b, r = bare.result, service.result
    print(
        f"  round {number:>2} ({first + ' first':<13}): "
        f"bare {b.per_second:>6,.0f}/s p99 {b.p99_ms:6.2f} ms | "
        f"service {r.per_second:>6,.0f}/s p99 {r.p99_ms:6.2f} ms | "
        f"ratios {r.per_second / b.per_second:.3f} {r.p99_ms / b.p99_ms:.3f}"
    )


def report_pooled(bare: Measurement, service: Measurement) -> tuple[float, float]:
    """Both servers' figures over all rounds; return the throughput and p99 ratios."""
    print(
        f"  {'server':<26}{'requests/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}"
        f"{'loop us':>10}{'thread us':>10}"
    )
    for name, run in (("bare FastAPI endpoint", bare), ("webhook service + file", service)):
        r = run.result
        errors = r.non_2xx + r.socket_errors
        cpu = f"{_us(run.loop_cpu_us):>10}{_us(run.thread_cpu_us):>10}"
        print(
            f"  {name:<26}{r.per_second:>12,.0f}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}{errors:>8}{cpu}"
        )
    print("  (loop us / thread us: CPU time per request of the event loop / the logging thread)")
    return (
        service.result.per_second / bare.result.per_second,
        service.result.p99_ms / bare.result.p99_ms,
    )


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _us(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duration", type=int, default=DEFAULT_DURATION, help="seconds of load per server a round"
    )
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
    rounds: list[dict[str, Measurement]] = []
    with tempfile.TemporaryDirectory(prefix="webhook-bench-") as tmp:
        workdir = Path(tmp)
        log_file = workdir / "deliveries.jsonl"
        with (
            running(BARE_APP, args, workdir, log_file=None) as bare,
            running(SERVICE_APP, args, workdir, log_file=log_file) as service,
        ):
            measure(bare, args, args.warmup, workdir)
            acknowledged = measure(service, args, args.warmup, workdir).acknowledged
            servers = [("bare", bare), ("service", service)]
            for number in range(1, args.rounds + 1):
                # The bare endpoint first in odd rounds, the service first in even ones: a machine
                # that speeds up or slows down during the run then favours neither.
                order = servers if number % 2 else servers[::-1]
                runs = {
                    name: measure(server, args, args.duration, workdir) for name, server in order
                }
                acknowledged += runs["service"].acknowledged
                report_round(number, order[0][0], runs["bare"], runs["service"])
                rounds.append(runs)
        # The service has stopped (SIGINT, as Ctrl-C would), so its file is complete.
        records = count_records(log_file)
    print(
        f"all {args.rounds} rounds pooled ({args.rounds * args.duration} s of load on each server):"
    )
    throughput, p99 = report_pooled(
        Measurement.pooled(runs["bare"] for runs in rounds),
        Measurement.pooled(runs["service"] for runs in rounds),
    )
    lost = max(0, acknowledged - records)
    fast_enough, tail_short = _verdict(throughput >= THROUGHPUT_GOAL), _verdict(p99 <= P99_GOAL)
    print(f"throughput ratio {throughput:.3f} (goal >= {THROUGHPUT_GOAL}: {fast_enough})")
    print(f"p99 ratio        {p99:.3f} (goal <= {P99_GOAL}: {tail_short})")
    print(
        f"records lost     {lost} (goal 0: {_verdict(lost == 0)}): {records:,} in the file for "
        f"{acknowledged:,} deliveries acknowledged to wrk"
    )


if __name__ == "__main__":
    main()
