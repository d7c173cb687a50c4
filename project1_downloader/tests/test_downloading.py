"""Downloading, with the network mocked by respx: what is saved, retried, skipped and reported."""

from __future__ import annotations

import asyncio
import gzip

import httpx
import pytest

from project1_downloader.retry import DEFAULT_MAX_RETRY_AFTER, RetryPolicy

BASE = "https://assets.example"
BIG_CHUNK = b"x" * (64 * 1024)  # larger than Python's write buffer, so it reaches the disk


def files_in(folder):
    return sorted(path.name for path in folder.iterdir())


class ChunkStream(httpx.AsyncByteStream):
    """A response body delivered chunk by chunk, calling `between` after each chunk, and then
    optionally failing as a dropped connection would."""

    def __init__(self, chunks, between=None, error=None):
        self.chunks = chunks
        self.between = between
        self.error = error

    async def __aiter__(self):
        for chunk in self.chunks:
            yield chunk
            if self.between:
                self.between()
        if self.error:
            raise self.error


async def test_file_is_saved_under_its_url_name(download, output_dir, respx_mock):
    respx_mock.get(f"{BASE}/img/photo.jpg").respond(200, content=b"JPEG DATA")
    run = await download([f"{BASE}/img/photo.jpg"])
    assert (output_dir / "photo.jpg").read_bytes() == b"JPEG DATA"
    assert run.summary.downloaded == 1


async def test_body_is_streamed_into_a_part_file_then_renamed(download, output_dir, respx_mock):
    seen_while_streaming = []

    def look():
        seen_while_streaming.append(
            [(path.name, path.stat().st_size) for path in output_dir.iterdir()]
        )

    body = ChunkStream([BIG_CHUNK, BIG_CHUNK], between=look)
    respx_mock.get(f"{BASE}/big.bin").mock(return_value=httpx.Response(200, stream=body))
    await download([f"{BASE}/big.bin"])
    ((first_name, first_size),) = seen_while_streaming[0]
    assert first_name.endswith(".part"), "the body must go to a .part file while it arrives"
    assert first_size == len(BIG_CHUNK), "each chunk must reach the disk as it arrives"
    assert files_in(output_dir) == ["big.bin"], "the .part file is renamed when complete"
    assert (output_dir / "big.bin").read_bytes() == BIG_CHUNK * 2


async def test_redirect_is_followed_and_the_target_saved(download, output_dir, respx_mock):
    respx_mock.get(f"{BASE}/latest.zip").respond(302, headers={"Location": "/v2/app-2.0.zip"})
    respx_mock.get(f"{BASE}/v2/app-2.0.zip").respond(200, content=b"PK zip")
    await download([f"{BASE}/latest.zip"])
    assert (output_dir / "latest.zip").read_bytes() == b"PK zip", (
        "the redirect's body must not be saved as the file"
    )


async def test_non_2xx_response_is_a_failure_and_its_body_never_written(
    download, output_dir, respx_mock
):
    respx_mock.get(f"{BASE}/missing.png").respond(404, content=b"<h1>Not Found</h1>")
    run = await download([f"{BASE}/missing.png"])
    assert files_in(output_dir) == []
    assert run.stderr_lines == ["Failed missing.png: HTTP 404 Not Found"]
    assert run.summary.failed == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
async def test_other_4xx_fail_at_once_without_retry(status, download, respx_mock):
    route = respx_mock.get(f"{BASE}/file.txt").respond(status)
    run = await download([f"{BASE}/file.txt"])
    assert route.call_count == 1
    assert run.delays == []


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
async def test_transient_status_is_retried(status, download, output_dir, respx_mock):
    route = respx_mock.get(f"{BASE}/file.txt")
    route.side_effect = [httpx.Response(status), httpx.Response(200, content=b"ok")]
    run = await download([f"{BASE}/file.txt"])
    assert route.call_count == 2
    assert (output_dir / "file.txt").read_bytes() == b"ok"
    assert run.summary.downloaded == 1


async def test_retries_stop_after_the_limit(download, output_dir, respx_mock):
    route = respx_mock.get(f"{BASE}/file.txt").respond(503)
    run = await download([f"{BASE}/file.txt"], retry_policy=RetryPolicy(retries=3))
    assert route.call_count == 4, "one attempt and three retries"
    assert len(run.delays) == 3
    assert run.stderr_lines[-1] == "Failed file.txt: HTTP 503 Service Unavailable"
    assert files_in(output_dir) == []


async def test_backoff_delays_grow_exponentially(download, respx_mock):
    respx_mock.get(f"{BASE}/file.txt").respond(500)
    policy = RetryPolicy(retries=4, base_delay=1.0, max_delay=100.0)
    run = await download([f"{BASE}/file.txt"], retry_policy=policy)
    ceilings = [1.0, 2.0, 4.0, 8.0]
    assert all(0 <= delay <= ceiling for delay, ceiling in zip(run.delays, ceilings, strict=True))


async def test_retry_after_is_honoured(download, respx_mock):
    route = respx_mock.get(f"{BASE}/file.txt")
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(200, content=b"ok"),
    ]
    run = await download([f"{BASE}/file.txt"])
    assert run.delays == [2.0]
    assert run.stderr_lines == ["Retrying file.txt in 2.0 s (1 of 2): HTTP 429 Too Many Requests"]


async def test_retry_after_is_capped(download, respx_mock):
    route = respx_mock.get(f"{BASE}/file.txt")
    route.side_effect = [
        httpx.Response(503, headers={"Retry-After": "86400"}),
        httpx.Response(200, content=b"ok"),
    ]
    run = await download([f"{BASE}/file.txt"])
    assert run.delays == [DEFAULT_MAX_RETRY_AFTER]


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("Connection refused"),
        httpx.ConnectTimeout("timed out"),
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
    ids=lambda error: type(error).__name__,
)
async def test_network_failure_is_retried(error, download, output_dir, respx_mock):
    route = respx_mock.get(f"{BASE}/file.txt")
    route.side_effect = [error, httpx.Response(200, content=b"ok")]
    await download([f"{BASE}/file.txt"])
    assert route.call_count == 2
    assert (output_dir / "file.txt").read_bytes() == b"ok"


async def test_connection_dropped_mid_body_is_retried_without_leftovers(
    download, output_dir, respx_mock
):
    dropped = ChunkStream([BIG_CHUNK], error=httpx.RemoteProtocolError("peer closed connection"))
    route = respx_mock.get(f"{BASE}/big.bin")
    route.side_effect = [
        httpx.Response(200, stream=dropped),
        httpx.Response(200, content=b"complete"),
    ]
    await download([f"{BASE}/big.bin"])
    assert files_in(output_dir) == ["big.bin"], "the dropped attempt's .part file must be gone"
    assert (output_dir / "big.bin").read_bytes() == b"complete"


async def test_body_shorter_than_content_length_is_a_failure(download, output_dir, respx_mock):
    short = ChunkStream([b"x" * 50])
    respx_mock.get(f"{BASE}/file.bin").mock(
        return_value=httpx.Response(200, headers={"Content-Length": "100"}, stream=short)
    )
    run = await download([f"{BASE}/file.bin"], retry_policy=RetryPolicy(retries=0))
    assert files_in(output_dir) == [], "a short body must leave no file, partial or complete"
    assert run.stderr_lines == [
        "Failed file.bin: body shorter than Content-Length (50 of 100 bytes)"
    ]


async def test_file_is_saved_byte_for_byte_even_with_content_encoding(
    download, output_dir, respx_mock
):
    archive = gzip.compress(b"tar contents")
    respx_mock.get(f"{BASE}/source.tar.gz").respond(
        200, content=archive, headers={"Content-Encoding": "gzip"}
    )
    await download([f"{BASE}/source.tar.gz"])
    assert (output_dir / "source.tar.gz").read_bytes() == archive, (
        "a .tar.gz must stay gzip: the file is saved exactly as served"
    )


async def test_requests_ask_for_no_compression(download, respx_mock):
    route = respx_mock.get(f"{BASE}/page.html").respond(200, content=b"<html>")
    await download([f"{BASE}/page.html"])
    assert route.calls.last.request.headers["Accept-Encoding"] == "identity"


async def test_urls_with_the_same_name_are_all_saved(download, output_dir, respx_mock):
    for host in "abc":
        respx_mock.get(f"https://{host}.example/photo.jpg").respond(200, content=host.encode())
    await download([f"https://{host}.example/photo.jpg" for host in "abc"])
    assert files_in(output_dir) == ["photo (1).jpg", "photo (2).jpg", "photo.jpg"]
    assert (output_dir / "photo.jpg").read_bytes() == b"a"
    assert (output_dir / "photo (1).jpg").read_bytes() == b"b"
    assert (output_dir / "photo (2).jpg").read_bytes() == b"c"


async def test_same_url_listed_twice_is_downloaded_once(download, output_dir, respx_mock):
    route = respx_mock.get(f"{BASE}/photo.jpg").respond(200, content=b"jpg")
    await download([f"{BASE}/photo.jpg", f"{BASE}/photo.jpg"])
    assert route.call_count == 1
    assert files_in(output_dir) == ["photo.jpg"]


async def test_existing_file_is_skipped_and_reported(download, output_dir, respx_mock):
    (output_dir / "photo.jpg").write_bytes(b"from an earlier run")
    route = respx_mock.get(f"{BASE}/photo.jpg").respond(200, content=b"new")
    run = await download([f"{BASE}/photo.jpg"])
    assert not route.called
    assert (output_dir / "photo.jpg").read_bytes() == b"from an earlier run"
    assert run.stdout_lines == [
        "Skipped photo.jpg: already downloaded.",
        "Finished downloading 0 files.",
        "Skipped 1 file already downloaded.",
    ]


async def test_overwrite_downloads_existing_files_again(download, output_dir, respx_mock):
    (output_dir / "photo.jpg").write_bytes(b"old")
    respx_mock.get(f"{BASE}/photo.jpg").respond(200, content=b"new")
    await download([f"{BASE}/photo.jpg"], overwrite=True)
    assert (output_dir / "photo.jpg").read_bytes() == b"new"


async def test_rerun_after_a_failure_fetches_only_what_is_missing(download, output_dir, respx_mock):
    ok = respx_mock.get(f"{BASE}/a.txt").respond(200, content=b"a")
    flaky = respx_mock.get(f"{BASE}/b.txt")
    flaky.side_effect = [
        httpx.Response(200, stream=ChunkStream([BIG_CHUNK], error=httpx.ReadError("reset"))),
        httpx.Response(200, content=b"b"),
    ]
    urls = [f"{BASE}/a.txt", f"{BASE}/b.txt"]
    first = await download(urls, retry_policy=RetryPolicy(retries=0))
    assert first.summary.failed == 1
    assert files_in(output_dir) == ["a.txt"], "a failed download must not look finished"

    second = await download(urls, retry_policy=RetryPolicy(retries=0))
    assert ok.call_count == 1, "the finished file is not fetched again"
    assert (output_dir / "b.txt").read_bytes() == b"b"
    assert (second.summary.downloaded, second.summary.skipped) == (1, 1)


async def test_unexpected_error_fails_only_that_file(download, output_dir, respx_mock):
    respx_mock.get(f"{BASE}/bad.txt").mock(side_effect=RuntimeError("something odd"))
    respx_mock.get(f"{BASE}/good.txt").respond(200, content=b"good")
    run = await download([f"{BASE}/bad.txt", f"{BASE}/good.txt"])
    assert files_in(output_dir) == ["good.txt"]
    assert "Failed bad.txt: something odd" in run.stderr_lines


async def test_downloads_run_concurrently_up_to_the_limit(download, respx_mock):
    in_flight = 0
    peak = 0

    async def slow_response(request):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return httpx.Response(200, content=b"data")

    respx_mock.get(url__startswith=BASE).mock(side_effect=slow_response)
    run = await download([f"{BASE}/file-{n}.bin" for n in range(30)], concurrency=4)
    assert peak == 4, "requests must run concurrently, but never more than --concurrency"
    assert run.summary.downloaded == 30


async def test_progress_and_summary_lines(download, respx_mock):
    respx_mock.get(f"{BASE}/a.txt").respond(200, content=b"a")
    respx_mock.get(f"{BASE}/gone.txt").respond(410)
    run = await download([f"{BASE}/a.txt", "not a url", f"{BASE}/gone.txt"])
    assert sorted(run.stdout_lines[:-3]) == [
        "Downloading a.txt...",
        "Downloading gone.txt...",
        "Finished a.txt.",
    ]
    assert run.stdout_lines[-3:] == [
        "Finished downloading 1 file.",
        "Failed to download 1 file.",
        "Ignored 1 invalid line.",
    ]
    assert run.stderr_lines == [
        "Line 2: not an http(s) URL: not a url",
        "Failed gone.txt: HTTP 410 Gone",
    ]


async def test_control_characters_in_messages_are_escaped(download, respx_mock):
    respx_mock.get(f"{BASE}/odd.txt").mock(side_effect=RuntimeError("line one\nFinished odd.txt."))
    run = await download(["http://x/\x1b[2Jclear", f"{BASE}/odd.txt"])
    assert "\x1b" not in run.stderr, "input must not reach the terminal as escape sequences"
    assert run.stderr_lines[0].endswith(": http://x/\\x1b[2Jclear")
    assert run.stderr_lines[1:] == ["Failed odd.txt: line one\\nFinished odd.txt."], (
        "a message must not forge extra lines"
    )
