"""The real command line against a real asset server on 127.0.0.1."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO_ROOT, find_free_port
from project1_downloader.asset_server import FLAKY_SUCCESS_SIZE, asset_bytes
from project1_downloader.download import EXIT_FAILED, EXIT_OK
from project1_downloader.tests.conftest import CLI_TIMEOUT, SCRIPT
from project1_downloader.transport import POOLS

pytestmark = pytest.mark.e2e

WAIT_TIMEOUT = 20.0


def write_urls(tmp_path, *urls):
    path = tmp_path / "urls.txt"
    path.write_text("\n".join(urls) + "\n")
    return path


def folder_contents(folder):
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_downloads_every_url_and_prints_each_step(asset_site, run_cli, tmp_path):
    urls = write_urls(
        tmp_path,
        "# assets for the test",
        f"{asset_site.url}/bytes/1000/a.bin",
        f"{asset_site.url}/bytes/200000/b.bin?version=2",
        "",
        f"{asset_site.url}/bytes/0/empty.txt",
    )
    result = run_cli("--urls-file", str(urls))
    assert result.returncode == EXIT_OK, result.stderr
    downloads = tmp_path / "downloads"
    assert folder_contents(downloads) == ["a.bin", "b.bin", "empty.txt"]
    assert (downloads / "b.bin").read_bytes() == asset_bytes(200_000)
    lines = result.stdout.splitlines()
    assert sorted(lines[:-1]) == [
        "Downloading a.bin...",
        "Downloading b.bin...",
        "Downloading empty.txt...",
        "Finished a.bin.",
        "Finished b.bin.",
        "Finished empty.txt.",
    ]
    assert lines[-1] == "Finished downloading 3 files."
    assert result.stderr == ""
    assert "\x1b[" not in result.stdout, "no progress bars or colours when not on a terminal"


@pytest.mark.parametrize("pool", POOLS)
def test_redirect_is_followed_with_a_plain_get(pool, asset_site, run_cli, tmp_path):
    urls = write_urls(tmp_path, f"{asset_site.url}/redirect/5000/logo.png")
    result = run_cli("--urls-file", str(urls), "--pool", pool)
    assert result.returncode == EXIT_OK
    assert (tmp_path / "downloads" / "logo.png").read_bytes() == asset_bytes(5000)
    (followed,) = asset_site.server.hits("/bytes/5000/logo.png")
    assert "transfer-encoding" not in followed.headers, "a GET after a redirect has no body"
    assert "content-length" not in followed.headers


@pytest.mark.parametrize("pool", POOLS)
def test_url_is_sent_exactly_as_written(pool, asset_site, run_cli, tmp_path):
    query = "X-Signature=ab%2Bcd%2Fef&next=%3F%23&odd=a%zz"
    urls = write_urls(tmp_path, f"{asset_site.url}/bytes/10/signed.bin?{query}")
    result = run_cli("--urls-file", str(urls), "--pool", pool)
    assert result.returncode == EXIT_OK, result.stderr
    (hit,) = asset_site.server.hits("/bytes/10/signed.bin")
    assert hit.raw_query.decode() == query, "signed URLs break if the query string is re-quoted"


@pytest.mark.parametrize("pool", POOLS)
def test_http_proxy_from_the_environment_is_used(pool, asset_site, run_cli, tmp_path):
    # The asset server answers absolute-form requests too, so it can stand in for a proxy.
    urls = write_urls(tmp_path, "http://assets.invalid/bytes/10/via-proxy.txt")
    proxy_env = {"HTTP_PROXY": asset_site.url, "http_proxy": asset_site.url}
    proxy_env |= {"NO_PROXY": "", "no_proxy": ""}
    result = run_cli("--urls-file", str(urls), "--pool", pool, "--retries", "0", env=proxy_env)
    assert result.returncode == EXIT_OK, result.stderr
    assert len(asset_site.server.hits("/bytes/10/via-proxy.txt")) == 1


@pytest.mark.parametrize("pool", POOLS)
def test_no_proxy_hosts_are_reached_directly(pool, asset_site, run_cli, tmp_path):
    urls = write_urls(tmp_path, f"{asset_site.url}/bytes/10/direct.txt")
    nowhere = f"http://127.0.0.1:{find_free_port()}"
    proxy_env = {"HTTP_PROXY": nowhere, "http_proxy": nowhere}
    proxy_env |= {"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    result = run_cli("--urls-file", str(urls), "--pool", pool, "--retries", "0", env=proxy_env)
    assert result.returncode == EXIT_OK, result.stderr


@pytest.mark.parametrize("pool", POOLS)
def test_credentials_in_the_url_become_basic_auth(pool, asset_site, run_cli, tmp_path):
    host = asset_site.url.removeprefix("http://")
    urls = write_urls(tmp_path, f"http://user:s3cret@{host}/bytes/10/private.txt")
    result = run_cli("--urls-file", str(urls), "--pool", pool)
    assert result.returncode == EXIT_OK, result.stderr
    (hit,) = asset_site.server.hits("/bytes/10/private.txt")
    assert hit.headers["authorization"] == "Basic dXNlcjpzM2NyZXQ="


def test_404_is_a_failure_and_exits_1(asset_site, run_cli, tmp_path):
    urls = write_urls(
        tmp_path, f"{asset_site.url}/status/404/missing.png", f"{asset_site.url}/bytes/10/ok.txt"
    )
    result = run_cli("--urls-file", str(urls))
    assert result.returncode == EXIT_FAILED
    assert result.stderr == "Failed missing.png: HTTP 404 Not Found\n"
    assert result.stdout.splitlines()[-2:] == [
        "Finished downloading 1 file.",
        "Failed to download 1 file.",
    ]
    assert folder_contents(tmp_path / "downloads") == ["ok.txt"]


def test_truncated_body_is_a_failure_and_leaves_no_file(asset_site, run_cli, tmp_path):
    urls = write_urls(tmp_path, f"{asset_site.url}/truncated/100000/cut.bin")
    result = run_cli("--urls-file", str(urls), "--retries", "0")
    assert result.returncode == EXIT_FAILED
    assert result.stderr.startswith("Failed cut.bin: ")
    assert "50000 of 100000 bytes" in result.stderr
    assert folder_contents(tmp_path / "downloads") == []


def test_503_is_retried_then_succeeds(asset_site, run_cli, tmp_path):
    urls = write_urls(tmp_path, f"{asset_site.url}/flaky/503/1/busy.bin")
    result = run_cli("--urls-file", str(urls))
    assert result.returncode == EXIT_OK, result.stderr
    assert len(asset_site.server.hits("/flaky/503/1/busy.bin")) == 2
    assert result.stderr == "Retrying busy.bin in 1.0 s (1 of 3): HTTP 503 Service Unavailable\n"
    assert (tmp_path / "downloads" / "busy.bin").read_bytes() == asset_bytes(FLAKY_SUCCESS_SIZE)


def test_429_waits_as_long_as_retry_after_says(asset_site, run_cli, tmp_path):
    urls = write_urls(tmp_path, f"{asset_site.url}/flaky/429/1/limited.bin")
    result = run_cli("--urls-file", str(urls))
    assert result.returncode == EXIT_OK, result.stderr
    first, second = asset_site.server.hits("/flaky/429/1/limited.bin")
    assert second.arrived - first.arrived >= 0.95, (
        "the retry must wait for the server's Retry-After: 1"
    )


def test_refused_connection_is_reported(run_cli, tmp_path):
    urls = write_urls(tmp_path, f"http://127.0.0.1:{find_free_port()}/nobody-home.txt")
    result = run_cli("--urls-file", str(urls), "--retries", "0")
    assert result.returncode == EXIT_FAILED
    assert result.stderr.startswith("Failed nobody-home.txt: ")
    assert "Traceback" not in result.stderr


def test_stalled_server_times_out(asset_site, run_cli, tmp_path):
    urls = write_urls(tmp_path, f"{asset_site.url}/stall/100000/stuck.bin")
    result = run_cli("--urls-file", str(urls), "--retries", "0", "--timeout", "0.5")
    assert result.returncode == EXIT_FAILED
    assert result.stderr.startswith("Failed stuck.bin: ")
    assert folder_contents(tmp_path / "downloads") == []


@pytest.mark.parametrize(("concurrency", "pool"), [(None, "aiohttp"), (7, "aiohttp"), (7, "httpx")])
def test_concurrency_reaches_and_never_exceeds_the_limit(
    concurrency, pool, asset_site, run_cli, tmp_path
):
    urls = write_urls(tmp_path, *(f"{asset_site.url}/bytes/2048/f{n}.bin" for n in range(40)))
    options = [] if concurrency is None else ["--concurrency", str(concurrency)]
    result = run_cli("--urls-file", str(urls), "--pool", pool, *options)
    assert result.returncode == EXIT_OK, result.stderr
    assert asset_site.server.peak_in_flight == (concurrency or 10), (
        "the server must see exactly --concurrency requests at once (default 10)"
    )
    assert result.stdout.splitlines()[-1] == "Finished downloading 40 files."


def test_rerun_skips_what_is_already_downloaded(asset_site, run_cli, tmp_path):
    urls = write_urls(
        tmp_path, f"{asset_site.url}/bytes/100/one.txt", f"{asset_site.url}/bytes/100/two.txt"
    )
    assert run_cli("--urls-file", str(urls)).returncode == EXIT_OK
    again = run_cli("--urls-file", str(urls))
    assert again.returncode == EXIT_OK
    assert again.stdout.splitlines() == [
        "Skipped one.txt: already downloaded.",
        "Skipped two.txt: already downloaded.",
        "Finished downloading 0 files.",
        "Skipped 2 files already downloaded.",
    ]
    assert len(asset_site.server.hits("/bytes/100/one.txt")) == 1


@pytest.mark.parametrize(
    "signals",
    [[signal.SIGINT], [signal.SIGINT, signal.SIGINT], [signal.SIGTERM], [signal.SIGHUP]],
    ids=["ctrl-c", "ctrl-c-twice", "sigterm", "sighup"],
)
def test_stop_signal_removes_partial_files_and_exits_128_plus_signal(
    signals, asset_site, start_program, tmp_path
):
    urls = write_urls(tmp_path, f"{asset_site.url}/stall/4000000/huge.iso")
    downloads = tmp_path / "downloads"
    program = start_program(
        sys.executable, str(SCRIPT), "--urls-file", str(urls), "--output-dir", str(downloads)
    )
    deadline = time.monotonic() + WAIT_TIMEOUT
    while not any(name.endswith(".part") for name in folder_contents(downloads)):
        assert time.monotonic() < deadline, f"no .part file appeared:\n{program.output()}"
        time.sleep(0.05)
    for signum in signals:
        program.process.send_signal(signum)
    assert program.process.wait(timeout=WAIT_TIMEOUT) == 128 + signals[0]
    assert folder_contents(downloads) == [], "a stopped run must not leave a partial file behind"
    assert f"Interrupted by {signals[0].name}" in program.output()
    assert "Traceback" not in program.output()


def test_closed_output_pipe_does_not_stop_the_downloads(asset_site, tmp_path):
    # Like `download.py ... | head -1`: the reader goes away after the first line.
    urls = write_urls(tmp_path, *(f"{asset_site.url}/bytes/100/p{n}.txt" for n in range(20)))
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--urls-file", str(urls), "--concurrency", "2"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.close()
    _, errors = process.communicate(timeout=CLI_TIMEOUT)
    assert process.returncode == EXIT_OK, errors
    assert len(folder_contents(tmp_path / "downloads")) == 20
    assert b"Traceback" not in errors


def test_runs_as_a_module(asset_site, tmp_path):
    urls = write_urls(tmp_path, f"{asset_site.url}/bytes/10/m.txt")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "project1_downloader.download",
            "--urls-file",
            str(urls),
            "--output-dir",
            str(tmp_path / "out"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert (tmp_path / "out" / "m.txt").read_bytes() == asset_bytes(10)


def test_progress_bars_are_drawn_on_a_terminal(asset_site, tmp_path):
    urls = write_urls(
        tmp_path, f"{asset_site.url}/bytes/3000000/a.bin", f"{asset_site.url}/bytes/1000/b.bin"
    )
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--urls-file", str(urls)],
        cwd=tmp_path,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**os.environ, "COLUMNS": "100", "LINES": "30", "TERM": "xterm"},
    )
    os.close(follower)
    screen = read_until_exit(leader, process)
    assert process.returncode == EXIT_OK
    assert "━" in screen, "a terminal gets progress bars"
    assert "Finished a.bin." in screen, "the plain lines still appear above the bars"
    assert "Finished downloading 2 files." in screen


def read_until_exit(leader, process):
    """Everything written to the terminal until the program exits (bounded in time)."""
    output = bytearray()
    deadline = time.monotonic() + CLI_TIMEOUT
    while time.monotonic() < deadline:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the program closed the terminal: it has exited
            break
        if not data:
            break
        output += data
    os.close(leader)
    process.wait(timeout=CLI_TIMEOUT)
    return output.decode(errors="replace")
