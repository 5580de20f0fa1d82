"""One webhook request: the payload as compact JSON, signed per Standard Webhooks, through
the upstream client and its address guard.

A webhook URL comes from a user, so it is as hostile as a version URL: the request goes
through :class:`backends.http.HttpClient` (resolved first, private and loopback addresses
refused unless the operator allows their network, the connection pinned to the checked
address), within NOTIFY_WEBHOOK_TIMEOUT seconds in all, and at most a small answer is read.
Redirects are not followed: a 301 or 302 would turn the POST into a GET, and a receiver that
moved is told so in the delivery log instead of a login page answering 200.
No database here: the workers call :func:`post` from their threads.
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

from backends.budget import Limits
from backends.config import HttpConfig, current
from backends.errors import BackendError
from backends.http import FetchError, HttpClient, ResponseTooLarge
from messaging import webhooks
from projects.notify.delivery.outcome import Outcome, elapsed_ms

#: The most of a receiver's answer that is read (the log keeps its first 500 characters).
MAX_ANSWER_BYTES = 64 * 1024
_EVERY_STATUS = range(100, 600)


def body(payload: Any) -> bytes:
    """The request body: the payload as compact UTF-8 JSON."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def client_config(timeout: float) -> HttpConfig:
    """The operator's HTTP settings (User-Agent, allowed networks, proxies) with a webhook's
    limits: ``timeout`` seconds for everything, one request, no redirects, a small answer."""
    base = current().http
    return dataclasses.replace(
        base,
        connect_timeout=min(base.connect_timeout, timeout),
        read_timeout=min(base.read_timeout, timeout),
        max_response_bytes=MAX_ANSWER_BYTES,
        max_redirects=0,
        on_answer=None,  # a receiver's answers are not upstream answers
        limits=Limits(
            deadline=timeout,
            interactive_deadline=timeout,
            max_total_bytes=MAX_ANSWER_BYTES,
            max_requests=1,
        ),
    )


def post(url: str, secret: str, msg_id: str, payload: Any, *, timeout: float) -> Outcome:
    """POST ``payload`` to ``url`` signed with ``secret`` as message ``msg_id``; a 2xx answer
    is a success, anything else (another status, a refused address, a timeout) a failure."""
    data = body(payload)
    try:
        headers = webhooks.headers(secret, msg_id, int(time.time()), data)
    except webhooks.InvalidSecret as error:
        return Outcome(ok=False, error=f"Not sent: {error} Rotate the secret.")
    started = time.monotonic()
    try:
        with HttpClient(config=client_config(timeout)) as client:
            answer = client.post(url, data=data, headers=headers, accept_statuses=_EVERY_STATUS)
    except ResponseTooLarge:
        return Outcome(
            ok=False,
            latency_ms=elapsed_ms(started),
            error=f"The receiver answered more than {MAX_ANSWER_BYTES // 1024} KiB; "
            "answer webhooks with a short body.",
        )
    except FetchError as error:
        if error.reason == "more than 0 redirects":
            return Outcome(
                ok=False,
                latency_ms=elapsed_ms(started),
                error="The receiver answered with a redirect, which webhooks do not follow: "
                "use the address it redirects to.",
            )
        return Outcome(ok=False, latency_ms=elapsed_ms(started), error=f"Not delivered: {error}")
    except BackendError as error:
        # UnsafeURL (a private address: no request was made), OverBudget (too slow), ...
        return Outcome(ok=False, latency_ms=elapsed_ms(started), error=f"Not delivered: {error}")
    latency = elapsed_ms(started)
    excerpt = answer.text
    if 200 <= answer.status < 300:
        return Outcome(
            ok=True, status_code=answer.status, latency_ms=latency, response_excerpt=excerpt
        )
    reason = f" {answer.reason}" if answer.reason else ""
    return Outcome(
        ok=False,
        status_code=answer.status,
        latency_ms=latency,
        response_excerpt=excerpt,
        error=f"The receiver answered {answer.status}{reason}.",
    )
