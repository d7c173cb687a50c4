"""Benchmark: the downloader against curl and aria2c, on the same local server, in the same run.

    python project1_downloader/bench.py                # both scenarios, 3 runs each
    python project1_downloader/bench.py --repeat 1 --large-mib 64

Two scenarios: many small files from a slow server (where concurrency and per-request overhead
matter), and a few large files (where per-byte cost and memory matter). Every program runs as a
separate process against the same asset server; the best of `--repeat` runs is reported with
the program's peak RSS, and the downloader's time is also shown as a ratio to curl's and aria2c's.
curl and aria2c rows appear when they are installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script, Python puts this file's folder on sys.path; the package needs its parent.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

MIB = 1024 * 1024
CONCURRENCY = 50
SMALL_COUNT = 500
SMALL_SIZE = 16 * 1024
SMALL_LATENCY = 0.05
LARGE_COUNT = 4
LARGE_MIB = 256
DEFAULT_REPEAT = 3
SERVER_START_TIMEOUT = 20.0
SCRIPT = Path(__file__).resolve().parent / "download.py"
REPO_ROOT = SCRIPT.parent.parent


@dataclass(frozen=True)
class Scenario:
    title: str
    count: int
    size: int
    latency: float


@dataclass(frozen=True)
class Job:
    """What a program is asked to fetch: `urls[i]` is to be saved as `names[i]`."""

    urls: list[str]
    names: list[str]
    size: int
    urls_file: Path
    folder: Path


@dataclass(frozen=True)
class Result:
    seconds: float
    peak_rss_mib: float


CommandFor = Callable[[Job], list[str]]


def downloader(pool: str) -> CommandFor:
    def command(job: Job) -> list[str]:
        return [
            sys.executable, str(SCRIPT), "--urls-file", str(job.urls_file),
            "--output-dir", str(job.folder), "--concurrency", str(CONCURRENCY), "--pool", pool,
        ]  # fmt: skip

    return command


def curl(job: Job) -> list[str]:
    config = job.urls_file.with_suffix(".curl")
    config.write_text(
        "".join(
            f'url = "{url}"\noutput = "{job.folder / name}"\n'
            for url, name in zip(job.urls, job.names, strict=True)
        )
    )
    return ["curl", "--silent", "--parallel", "--parallel-max", str(CONCURRENCY), "-K", str(config)]


def aria2c(job: Job) -> list[str]:
    return [
        "aria2c",
        "--quiet",
        "-j",
        str(CONCURRENCY),
        "-i",
        str(job.urls_file),
        "-d",
        str(job.folder),
    ]


def programs() -> dict[str, CommandFor]:
    found = {
        "download.py": downloader("aiohttp"),
        "download.py --pool httpx": downloader("httpx"),
    }
    if shutil.which("curl"):
        found["curl --parallel"] = curl
    if shutil.which("aria2c"):
        found["aria2c -j 50"] = aria2c
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def asset_server(latency: float) -> Iterator[str]:
    """The asset server in its own process, so it never competes with a client for the GIL."""
    port = free_port()
    command = [
        sys.executable, "-m", "project1_downloader.asset_server",
        "--port", str(port), "--latency", str(latency),
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the asset server did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait()


def run_once(command: list[str], job: Job) -> Result:
    """Run one program to completion; its wall time and the peak RSS of that process alone."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        # wait4 reports the resources of this one child, unlike getrusage(RUSAGE_CHILDREN).
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            errors.seek(0)
            message = errors.read(500).decode(errors="replace")
            raise RuntimeError(f"{' '.join(command[:2])} exited with {code}: {message}")
    check_complete(job)
    return Result(seconds, usage.ru_maxrss / 1024)


def check_complete(job: Job) -> None:
    """A fast wrong answer is no answer: every file must be there, whole."""
    wrong = [name for name in job.names if (job.folder / name).stat().st_size != job.size]
    if wrong:
        raise RuntimeError(f"{len(wrong)} files incomplete, e.g. {wrong[0]}")


def measure(scenario: Scenario, repeat: int, workdir: Path) -> dict[str, Result]:
    results: dict[str, Result] = {}
    with asset_server(scenario.latency) as base_url:
        names = [f"asset-{n:05d}.bin" for n in range(scenario.count)]
        urls = [f"{base_url}/bytes/{scenario.size}/{name}" for name in names]
        urls_file = workdir / "urls.txt"
        urls_file.write_text("\n".join(urls) + "\n")
        for label, command_for in programs().items():
            runs = []
            for _ in range(repeat):
                folder = workdir / "out"
                folder.mkdir()
                job = Job(urls, names, scenario.size, urls_file, folder)
                runs.append(run_once(command_for(job), job))
                shutil.rmtree(folder)
            results[label] = min(runs, key=lambda result: result.seconds)
    return results


def report(console: Console, scenario: Scenario, results: dict[str, Result]) -> None:
    references = {
        label: results[label] for label in ("curl --parallel", "aria2c -j 50") if label in results
    }
    table = Table(title=scenario.title, title_justify="left")
    table.add_column("program")
    table.add_column("wall time", justify="right")
    table.add_column("peak RSS", justify="right")
    for name in references:
        table.add_column(f"vs {name.split()[0]}", justify="right")
    for label, result in results.items():
        ratios = [f"{result.seconds / reference.seconds:.2f}x" for reference in references.values()]
        table.add_row(label, f"{result.seconds:.2f} s", f"{result.peak_rss_mib:.0f} MiB", *ratios)
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, help="runs per program")
    parser.add_argument("--small-count", type=int, default=SMALL_COUNT)
    parser.add_argument("--large-mib", type=int, default=LARGE_MIB, help="size of each large file")
    args = parser.parse_args()
    scenarios = [
        Scenario(
            f"{args.small_count} files of {SMALL_SIZE // 1024} KiB, "
            f"{SMALL_LATENCY * 1000:.0f} ms server latency, concurrency {CONCURRENCY}",
            args.small_count, SMALL_SIZE, SMALL_LATENCY,
        ),
        Scenario(
            f"{LARGE_COUNT} files of {args.large_mib} MiB, concurrency {CONCURRENCY}",
            LARGE_COUNT, args.large_mib * MIB, 0.0,
        ),
    ]  # fmt: skip
    console = Console()
    console.print(f"best of {args.repeat} runs each; {os.cpu_count()} CPUs")
    for scenario in scenarios:
        with tempfile.TemporaryDirectory(prefix="download-bench-") as workdir:
            report(console, scenario, measure(scenario, args.repeat, Path(workdir)))


if __name__ == "__main__":
    main()
