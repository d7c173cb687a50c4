"""With a secret set, only deliveries signed GitHub's way are accepted; without one, all are."""

from __future__ import annotations

import pytest

from project3_webhook.settings import Settings
from project3_webhook.signature import SIGNATURE_HEADER, sign
from project3_webhook.tests.support import deliveries, post

SECRET = b"It's a Secret to Everybody"
BODY = b"Hello, World!"


@pytest.fixture
def settings() -> Settings:
    return Settings(secret=SECRET)


def test_signature_matches_githubs_documented_example():
    # The example in GitHub's "Validating webhook deliveries" documentation.
    assert sign(SECRET, BODY) == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


async def test_valid_signature_is_accepted(client, caplog):
    body = b'{"zen": "Keep it logically awesome."}'
    response = await post(client, body, headers={SIGNATURE_HEADER: sign(SECRET, body)})
    assert response.status_code == 200
    assert len(deliveries(caplog)) == 1


@pytest.mark.parametrize(
    ("signature", "detail"),
    [
        (None, f"missing {SIGNATURE_HEADER}"),
        (sign(b"another secret", b"{}"), "does not match"),
        (sign(SECRET, b"{}").removeprefix("sha256="), "does not match"),
        ("sha256=" + "0" * 64, "does not match"),
        (b"sha256=zo\xeb", "does not match"),
    ],
    ids=["missing", "wrong secret", "no sha256= prefix", "zeros", "not ASCII"],
)
async def test_missing_or_wrong_signature_gets_401(client, caplog, signature, detail):
    headers = {} if signature is None else {SIGNATURE_HEADER: signature}
    response = await post(client, b"{}", headers=headers)
    assert response.status_code == 401
    assert detail in response.json()["detail"]
    assert deliveries(caplog) == [], "an unauthenticated delivery must not be logged as received"


async def test_signature_is_over_the_raw_bytes_not_reserialised_json(client):
    sent = b'{"b": 1,   "a": 2}'
    reserialised = b'{"b":1,"a":2}'
    response = await post(client, sent, headers={SIGNATURE_HEADER: sign(SECRET, reserialised)})
    assert response.status_code == 401, "the HMAC must cover exactly the bytes received"


async def test_signature_is_checked_before_the_body_is_parsed(client):
    response = await post(client, b"not json", headers={SIGNATURE_HEADER: "sha256=00"})
    assert response.status_code == 401, "unauthenticated senders learn nothing about parsing"


class TestWithoutSecret:
    @pytest.fixture
    def settings(self) -> Settings:
        return Settings(secret=None)

    async def test_unsigned_delivery_is_accepted(self, client):
        response = await post(client, b"{}")
        assert response.status_code == 200

    async def test_signature_header_is_ignored(self, client):
        response = await post(client, b"{}", headers={SIGNATURE_HEADER: "sha256=bogus"})
        assert response.status_code == 200
