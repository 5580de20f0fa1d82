"""The maturity delay: HELD deliveries, at the end of their delay, become PENDING or are
DROPPED because their release was withdrawn or superseded meanwhile (:func:`release_held`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from backends.versions import Version
from projects.models import Project, ProjectVersion
from projects.notify.models import Delivery, Watch
from projects.notify.rules import EventVersions

#: Held deliveries read per transaction.
BATCH_SIZE = 500
#: Batches one :func:`release_held` call goes through at most (then the next run goes on).
MAX_BATCHES = 20


def release_held(now: dt.datetime | None = None, batch_size: int = BATCH_SIZE) -> tuple[int, int]:
    """End the maturity delay of the HELD deliveries due by ``now``; return (made pending,
    dropped).

    A held delivery is DROPPED when, at the end of its delay:

    - **withdrawn**: a version of its payload is no longer among the project's versions (an
      administrator deleted it, the project's version filter now hides it, or the upstream
      withdrew it: a yanked release, a deleted tag, ``ProjectVersion.withdrawn_on``): error
      ``withdrawn``;
    - **superseded**: a version stored later than the payload's versions (a later check
      found it) is newer than the payload's newest by the project's version scheme, and the
      same watch's rules, as they are now, let it through (:mod:`projects.notify.rules`):
      error ``superseded by X``, X the newest such version. Its own event's delivery tells
      the watcher. A newer version the watch would not be told about (a pre-release for a
      stable-only watch, a patch for a watch of minor releases) supersedes nothing, nor
      does a version stored earlier: a backport `1.1.5` found after `1.2.0` is still news.

    Otherwise it becomes PENDING (due at once). Batches of ``batch_size`` in their own
    transactions; rows another worker holds are skipped (PostgreSQL) and left for its run.
    """
    now = now or timezone.now()
    made_pending = dropped = 0
    for _ in range(MAX_BATCHES):
        read, batch_pending, batch_dropped = _release_batch(now, batch_size)
        made_pending += batch_pending
        dropped += batch_dropped
        if read < batch_size:
            break
    return made_pending, dropped


@transaction.atomic
def _release_batch(now: dt.datetime, batch_size: int) -> tuple[int, int, int]:
    held = list(
        _locked(Delivery.objects.filter(state=Delivery.State.HELD, due_at__lte=now))
        .select_related("watch")
        .order_by("due_at", "id")[: max(1, batch_size)]
    )
    if not held:
        return 0, 0, 0
    # Held deliveries come from the fan-out: each has its watch and project (only tests a
    # person asks for have neither, and those are never held).
    project_ids = {delivery.project_id for delivery in held if delivery.project_id is not None}
    stored = {
        project.pk: _Stored(project)
        for project in Project.objects.filter(pk__in=project_ids).prefetch_related("versions")
    }
    pending: list[int] = []
    errors: dict[str, list[int]] = defaultdict(list)
    for delivery in held:
        if delivery.project_id is None or delivery.watch is None:
            error: str | None = "not a release"
        else:
            error = stored[delivery.project_id].why_dropped(delivery, delivery.watch)
        if error is None:
            pending.append(delivery.pk)
        else:
            errors[error].append(delivery.pk)
    Delivery.objects.filter(pk__in=pending).update(state=Delivery.State.PENDING)
    for error, ids in errors.items():
        Delivery.objects.filter(pk__in=ids).update(state=Delivery.State.DROPPED, error=error)
    return len(held), len(pending), sum(len(ids) for ids in errors.values())


def _locked(deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    return deliveries.select_for_update(skip_locked=True, of=("self",))


class _Stored:
    """A project's versions as they are now, for the held deliveries of one batch."""

    def __init__(self, project: Project) -> None:
        self.project = project
        # Parsed string -> (stored row, version); the newest spelling of a parsed string wins.
        self.visible: dict[str, tuple[ProjectVersion, Version]] = {}
        # A withdrawn version is news to nobody, and supersedes nothing.
        for row, version in project.visible_versions:
            if row.withdrawn_on is None:
                self.visible.setdefault(version.parsed, (row, version))
        self._newer: dict[tuple[str, dt.datetime], EventVersions | None] = {}

    def why_dropped(self, delivery: Delivery, watch: Watch) -> str | None:
        """``withdrawn``, ``superseded by X`` or None (see :func:`release_held`)."""
        payload = delivery.payload if isinstance(delivery.payload, dict) else {}
        versions = [str(version) for version in payload.get("versions") or ()]
        if not versions or any(version not in self.visible for version in versions):
            return "withdrawn"
        latest = max(self.visible[version][1] for version in versions)
        stored_at = max(self.visible[version][0].created_on for version in versions)
        key = (latest.parsed, stored_at)
        if key not in self._newer:
            later = [
                parsed
                for parsed, (row, version) in self.visible.items()
                if version > latest and row.created_on > stored_at
            ]
            self._newer[key] = EventVersions(self.project, later, None) if later else None
        candidates = self._newer[key]
        if candidates is None:
            return None
        allowed = candidates.allowed_for(watch)
        return f"superseded by {allowed[-1]}"[:500] if allowed else None
