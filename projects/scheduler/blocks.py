"""Rate-limit blocks, shared by every worker as :class:`RateLimitBlock` rows.

A check answered "rate limited" blocks its *scope* (a host, or a host plus a token:
``Backend.rate_limit_scope``) until the reset time. A claimed project whose scope is blocked is
not fetched: it is rescheduled to the reset time and counted as rate-limited; its error streak
does not move. Other upstreams are not affected. Expired rows are ignored and cleaned at the
start of each cycle.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from django.utils import timezone

from backends import registry
from projects.models import Project, RateLimitBlock

#: A rate-limited scope stays blocked at least this long, even if the upstream says "now".
MIN_RATE_LIMIT_WAIT = dt.timedelta(seconds=1)
#: How often a batch re-reads the rate-limit blocks other workers record.
BLOCKS_REFRESH_SECONDS = 1.0

#: The length of RateLimitBlock.scope.
_SCOPE_LENGTH = 255


def project_scope(project: Project) -> str | None:
    """The rate-limit scope of ``project``'s checks; None for an unknown backend."""
    try:
        backend = registry.get_backend(project.backend)
    except registry.UnknownBackend:
        return None
    return backend.rate_limit_scope(project.to_spec())[:_SCOPE_LENGTH]


def blocked_until(scope: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the block on ``scope`` ends, or None when it is not blocked at ``now``."""
    return (
        RateLimitBlock.objects.filter(
            scope=scope[:_SCOPE_LENGTH], reset_at__gt=now or timezone.now()
        )
        .values_list("reset_at", flat=True)
        .first()
    )


def block_scope(scope: str, until: dt.datetime) -> None:
    """Block ``scope`` until ``until`` (a block that already lasts longer is kept)."""
    scope = scope[:_SCOPE_LENGTH]
    if not RateLimitBlock.objects.filter(scope=scope, reset_at__lt=until).update(reset_at=until):
        RateLimitBlock.objects.bulk_create(
            [RateLimitBlock(scope=scope, reset_at=until)], ignore_conflicts=True
        )


def clean_expired_blocks(now: dt.datetime | None = None) -> int:
    """Delete the blocks that have ended; return how many."""
    return RateLimitBlock.objects.filter(reset_at__lte=now or timezone.now()).delete()[0]


class BatchBlocks:
    """The active rate-limit blocks as a batch's threads see them.

    Read from the database at most every ``BLOCKS_REFRESH_SECONDS`` (one query for the whole
    batch instead of one per project), plus the blocks the batch's own threads record, which
    count at once. A block recorded by another worker is therefore seen within a second.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read_at = float("-inf")
        self._blocks: dict[str, dt.datetime] = {}

    def until(self, scope: str, now: dt.datetime | None = None) -> dt.datetime | None:
        moment = now or timezone.now()
        with self._lock:
            if time.monotonic() - self._read_at >= BLOCKS_REFRESH_SECONDS:
                self._blocks = dict(
                    RateLimitBlock.objects.filter(reset_at__gt=moment).values_list(
                        "scope", "reset_at"
                    )
                )
                self._read_at = time.monotonic()
            until = self._blocks.get(scope[:_SCOPE_LENGTH])
        return until if until is not None and until > moment else None

    def add(self, scope: str, until: dt.datetime) -> None:
        with self._lock:
            known = self._blocks.get(scope[:_SCOPE_LENGTH])
            self._blocks[scope[:_SCOPE_LENGTH]] = until if known is None else max(known, until)
