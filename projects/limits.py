"""Limits on the checks people ask for, so that nobody can wear out a project or the web tier.

Two limits (issue #13), both refused with :class:`Limited` (the views answer 429 with
``Retry-After`` on the API, a message or a form error on the site):

- **Forced checks** (:func:`claim_forced_check`): at most one full check of a project asked
  for on the site or the API per ``FORCED_CHECK_INTERVAL`` seconds, whoever asks. The
  scheduler's checks and the admin's "check now" (trusted maintainers) are not limited.
- **Concurrent previews** (:func:`preview_slot`): at most ``PREVIEW_CONCURRENCY_PER_USER``
  previews or full checks a person waits for run at once per user (an API token's user, a
  signed-in user, else a client address) across every process, and at most
  ``PREVIEW_CONCURRENCY_PER_PROCESS`` in one process, so that slow upstreams cannot take every
  thread of a web worker.

What every process must agree on lives in the shared cache (``projects/shared_cache.py``: the
database or Redis), whose ``add`` is atomic on both. A user's slots are separate keys, each
expiring on its own a preview deadline (plus a margin) after it was taken, so a worker that
dies mid-preview cannot hold a slot for ever, and no counter can drift. The per-process limit
is a semaphore, taken without waiting.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

#: The reason given when a user (or the process) runs as many previews as allowed.
TOO_BUSY = "Too many checks are running for you; try again in a few seconds."
#: The ``Retry-After`` of that refusal: previews rarely take longer.
BUSY_RETRY_AFTER = 5
#: Added to PREVIEW_DEADLINE for a slot's lifetime: parsing and recording after the fetch.
SLOT_MARGIN = 30


class Limited(Exception):
    """A check refused by a limit: ``str()`` is the reason, for the person who asked;
    ``retry_after`` the whole seconds after which asking again may succeed."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


def requester(request: Any) -> str:
    """Who a request counts as: its user (signed in, or an API token's), else its address.

    The address is the one the API's rate limits use (the last ``X-Forwarded-For`` entry
    behind the HTTPS proxy, ``REST_FRAMEWORK["NUM_PROXIES"]``).
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"address:{BaseThrottle().get_ident(request)}"


# -- forced checks ----------------------------------------------------------------------------


def claim_forced_check(project_id: int) -> None:
    """Count a full check of the project asked for now; raise :class:`Limited` when one was
    asked for less than ``FORCED_CHECK_INTERVAL`` seconds ago (0: no limit)."""
    interval = math.ceil(float(settings.FORCED_CHECK_INTERVAL))
    if interval <= 0:
        return
    key = f"forced-check:{project_id}"
    now = time.time()
    if cache.add(key, now + interval, timeout=interval):
        return
    ends_at = cache.get(key)
    wait = math.ceil(ends_at - now) if isinstance(ends_at, int | float) else interval
    wait = min(interval, max(1, wait))
    raise Limited(
        f"This project was checked on request less than {interval} seconds ago; "
        f"try again in {wait} second{'s' if wait != 1 else ''}.",
        wait,
    )


@contextlib.contextmanager
def forced_check(project_id: int, who: str) -> Iterator[None]:
    """A full check a person asked for: a preview slot for ``who``, then the project's
    forced-check interval (not counted when no slot was free)."""
    with preview_slot(who):
        claim_forced_check(project_id)
        yield


# -- concurrent previews ----------------------------------------------------------------------

_process_lock = threading.Lock()
_process_slots: tuple[int, threading.BoundedSemaphore] | None = None


def _process_semaphore() -> threading.BoundedSemaphore | None:
    """This process's semaphore, made again when the setting changes (None: no limit)."""
    global _process_slots
    size = int(settings.PREVIEW_CONCURRENCY_PER_PROCESS)
    if size <= 0:
        return None
    with _process_lock:
        if _process_slots is None or _process_slots[0] != size:
            _process_slots = (size, threading.BoundedSemaphore(size))
        return _process_slots[1]


def slot_lifetime() -> int:
    """Seconds a user's slot lives at most: the preview deadline and a margin."""
    return math.ceil(float(settings.PREVIEW_DEADLINE)) + SLOT_MARGIN


def _take_user_slot(who: str) -> tuple[str, str] | None:
    """Take one of ``who``'s slots in the shared cache: (key, owner token), or None when
    there is no per-user limit. Raises :class:`Limited` when every slot is taken."""
    limit = int(settings.PREVIEW_CONCURRENCY_PER_USER)
    if limit <= 0:
        return None
    token = uuid.uuid4().hex
    lifetime = slot_lifetime()
    for index in range(limit):
        key = f"preview-slot:{who}:{index}"
        if cache.add(key, token, timeout=lifetime):
            return key, token
    raise Limited(TOO_BUSY, BUSY_RETRY_AFTER)


def _give_back(slot: tuple[str, str] | None) -> None:
    if slot is None:
        return
    key, token = slot
    if cache.get(key) == token:  # not when it expired and someone else took it since
        cache.delete(key)


@contextlib.contextmanager
def preview_slot(who: str) -> Iterator[None]:
    """Hold one of ``who``'s preview slots and one of this process's while the block runs.

    Raises :class:`Limited` at once, without waiting, when either is full. The slots are
    given back however the block ends (an exception included).
    """
    semaphore = _process_semaphore()
    if semaphore is not None and not semaphore.acquire(blocking=False):
        raise Limited(TOO_BUSY, BUSY_RETRY_AFTER)
    try:
        slot = _take_user_slot(who)
        try:
            yield
        finally:
            _give_back(slot)
    finally:
        if semaphore is not None:
            semaphore.release()
