"""The one HTTP client that every download shares, and the connection pool under it.

One `httpx.AsyncClient` for the whole run means one connection pool: connections to a host are
opened once and reused, TLS handshakes are not repeated per file, and the pool's size is the
limit on sockets.

By default the pool under the client is aiohttp's rather than httpx's own. Everything above it
still speaks plain httpx (redirects, timeouts, errors, cookies), but httpx's pool spends CPU on
every request in proportion to connections x waiting requests: at concurrency 50 it was measured
CPU-bound at several times curl's time, while aiohttp's pool stays near curl (see the README).
`AiohttpTransport` below is the small adapter between the two: an httpx transport is just "take an
httpx.Request, return an httpx.Response whose body can be streamed".
"""

from __future__ import annotations

import contextlib
import urllib.request
from collections.abc import AsyncIterator, Iterator

import aiohttp
import httpx
import yarl

DEFAULT_TIMEOUT = 30.0
POOLS = ("aiohttp", "httpx")
DEFAULT_POOL = "aiohttp"
USER_AGENT = "asyncio-workbook-downloader/1.0"


@contextlib.contextmanager
def httpx_errors() -> Iterator[None]:
    """Raise aiohttp's errors as the httpx errors they correspond to.

    The code above the transport then handles one family of errors, whichever pool is used:
    timeouts and network failures (retried) apart from everything else (not retried).
    """
    try:
        yield
    except aiohttp.ConnectionTimeoutError as error:
        raise httpx.ConnectTimeout(str(error) or "timed out connecting") from error
    except (aiohttp.SocketTimeoutError, TimeoutError) as error:
        raise httpx.ReadTimeout(str(error) or "timed out waiting for data") from error
    except aiohttp.ClientConnectorError as error:
        raise httpx.ConnectError(str(error)) from error
    except aiohttp.ServerDisconnectedError as error:
        raise httpx.RemoteProtocolError(str(error)) from error
    except aiohttp.ClientPayloadError as error:
        # aiohttp nests the parser's complaint ("Not enough data to satisfy content length
        # header ...") inside a generic message; the complaint is the useful part.
        detail = getattr(error.__cause__, "message", error)
        raise httpx.RemoteProtocolError(f"the body broke off: {detail}") from error
    except aiohttp.ClientResponseError as error:
        # aiohttp's parser rejected what the server sent: a bad status line or headers.
        raise httpx.RemoteProtocolError(error.message) from error
    except aiohttp.InvalidURL as error:
        raise httpx.UnsupportedProtocol(f"cannot request {error}") from error
    except aiohttp.ClientError as error:  # ClientOSError and the rest: a network failure
        raise httpx.NetworkError(str(error)) from error


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends requests through an aiohttp connection pool.

    Parameters:
        limits: the pool's size (`max_connections`) and how long idle connections are kept.

    It carries requests one hop: httpx keeps following redirects, applying timeouts, building
    the headers (including `Authorization` from `user:password@` in a URL) and handling cookies.
    """

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._session: aiohttp.ClientSession | None = None
        # The proxies that HTTP_PROXY and HTTPS_PROXY name, read once; NO_PROXY is checked per
        # host. (aiohttp's own trust_env does this, and looks for a .netrc file, in a worker
        # thread on every request: that cost more CPU than the rest of the transport.)
        self._proxies = urllib.request.getproxies_environment()

    def _get_session(self) -> aiohttp.ClientSession:
        # Created on first use, inside the running event loop that it belongs to.
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._limits.max_connections or 0,
                keepalive_timeout=self._limits.keepalive_expiry,
                ssl=httpx.create_ssl_context(),
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,  # httpx decides what to decode
                cookie_jar=aiohttp.DummyCookieJar(),  # httpx keeps the cookies
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # A redirected request carries the original's body as a stream; read it (it is empty
        # for a GET) so that aiohttp does not send an empty chunked body with the GET.
        body = await request.aread()
        timeout = request.extensions.get("timeout", {})
        # Credentials in the URL are already in the Authorization header; aiohttp refuses both.
        url = request.url
        if url.userinfo:
            url = url.copy_with(username=None, password=None)
        with httpx_errors():
            response = await self._get_session().request(
                request.method,
                # encoded=True: send the URL exactly as httpx built it, never re-quoted.
                yarl.URL(str(url), encoded=True),
                headers=request.headers.multi_items(),
                data=body or None,
                allow_redirects=False,
                proxy=self._proxy_for(url),
                timeout=aiohttp.ClientTimeout(
                    sock_connect=timeout.get("connect"), sock_read=timeout.get("read")
                ),
            )
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=AiohttpBody(response),
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode(),
            },
        )

    def _proxy_for(self, url: httpx.URL) -> str | None:
        """The proxy named for `url`'s scheme, unless NO_PROXY exempts its host."""
        proxy = self._proxies.get(url.scheme)
        if proxy is None or urllib.request.proxy_bypass(url.host):
            return None
        return proxy

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class AiohttpBody(httpx.AsyncByteStream):
    """A response body, passed on in whatever pieces aiohttp has buffered.

    Not re-sliced into small chunks: every chunk costs a trip through httpx and the write loop,
    and aiohttp's flow control already keeps each piece small.
    """

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with httpx_errors():
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        self._response.release()


def build_client(
    concurrency: int, timeout: float = DEFAULT_TIMEOUT, pool: str = DEFAULT_POOL
) -> httpx.AsyncClient:
    """The shared client: a pool as large as the concurrency, and one timeout for every phase.

    The pool holds exactly as many connections as downloads may run at once (the semaphore sees
    to that), so no request ever waits for a free connection and hits the pool timeout.
    `pool="httpx"` keeps httpx's own pool, which also speaks HTTP/2 and SOCKS proxies.
    """
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    transport = AiohttpTransport(limits) if pool == "aiohttp" else None
    return httpx.AsyncClient(
        transport=transport,
        limits=limits,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT},
    )
