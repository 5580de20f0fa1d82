"""Due projects, claims and leases.

:func:`claim_due_projects` picks the projects whose ``next_check`` has come (oldest first,
through the partial index ``project_due_idx``) and, in the same transaction, leases them: their
``next_check`` moves ``CHECK_TIMEOUT`` + a margin ahead. PostgreSQL locks the rows it picks with
``FOR UPDATE SKIP LOCKED``, so concurrent claimers take different projects; SQLite runs the
transaction ``IMMEDIATE`` (settings), which serialises claimers. The check itself then sets the
real ``next_check``; a worker that dies mid-check leaves its projects leased, and they simply
come due again when the lease runs out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from projects import next_check
from projects.models import Project

#: Added to CHECK_TIMEOUT for a claim's lease: a check is abandoned after CHECK_TIMEOUT, so a
#: lease outlives every check that is still being waited for.
LEASE_MARGIN = dt.timedelta(seconds=60)


def lease_duration() -> dt.timedelta:
    """How long a claim keeps a project away from other workers."""
    return dt.timedelta(seconds=settings.CHECK_TIMEOUT) + LEASE_MARGIN


def lease_end(now: dt.datetime) -> dt.datetime:
    """When a lease taken now ends; ``now`` is the cycle's clock, frozen in tests and
    benchmarks, so the lease runs from whichever of it and the real time is later."""
    return max(now, timezone.now()) + lease_duration()


def due_projects(
    now: dt.datetime | None = None, *, backend: str | None = None
) -> QuerySet[Project]:
    """Projects whose check is due at ``now`` (served by the partial index project_due_idx),
    only those of ``backend`` when it is given."""
    due = Project.objects.filter(archived=False, next_check__lte=now or timezone.now())
    return due if backend is None else due.filter(backend=backend)


def claim_due_projects(
    batch_size: int, *, now: dt.datetime | None = None, backend: str | None = None
) -> list[int]:
    """Atomically take up to ``batch_size`` due projects (oldest due first, only those of
    ``backend`` when given); return their ids.

    Their ``next_check`` moves a lease ahead, so no other worker takes them meanwhile; the
    check sets the real next time.
    """
    if batch_size <= 0:
        return []
    now = now or timezone.now()
    lease_until = lease_end(now)
    with transaction.atomic():
        picked = (
            due_projects(now, backend=backend)
            .order_by("next_check", "pk")
            .values_list("pk", flat=True)
        )
        if connection.features.has_select_for_update_skip_locked:
            picked = picked.select_for_update(skip_locked=True)
        ids = list(picked[:batch_size])
        if ids:
            next_check.lease(ids, lease_until)
    return ids


def release_projects(ids: Iterable[int], when: dt.datetime | None = None) -> int:
    """Hand claimed projects back: due at ``when`` (default now) instead of after the lease."""
    ids = list(ids)
    if not ids:
        return 0
    return next_check.release(ids, when or timezone.now())
