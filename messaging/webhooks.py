"""Standard Webhooks signatures (https://www.standardwebhooks.com/), from plain data.

A receiver checks that a request came from us, unchanged and recently, by recomputing
``v1,<base64 HMAC-SHA256>`` over ``"<webhook-id>.<webhook-timestamp>.<body>"`` with the
secret it was shown once (``whsec_`` + base64 of the key). The id is the event's message id:
it stays the same on every retry (the receiver's idempotency key), while the timestamp is the
time of each attempt (receivers refuse signatures older than a few minutes).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

#: How a Standard Webhooks secret starts; what follows is the base64 of the signing key.
SECRET_PREFIX = "whsec_"
#: The signature scheme this module writes (symmetric HMAC-SHA256).
SIGNATURE_VERSION = "v1"


class InvalidSecret(ValueError):
    """The secret is not ``whsec_`` followed by the base64 of a non-empty key."""


def secret_key(secret: str) -> bytes:
    """The signing key a ``whsec_...`` secret stands for (the prefix is optional)."""
    encoded = secret.removeprefix(SECRET_PREFIX).rstrip("=")
    try:
        # Unpadded base64 is accepted, as the reference library does.
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidSecret("A webhook secret is whsec_ followed by base64.") from None
    if not key:
        raise InvalidSecret("A webhook secret may not be empty.")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<signature>``: the ``webhook-signature`` of ``body`` sent as ``msg_id`` at
    ``timestamp`` (seconds since the epoch)."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of a signed webhook request carrying the JSON ``body``."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
        "content-type": "application/json",
    }
