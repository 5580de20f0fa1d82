"""An upstream's answer: reading it under the caps and deadlines, and what it tells the check.

:func:`read_body` reads a streamed body within the operator's size cap and a deadline (a
watchdog shuts the socket down when an upstream trickles), charging every byte to the check's
budget; :class:`HttpResponse` is the answer, fully read; :func:`parse_reset_time` and
:func:`_clean_validator` read the rate-limit and caching headers an upstream sends back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json as jsonlib
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree
import requests
import urllib3
from requests.structures import CaseInsensitiveDict

from backends.budget import Budget
from backends.errors import BackendError
from backends.http.alarms import set_alarm
from backends.http.errors import (
    _OVERLOADED,
    _TEMPORARY,
    FetchError,
    ResponseTooLarge,
    _causes,
    _find,
    _host_of,
    display_url,
)

_CHUNK_SIZE = 64 * 1024
# A hostile upstream can trickle one byte per read timeout; a whole body must arrive within
# this many read timeouts (checked between chunks).
_BODY_DEADLINE_FACTOR = 4
# Upstreams announce their own reset time; never believe one further away than this.
_MAX_RATE_LIMIT_WAIT = dt.timedelta(days=1)
_DEFAULT_RATE_LIMIT_WAIT = dt.timedelta(hours=1)
_MAX_VALIDATOR_LENGTH = 1024


# What a body read can raise once the connection misbehaves.
_READ_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
    ValueError,
)


@dataclass
class HttpResponse:
    """An upstream answer, fully read (and capped)."""

    url: str
    status: int
    reason: str
    headers: CaseInsensitiveDict[str] = field(default_factory=CaseInsensitiveDict)
    content: bytes = b""

    @property
    def encoding(self) -> str:
        """The declared charset, else utf-8 (JSON and most pages are utf-8)."""
        content_type = self.headers.get("Content-Type")
        if content_type:
            message = Message()
            message["content-type"] = content_type
            charset = message.get_content_charset()
            if charset:
                try:
                    return _codec_name(charset)
                except LookupError:
                    pass
        return "utf-8"

    @property
    def text(self) -> str:
        """The body decoded with the answer's charset; undecodable bytes are replaced."""
        return self.content.decode(self.encoding, errors="replace")

    def json(self) -> Any:
        """The body as JSON; a malformed body raises a :class:`BackendError` naming the URL."""
        try:
            try:
                return jsonlib.loads(self.content)
            except UnicodeDecodeError:
                return jsonlib.loads(self.text)
        except RecursionError:
            # Python's own words ("maximum recursion depth exceeded while decoding a JSON
            # array from a unicode string") say nothing to the people reading the error.
            raise BackendError(
                f"{self.url}: refused JSON answer: it nests arrays or objects too deeply to be "
                "a real answer"
            ) from None
        except ValueError as error:
            raise BackendError(f"{self.url}: invalid JSON answer: {error}") from None

    def xml(self) -> Element:
        """The body as XML, through defusedxml (no entities, no external references)."""
        try:
            return defusedxml.ElementTree.fromstring(self.content)
        except defusedxml.DefusedXmlException as error:
            raise BackendError(f"{self.url}: refused XML answer: {error}") from None
        except (ParseError, ValueError, RecursionError) as error:
            raise BackendError(f"{self.url}: invalid XML answer: {error}") from None


def _codec_name(charset: str) -> str:
    import codecs

    return codecs.lookup(charset).name


def deadline_reached(budget: Budget) -> None:
    """Raise the budget's error when a timeout was the check's deadline, not the read's."""
    if budget.ends_at <= time.monotonic() + 0.01:
        raise budget.out_of_time() from None


def read_body(response: Any, url: str, budget: Budget, *, limit: int, read_timeout: float) -> bytes:
    """Read at most ``limit`` bytes, within the body deadline, then close."""
    declared = (response.headers.get("Content-Length") or "").strip()
    if declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
        response.close()
        raise ResponseTooLarge(url, limit)
    # The read timeout bounds each socket read, not the whole body: a hostile upstream
    # could trickle a byte per timeout for days. A watchdog shuts the socket down at the
    # deadline (the body's, or the whole check's if sooner), which wakes the blocked read.
    deadline = budget.timeout(read_timeout * _BODY_DEADLINE_FACTOR)
    timed_out = threading.Event()

    def abort() -> None:
        timed_out.set()
        with contextlib.suppress(Exception):
            response.raw.shutdown()

    watchdog = set_alarm(deadline, abort)
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(_CHUNK_SIZE):
            size += len(chunk)
            if size > limit:
                raise ResponseTooLarge(url, limit)
            budget.charge_bytes(len(chunk), url)
            chunks.append(chunk)
    except _READ_ERRORS as error:
        if timed_out.is_set():
            deadline_reached(budget)
            raise _too_slow(url, deadline) from None
        raise _cut_off(url, error, read_timeout) from None
    finally:
        watchdog.cancel()
        response.close()
    if timed_out.is_set():  # a shut-down socket can also look like a normal end
        deadline_reached(budget)
        raise _too_slow(url, deadline)
    return b"".join(chunks)


def release(response: Any) -> None:
    """Close an answer whose body is not wanted; when it has none left to read (a 304, a
    204, an empty body), its connection is kept for the next request instead."""
    raw = response.raw
    if getattr(raw, "length_remaining", None) == 0:
        try:
            raw.read()  # b"": marks the answer complete, so the connection can carry another
        except _READ_ERRORS:
            response.close()
            return
        raw.release_conn()
        return
    response.close()


def _too_slow(url: str, deadline: float) -> FetchError:
    return FetchError(
        url,
        f"the answer took more than {deadline:g} s",
        f"{_host_of(url)} took more than {deadline:g} s to send the page. {_OVERLOADED} "
        f"({display_url(url)})",
    )


def _cut_off(url: str, error: BaseException, read_timeout: float) -> FetchError:
    chain = _causes(error)
    shown = display_url(url)
    if _find(chain, urllib3.exceptions.DecodeError, requests.exceptions.ContentDecodingError):
        return FetchError(
            url,
            "the answer could not be decompressed",
            f"The answer from {_host_of(url)} could not be decompressed (its "
            f"Content-Encoding is broken). {_TEMPORARY} ({shown})",
        )
    if _find(chain, urllib3.exceptions.ReadTimeoutError, TimeoutError):
        return FetchError(
            url,
            "the answer stopped",
            f"{_host_of(url)} stopped sending the page: nothing arrived for "
            f"{read_timeout:g} s. {_OVERLOADED} ({shown})",
        )
    return FetchError(
        url,
        "the answer was cut off",
        f"The answer from {_host_of(url)} was cut off: the connection broke before the "
        f"whole page arrived. {_TEMPORARY} ({shown})",
    )


def parse_reset_time(headers: Any, now: dt.datetime | None = None) -> dt.datetime:
    """When a rate limit ends: Retry-After (seconds or date), else X-RateLimit-Reset (epoch).

    Without either, one hour from now. Values in the past become now; values further than a
    day away are capped, so a hostile upstream cannot park its projects forever.
    """
    now = now or dt.datetime.now(dt.UTC)
    reset: dt.datetime | None = None
    retry_after = (headers.get("Retry-After") or "").strip()
    if retry_after:
        if retry_after.isdigit():
            seconds = min(int(retry_after), 10**9) if len(retry_after) <= 12 else 10**9
            reset = now + dt.timedelta(seconds=seconds)
        else:
            try:
                reset = parsedate_to_datetime(retry_after)
            except (TypeError, ValueError, IndexError):
                reset = None
            if reset is not None and reset.tzinfo is None:
                reset = reset.replace(tzinfo=dt.UTC)
    if reset is None:
        epoch = (headers.get("X-RateLimit-Reset") or "").strip()
        try:
            reset = dt.datetime.fromtimestamp(float(epoch), dt.UTC)
        except (ValueError, OverflowError, OSError):
            reset = None
    if reset is None:
        reset = now + _DEFAULT_RATE_LIMIT_WAIT
    return min(max(reset, now), now + _MAX_RATE_LIMIT_WAIT)


def _clean_validator(value: str | None) -> str | None:
    """An upstream's ETag/Last-Modified, or None if it could not be sent back safely."""
    if not value:
        return None
    value = value.strip()
    if not value or len(value) > _MAX_VALIDATOR_LENGTH or any(ord(c) < 32 for c in value):
        return None
    return value
