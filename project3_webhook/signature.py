"""GitHub-style delivery signatures: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`.

The HMAC is computed over the raw bytes as received (re-serialised JSON would differ in spacing and
key order) and compared in constant time, so response timing says nothing about how close a guess
was.
"""

from __future__ import annotations

import hashlib
import hmac

from project3_webhook.errors import BadSignature

SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="


def sign(secret: bytes, body: bytes) -> str:
    """The header value a sender holding `secret` puts on `body`."""
    return SIGNATURE_PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, header: str | None) -> None:
    """Raise `BadSignature` unless `header` is the signature of `body` under `secret`."""
    if header is None:
        raise BadSignature(f"missing {SIGNATURE_HEADER} header")
    # Header values arrive decoded as Latin-1; compare bytes so any value is comparable.
    if not hmac.compare_digest(sign(secret, body).encode(), header.encode("latin-1")):
        raise BadSignature(f"{SIGNATURE_HEADER} does not match the body")
