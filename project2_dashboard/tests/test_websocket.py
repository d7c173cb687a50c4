"""The app in-process (TestClient): the stream, the fan-out, disconnects, the cap, lifespan."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from project2_dashboard.main import PAGE_PATH, create_app
from project2_dashboard.settings import Settings
from project2_dashboard.tests.conftest import (
    FAST_INTERVAL,
    SERVER_CLOSED_ERROR,
    WS_PATH,
    RefusingApp,
    StallingApp,
    Stats,
    wait_for_clients,
    wait_for_stats,
)

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")

# TestClient's receive() has no timeout of its own: a broken fan-out would hang, not fail.
pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def client():
    with TestClient(create_app(Settings(interval=FAST_INTERVAL))) as client:
        yield client


def stats_of(client: TestClient) -> Callable[[], Stats]:
    return lambda: client.get("/stats").json()


def contains_run(stream: list[str], run: list[str]) -> bool:
    return any(stream[i : i + len(run)] == run for i in range(len(stream)))


def test_page_is_served_at_the_root(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == PAGE_PATH.read_text(encoding="utf-8"), "served from index.html"


def test_message_is_json_with_a_utc_timestamp_and_cpu_usage(client):
    with client.websocket_connect(WS_PATH) as ws:
        message = json.loads(ws.receive_text())
    assert set(message) == {"timestamp", "cpu_usage"}
    assert TIMESTAMP.fullmatch(message["timestamp"]), "format YYYY-MM-DDTHH:MM:SS"


def test_cpu_usage_is_between_20_and_90_with_one_decimal(client):
    with client.websocket_connect(WS_PATH) as ws:
        values = [json.loads(ws.receive_text())["cpu_usage"] for _ in range(50)]
    assert all(20.0 <= value <= 90.0 for value in values), values
    assert all(round(value, 1) == value for value in values), values


def test_new_client_gets_the_latest_reading_at_once():
    # With an hour between readings, only the "latest reading" rule can answer in time.
    with (
        TestClient(create_app(Settings(interval=3600))) as client,
        client.websocket_connect(WS_PATH) as ws,
    ):
        assert TIMESTAMP.fullmatch(json.loads(ws.receive_text())["timestamp"])


def test_two_clients_receive_identical_messages(client):
    with client.websocket_connect(WS_PATH) as first, client.websocket_connect(WS_PATH) as second:
        wait_for_clients(stats_of(client), 2)
        # From its second message on, the later client sees only ticks both were connected for.
        later = [second.receive_text() for _ in range(11)][1:]
        earlier = [first.receive_text() for _ in range(30)]
    assert contains_run(earlier, later), (
        "every client must receive the very same messages in the same order: one producer "
        "for everyone, not a timer per connection"
    )


def test_one_client_leaving_does_not_disturb_the_other(client):
    with client.websocket_connect(WS_PATH) as staying:
        with client.websocket_connect(WS_PATH) as leaving:
            leaving.receive_text()
        wait_for_clients(stats_of(client), 1)
        messages = [json.loads(staying.receive_text()) for _ in range(10)]
    assert len(messages) == 10


def test_client_count_returns_to_zero_when_clients_leave(client):
    with client.websocket_connect(WS_PATH), client.websocket_connect(WS_PATH):
        wait_for_clients(stats_of(client), 2)
    wait_for_clients(stats_of(client), 0)


def test_leaving_is_noticed_even_when_nothing_is_being_sent():
    # An hour between readings: a handler that only sends would not learn of the close until
    # its next send, an hour away. Racing the sender against receive() notices it at once.
    with (
        TestClient(create_app(Settings(interval=3600))) as client,
        client.websocket_connect(WS_PATH) as ws,
    ):
        ws.receive_text()
        wait_for_clients(stats_of(client), 1)
        ws.close()
        wait_for_clients(stats_of(client), 0)


def test_messages_from_the_client_are_ignored(client):
    with client.websocket_connect(WS_PATH) as ws:
        ws.send_text("hello?")
        ws.send_bytes(b"\x00\xff")
        assert TIMESTAMP.fullmatch(json.loads(ws.receive_text())["timestamp"])
        assert TIMESTAMP.fullmatch(json.loads(ws.receive_text())["timestamp"])


def test_client_that_never_reads_does_not_delay_a_fast_one():
    app = create_app(Settings(interval=FAST_INTERVAL, queue_size=4))
    with TestClient(StallingApp(app)) as client, client.websocket_connect(f"{WS_PATH}?stall"):
        wait_for_clients(stats_of(client), 1)
        with client.websocket_connect(WS_PATH) as fast:
            received = [fast.receive_text() for _ in range(20)]
        stats = client.get("/stats").json()
    assert len(received) == 20, "a stalled client must not hold up the others"
    # The stalled client took one message and is stuck sending it; of the 19+ published since,
    # its queue of 4 kept the newest and dropped the rest.
    assert stats["dropped"] >= 15, f"the stalled client's queue must stay bounded: {stats}"


def test_client_whose_send_waits_past_the_send_timeout_is_let_go():
    # The stalled send never completes: only a bound on the send can end this client's handler.
    app = create_app(Settings(interval=FAST_INTERVAL, send_timeout=0.1))
    with TestClient(StallingApp(app)) as client, client.websocket_connect(f"{WS_PATH}?stall"):
        wait_for_stats(
            stats_of(client),
            lambda stats: stats["clients"] == 0,
            "a client whose send waited longer than the send timeout must be unsubscribed",
        )


def test_send_refused_because_the_server_closed_the_connection_is_an_ordinary_end():
    # TestClient re-raises any exception the app lets out, as uvicorn would log it as an ERROR.
    app = create_app(Settings(interval=FAST_INTERVAL))
    with TestClient(RefusingApp(app, SERVER_CLOSED_ERROR)) as client:
        with client.websocket_connect(f"{WS_PATH}?refuse"):
            wait_for_clients(stats_of(client), 0)
        with client.websocket_connect(WS_PATH) as other:
            assert TIMESTAMP.fullmatch(json.loads(other.receive_text())["timestamp"])


def test_any_other_runtime_error_from_a_send_still_surfaces():
    app = create_app(Settings(interval=FAST_INTERVAL))
    with (
        TestClient(RefusingApp(app, "a genuine bug")) as client,
        pytest.raises(RuntimeError, match="a genuine bug"),
        client.websocket_connect(f"{WS_PATH}?refuse") as ws,
    ):
        ws.receive_text()


def test_connection_over_the_cap_is_closed_with_1013():
    app = create_app(Settings(interval=FAST_INTERVAL, max_clients=2))
    with (
        TestClient(app) as client,
        client.websocket_connect(WS_PATH),
        client.websocket_connect(WS_PATH),
        client.websocket_connect(WS_PATH) as third,
    ):
        with pytest.raises(WebSocketDisconnect) as closed:
            third.receive_text()
        assert closed.value.code == 1013, "1013 tells the client to try again later"
        assert client.get("/stats").json()["clients"] == 2


def test_a_place_freed_by_a_leaving_client_can_be_taken():
    app = create_app(Settings(interval=FAST_INTERVAL, max_clients=1))
    with TestClient(app) as client:
        with client.websocket_connect(WS_PATH) as first:
            first.receive_text()
        wait_for_clients(stats_of(client), 0)
        with client.websocket_connect(WS_PATH) as second:
            assert TIMESTAMP.fullmatch(json.loads(second.receive_text())["timestamp"])


def test_producer_task_is_cancelled_and_awaited_at_shutdown():
    app = create_app(Settings(interval=FAST_INTERVAL))
    with TestClient(app):
        producer = app.state.feed.producer
        assert producer is not None, "lifespan startup must start the producer"
        assert not producer.done(), "the producer runs while the app is up"
    assert producer.cancelled(), "lifespan shutdown must cancel the producer and wait for it"


def test_importing_the_module_starts_no_task():
    app = create_app(Settings())
    assert app.state.feed.producer is None, "loop-bound objects belong in lifespan"
