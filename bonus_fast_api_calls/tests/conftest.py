"""Fixtures for this exercise: the mock API served for real, with its in-flight counter at hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from bonus_fast_api_calls.mock_api import DEFAULT_ITEM_COUNT, InFlight, create_app
from conftest import ServeApp

# Long enough that every call a strategy starts at once is still being served when the last
# one arrives, so the server's peak is exact; short enough to keep the suite quick.
TEST_LATENCY = 0.3


@dataclass(frozen=True)
class MockServer:
    base_url: str
    in_flight: InFlight

    def urls(self, calls: int, latency: float | None = None) -> list[str]:
        """Items 1 to `calls`; with `latency`, each call waits that long instead of the default."""
        query = "" if latency is None else f"?latency={latency}"
        return [f"{self.base_url}/items/{n}{query}" for n in range(1, calls + 1)]


StartMock = Callable[..., MockServer]


@pytest.fixture
def start_mock(serve_app: ServeApp) -> StartMock:
    """Start the mock API on a free port: `start_mock(latency=..., item_count=...)`."""

    def start(latency: float = TEST_LATENCY, item_count: int = DEFAULT_ITEM_COUNT) -> MockServer:
        in_flight = InFlight()
        base_url = serve_app(create_app(in_flight, latency=latency, item_count=item_count))
        return MockServer(base_url, in_flight)

    return start


@pytest.fixture
def mock_server(start_mock: StartMock) -> MockServer:
    return start_mock()
