"""Fixtures for the downloader's tests."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from project1_downloader.asset_server import AssetServer
from project1_downloader.downloader import download_urls
from project1_downloader.reporting import Reporter, Summary
from project1_downloader.retry import RetryPolicy
from project1_downloader.url_list import parse_url_lines

CLI_TIMEOUT = 60
SCRIPT = Path(__file__).resolve().parents[1] / "download.py"


@dataclass
class Run:
    """What one in-process run returned and printed."""

    summary: Summary
    stdout: str
    stderr: str
    delays: list[float] = field(default_factory=list)

    @property
    def stdout_lines(self) -> list[str]:
        return self.stdout.splitlines()

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.splitlines()


DownloadFn = Callable[..., Awaitable[Run]]


@pytest.fixture
def output_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def download(output_dir: Path) -> DownloadFn:
    """Run the downloader in-process on a list of URLs, with a plain httpx client (so respx can
    intercept it) and a sleep that records retry delays instead of waiting."""

    async def run(urls: Sequence[str], **options: Any) -> Run:
        out, err = io.StringIO(), io.StringIO()
        delays: list[float] = []

        async def sleep(seconds: float) -> None:
            delays.append(seconds)

        options.setdefault("retry_policy", RetryPolicy(retries=2))
        async with httpx.AsyncClient() as client:
            summary = await download_urls(
                parse_url_lines(urls),
                output_dir,
                client,
                Reporter(out=out, err=err),
                sleep=sleep,
                **options,
            )
        return Run(summary, out.getvalue(), err.getvalue(), delays)

    return run


@dataclass
class AssetSite:
    server: AssetServer
    url: str


@pytest.fixture
def asset_site(serve_app) -> AssetSite:
    """A real asset server on a free loopback port, with 50 ms of latency per request."""
    server = AssetServer(latency=0.05)
    return AssetSite(server, serve_app(server))


CliRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_cli(tmp_path: Path) -> CliRunner:
    """Run `python project1_downloader/download.py ARGS` in a fresh folder, as a user would."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(SCRIPT), *args],
            cwd=tmp_path,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )

    return run
