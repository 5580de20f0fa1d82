"""Standard Webhooks signatures, checked by the specification's reference library."""

from __future__ import annotations

import base64
import json
import secrets
import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from messaging import webhooks


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def test_the_specification_example_signs_alike():
    # The example of the Standard Webhooks specification (and of Svix's documentation).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    signature = webhooks.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_reference_library_accepts_our_headers():
    secret = new_secret()
    body = json.dumps({"type": "ping", "name": "wïdget"}, ensure_ascii=False).encode()
    msg_id = "0e4f1c1e-6c55-4c4b-8f55-4a1a2f0e8d6b"
    headers = webhooks.headers(secret, msg_id, int(time.time()), body)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature", "content-type"}
    assert headers["content-type"] == "application/json"
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(body, headers) == {"type": "ping", "name": "wïdget"}


def test_a_rotated_secret_a_changed_body_or_id_and_an_old_timestamp_fail():
    secret, rotated = new_secret(), new_secret()
    body = b'{"a":1}'
    now = int(time.time())
    headers = webhooks.headers(secret, "msg_1", now, body)
    with pytest.raises(WebhookVerificationError):
        Webhook(rotated).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"a":2}', headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, {**headers, "webhook-id": "msg_2"})
    stale = webhooks.headers(secret, "msg_1", now - 3600, body)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(body, stale)


def test_secrets_without_prefix_or_padding_are_read_and_bad_ones_refused():
    key = secrets.token_bytes(32)
    padded = base64.b64encode(key).decode()
    assert webhooks.secret_key("whsec_" + padded) == key
    assert webhooks.secret_key(padded) == key
    assert webhooks.secret_key("whsec_" + padded.rstrip("=")) == key
    for bad in ("whsec_", "", "whsec_not base64!", "whsec_A"):
        with pytest.raises(webhooks.InvalidSecret):
            webhooks.sign(bad, "msg", 1, b"{}")
