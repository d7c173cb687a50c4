"""The asynchronous core: many downloads at once through one shared client.

`asyncio.gather` starts a coroutine per URL; a semaphore lets only `concurrency` of them hold a
connection at a time, so 10,000 URLs never mean 10,000 sockets, 10,000 open files, or requests
queueing inside the client's pool until its pool timeout fires. A download that waits to retry
gives its slot back first, so one flaky server does not hold up everybody else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from project1_downloader.atomic_file import atomic_file
from project1_downloader.naming import NameAllocator, filename_from_url
from project1_downloader.reporting import Reporter, Summary
from project1_downloader.retry import RETRYABLE_STATUS_CODES, RetryPolicy, parse_retry_after
from project1_downloader.url_list import UrlList

DEFAULT_CONCURRENCY = 10
# Save each file exactly as the server stores it, as wget does: ask for no compression on the way,
# and write the bytes as they arrive (`aiter_raw`), so a `.tar.gz` stays gzip even if a server
# labels it `Content-Encoding: gzip`.
REQUEST_HEADERS = {"Accept-Encoding": "identity"}
# Transport failures that mean "the network hiccupped", not "this URL is wrong".
RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Job:
    url: str
    name: str


@dataclass
class Plan:
    jobs: list[Job]
    skipped: list[str]


class DownloadError(Exception):
    """A download attempt failed; `reason` is what the user is told.

    Parameters:
        reason: a short human explanation ("HTTP 404 Not Found").
        retryable: whether trying again later might succeed.
        retry_after: seconds the server asked us to wait, if it said.
    """

    def __init__(self, reason: str, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


def plan_downloads(urls: Sequence[str], output_dir: Path, overwrite: bool) -> Plan:
    """Give every URL its own file name, and skip files an earlier run already finished.

    Finished files are complete by construction (they only appear by renaming a complete
    `.part` file), so "the file exists" safely means "this URL was downloaded".
    """
    allocator = NameAllocator()
    plan = Plan(jobs=[], skipped=[])
    for url in urls:
        name = allocator.allocate(filename_from_url(url))
        if not overwrite and is_file(output_dir / name):
            plan.skipped.append(name)
        else:
            plan.jobs.append(Job(url, name))
    return plan


def is_file(path: Path) -> bool:
    """Whether `path` is a file; a path that cannot even be looked at (too long, say) is not."""
    try:
        return path.is_file()
    except OSError:
        return False


class Downloader:
    """Downloads jobs into a folder, at most `concurrency` at a time, retrying transient failures.

    Parameters:
        client: the one client shared by every download (its connection pool is the point).
        output_dir: where the files go.
        reporter: told about every start, chunk, retry, success and failure.
        concurrency: how many downloads may be in flight at once.
        retry_policy: how often and how long to wait between attempts.
        sleep: how to wait between attempts (tests pass one that records the delays).
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        output_dir: Path,
        reporter: Reporter,
        concurrency: int = DEFAULT_CONCURRENCY,
        retry_policy: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._client = client
        self._output_dir = output_dir
        self._reporter = reporter
        self._slots = asyncio.Semaphore(concurrency)
        self._policy = retry_policy or RetryPolicy()
        self._sleep = sleep

    async def download_all(self, jobs: Sequence[Job]) -> list[bool]:
        """Run every job concurrently; True for each file that was downloaded."""
        return await asyncio.gather(*(self.download(job) for job in jobs))

    async def download(self, job: Job) -> bool:
        """Download one file, retrying as the policy allows; report and return the outcome."""
        retry = 0
        while True:
            try:
                await self._attempt(job, first=retry == 0)
            except DownloadError as error:
                if not error.retryable or retry >= self._policy.retries:
                    self._reporter.failed(job.name, error.reason)
                    return False
                delay = self._policy.delay(retry, error.retry_after)
                retry += 1
                self._reporter.retrying(job.name, retry, self._policy.retries, delay, error.reason)
                await self._sleep(delay)
            except Exception as error:  # anything unforeseen fails this file, not the whole run
                self._reporter.failed(job.name, describe(error))
                return False
            else:
                self._reporter.finished(job.name)
                return True

    async def _attempt(self, job: Job, first: bool) -> None:
        async with self._slots:
            if first:
                self._reporter.started(job.name)
            try:
                await self._fetch(job)
            except RETRYABLE_ERRORS as error:
                raise DownloadError(describe(error), retryable=True) from error
            except (httpx.HTTPError, OSError) as error:
                raise DownloadError(describe(error), retryable=False) from error

    async def _fetch(self, job: Job) -> None:
        # httpx does not follow redirects by default: without this, a "302 Found" page would be
        # saved under the name of the file it points to.
        async with self._client.stream(
            "GET", job.url, headers=REQUEST_HEADERS, follow_redirects=True
        ) as response:
            check_status(response)
            expected = content_length(response)
            self._reporter.receiving(job.name, expected)
            received = 0
            with atomic_file(self._output_dir / job.name) as file:
                async for chunk in response.aiter_raw():
                    # A plain write: it lands in the OS page cache in microseconds, far less
                    # than handing each chunk to a thread would cost.
                    file.write(chunk)
                    received += len(chunk)
                    self._reporter.advanced(job.name, len(chunk))
                if expected is not None and received < expected:
                    raise DownloadError(
                        f"body shorter than Content-Length ({received} of {expected} bytes)",
                        retryable=True,
                    )


def check_status(response: httpx.Response) -> None:
    """Raise DownloadError unless the response is a 2xx; its body is then never written."""
    if response.is_success:
        return
    reason = f"HTTP {response.status_code} {response.reason_phrase}".strip()
    retryable = response.status_code in RETRYABLE_STATUS_CODES
    retry_after = parse_retry_after(response.headers.get("Retry-After")) if retryable else None
    raise DownloadError(reason, retryable=retryable, retry_after=retry_after)


def content_length(response: httpx.Response) -> int | None:
    """The body's length in bytes if the response states it (and sanely), else None."""
    length = response.headers.get("Content-Length", "")
    return int(length) if length.isdigit() else None


def describe(error: BaseException) -> str:
    """The error's own message; its class name when it has none (httpx's timeouts often don't)."""
    return str(error) or type(error).__name__


async def download_urls(
    url_list: UrlList,
    output_dir: Path,
    client: httpx.AsyncClient,
    reporter: Reporter,
    concurrency: int = DEFAULT_CONCURRENCY,
    retry_policy: RetryPolicy | None = None,
    overwrite: bool = False,
    sleep: Sleep = asyncio.sleep,
) -> Summary:
    """The whole run: report bad lines, plan names, download, and print the summary."""
    for line in url_list.invalid:
        reporter.invalid_line(line)
    plan = plan_downloads(url_list.urls, output_dir, overwrite)
    for name in plan.skipped:
        reporter.skipped(name)
    downloader = Downloader(client, output_dir, reporter, concurrency, retry_policy, sleep)
    outcomes = await downloader.download_all(plan.jobs)
    summary = Summary(
        downloaded=sum(outcomes),
        skipped=len(plan.skipped),
        failed=outcomes.count(False),
        invalid_lines=len(url_list.invalid),
    )
    reporter.summary(summary)
    return summary
