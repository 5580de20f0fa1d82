"""The consumer of the event log: each new-version event becomes delivery rows, one per
(event, watch, channel). Held ones are released or dropped when their delay is over by
:func:`projects.notify.holds.release_held` (re-exported here).

**Fan-out.** :func:`fan_out` reads the outbox (:class:`messaging.models.OutboxMessage`, the
event log: ids become visible in commit order) after :class:`FanOutCursor`, in id order, a
batch at a time, and in ONE transaction with the cursor's row locked writes the deliveries of
the batch's ``project.version.update.v2`` events and moves the cursor past every row it read
(other topics included). A second worker waits for the lock and starts after the first; were
two runs ever to read the same events (SQLite, where the lock is a no-op), the unique key
(event, watch, channel) and ``ignore_conflicts`` keep every delivery single.

Who hears of an event: the active users (a banned user is inactive) watching its project
directly, or watching a distribution in which the project is mapped; through each of their
ENABLED channels. One user hears of one event once per channel: their watch of the project
when they have one (its rules are their word on that project), otherwise the first of their
distribution watches (by id) whose rules let a version through. The rules are
:mod:`projects.notify.rules`. The whole batch costs a fixed number of queries (events,
projects with their versions, mappings, watches, channels, the insert), however many
watchers there are.

The payload (frozen at fan-out, what the channels send)::

    {"type": "release", "event_id": 42,
     "project": {"id", "name", "homepage", "ecosystem", "url"},
     "versions": ["1.2.4", "1.3.0"],          # the ones this watch allows, oldest first
     "latest": "1.3.0", "previous": "1.2.3",   # previous: the event's old version, or null
     "published_at": {"1.3.0": "2024-05-01T12:00:00+00:00"},   # where the upstream says
     "links": {"project": <url>, "release": <commit/release URL of "latest", or null>},
     "packages": [{"distro", "package_name"}], # the mappings in the distributions the user
                                               # watches (a distribution watch), or all of them
     "streams": {"1.3.0": "1"}}                # each version's release stream, when the event
                                               # recorded them (events since issue #20)

A watch with a maturity delay (``hold_hours``) gets HELD deliveries due that many hours after
the event was stored; the others are PENDING and due at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from messaging.models import OutboxMessage
from messaging.topics import PROJECT_VERSION_UPDATE_V2
from projects.models import Package, Project
from projects.notify.holds import release_held
from projects.notify.models import Channel, Delivery, FanOutCursor, Watch
from projects.notify.rules import EventVersions

__all__ = ["BATCH_SIZE", "catch_up", "fan_out", "release_held"]

logger = logging.getLogger(__name__)

#: Events read per transaction.
BATCH_SIZE = 500
#: Batches one :func:`catch_up` call fans out at most (then the next run goes on).
MAX_BATCHES = 20
#: Delivery rows per INSERT.
INSERT_BATCH = 1000
#: The cursor's one row.
CURSOR_ID = 1


@dataclass(frozen=True)
class VersionEvent:
    """What the fan-out reads of one ``project.version.update.v2`` row."""

    id: int
    message_id: uuid.UUID
    created: dt.datetime
    project_id: int
    new_versions: list[str]
    old_version: str | None
    #: The added key ``streams`` of the body (issue #20): new version -> its stream's name.
    streams: dict[str, str | None] | None = None


def fan_out(batch_size: int = BATCH_SIZE) -> int:
    """Fan out the next ``batch_size`` events at most; return the deliveries written."""
    return _fan_out_batch(batch_size)[1]


def catch_up(batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES) -> int:
    """Fan out batch after batch until the log is read (at most ``max_batches``); return
    the deliveries written."""
    written = 0
    for _ in range(max_batches):
        read, batch_written = _fan_out_batch(batch_size)
        written += batch_written
        if read < batch_size:
            break
    return written


@transaction.atomic
def _fan_out_batch(batch_size: int) -> tuple[int, int]:
    """(events read, deliveries written) for one batch, in one transaction."""
    cursor = _locked_cursor()
    rows = list(
        OutboxMessage.objects.filter(id__gt=cursor.last_event_id)
        .order_by("id")
        .values_list("id", "topic")[: max(1, batch_size)]
    )
    if not rows:
        return 0, 0
    events = _version_events(
        [row_id for row_id, topic in rows if topic == PROJECT_VERSION_UPDATE_V2]
    )
    written = _write_deliveries(events, timezone.now()) if events else 0
    cursor.last_event_id = rows[-1][0]
    cursor.updated = timezone.now()
    cursor.save(update_fields=["last_event_id", "updated"])
    return len(rows), written


def _locked_cursor() -> FanOutCursor:
    cursor, _created = FanOutCursor.objects.select_for_update().get_or_create(pk=CURSOR_ID)
    return cursor


def _version_events(ids: Sequence[int]) -> list[VersionEvent]:
    """The events of these rows, in id order; a body that is not a version event is skipped."""
    events = []
    rows = OutboxMessage.objects.filter(id__in=ids).order_by("id")
    for row_id, message_id, created, body in rows.values_list(
        "id", "message_id", "created", "body"
    ):
        try:
            message = body["message"]
            events.append(
                VersionEvent(
                    id=row_id,
                    message_id=message_id,
                    created=created,
                    project_id=int(body["project"]["id"]),
                    new_versions=[str(version) for version in message["upstream_versions"]],
                    old_version=str(message.get("old_version") or "") or None,
                    streams=_streams(message.get("streams")),
                )
            )
        except (KeyError, TypeError, ValueError):
            logger.warning("Event %s is not a version event the fan-out can read; skipped", row_id)
    return events


def _streams(value: Any) -> dict[str, str | None] | None:
    """The body's ``streams`` (version -> stream name), None when it has none usable."""
    if not isinstance(value, dict):
        return None
    return {str(key): str(name) if name else None for key, name in value.items()}


# -- who hears of what -----------------------------------------------------------------------


@dataclass
class _Batch:
    """Everything the events of one batch need, read in a few queries."""

    projects: dict[int, Project]
    packages: dict[int, list[Package]]  # by project id
    direct: dict[int, list[Watch]]  # by project id
    by_distro: dict[int, list[Watch]]  # by distro id
    channels: dict[uuid.UUID, list[int]]  # user id -> enabled channel ids

    @classmethod
    def read(cls, project_ids: set[int]) -> _Batch:
        projects = {
            project.pk: project
            for project in Project.objects.filter(pk__in=project_ids).prefetch_related("versions")
        }
        packages: dict[int, list[Package]] = defaultdict(list)
        mapped = Package.objects.filter(project_id__in=project_ids)
        for package in mapped.select_related("distro").order_by(
            Lower("distro__name"), "package_name"
        ):
            packages[package.project_id].append(package)
        watches = Watch.objects.filter(
            Q(project_id__in=project_ids) | Q(distro_id__in=mapped.values("distro_id")),
            user__is_active=True,
        )
        direct: dict[int, list[Watch]] = defaultdict(list)
        by_distro: dict[int, list[Watch]] = defaultdict(list)
        for watch in watches.order_by("id"):
            if watch.project_id is not None:
                direct[watch.project_id].append(watch)
            elif watch.distro_id is not None:
                by_distro[watch.distro_id].append(watch)
        channels: dict[uuid.UUID, list[int]] = defaultdict(list)
        enabled = Channel.objects.filter(enabled=True, user_id__in=watches.values("user_id"))
        for channel_id, user_id in enabled.order_by("id").values_list("id", "user_id"):
            channels[user_id].append(channel_id)
        return cls(projects, packages, direct, by_distro, channels)

    def watches_by_user(self, project_id: int) -> dict[uuid.UUID, list[Watch]]:
        """The watches that cover ``project_id``, by user: the direct watch first, then the
        distribution watches by id."""
        found: dict[uuid.UUID, dict[int, Watch]] = defaultdict(dict)
        for watch in self.direct.get(project_id, ()):
            found[watch.user_id][watch.pk] = watch
        distro_watches = {
            watch.pk: watch
            for package in self.packages.get(project_id, ())
            for watch in self.by_distro.get(package.distro_id, ())
        }
        for watch_id in sorted(distro_watches):
            watch = distro_watches[watch_id]
            found[watch.user_id][watch_id] = watch
        return {user_id: list(watches.values()) for user_id, watches in found.items()}


def _write_deliveries(events: Sequence[VersionEvent], now: dt.datetime) -> int:
    batch = _Batch.read({event.project_id for event in events})
    deliveries: list[Delivery] = []
    for event in events:
        project = batch.projects.get(event.project_id)
        if project is not None:
            deliveries.extend(_event_deliveries(event, project, batch, now))
    if not deliveries:
        return 0
    event_ids = [event.id for event in events]
    before = Delivery.objects.filter(event_id__in=event_ids).count()
    Delivery.objects.bulk_create(deliveries, batch_size=INSERT_BATCH, ignore_conflicts=True)
    return Delivery.objects.filter(event_id__in=event_ids).count() - before


def _event_deliveries(
    event: VersionEvent, project: Project, batch: _Batch, now: dt.datetime
) -> Iterable[Delivery]:
    versions = EventVersions(project, event.new_versions, event.old_version, event.streams)
    payloads = _Payloads(event, project)
    packages = batch.packages.get(project.pk, [])
    for user_id, watches in batch.watches_by_user(project.pk).items():
        channel_ids = batch.channels.get(user_id)
        if not channel_ids:
            continue
        chosen, allowed = _choose(watches, versions)
        if chosen is None:
            continue
        if chosen.project_id is not None:
            shown = packages
        else:
            watched = {watch.distro_id for watch in watches if watch.distro_id is not None}
            shown = [package for package in packages if package.distro_id in watched]
        payload = payloads.get(allowed, shown)
        held = chosen.hold_hours > 0
        state = Delivery.State.HELD if held else Delivery.State.PENDING
        due_at = event.created + dt.timedelta(hours=chosen.hold_hours) if held else now
        for channel_id in channel_ids:
            yield Delivery(
                event_id=event.id,
                message_id=event.message_id,
                watch_id=chosen.pk,
                channel_id=channel_id,
                project_id=project.pk,
                payload=payload,
                state=state,
                due_at=due_at,
                created=now,
            )


def _choose(watches: Sequence[Watch], versions: EventVersions) -> tuple[Watch | None, list[str]]:
    """The watch one user hears of the event through, and the versions it allows."""
    for watch in watches:
        allowed = versions.allowed_for(watch)
        if watch.project_id is not None:  # the direct watch decides alone
            return (watch, allowed) if allowed else (None, [])
        if allowed:
            return watch, allowed
    return None, []


class _Payloads:
    """The payloads of one event, each built once for the watchers who get the same one."""

    def __init__(self, event: VersionEvent, project: Project) -> None:
        url = settings.SITE_URL + reverse("projects:project", args=[project.pk])
        self.event = event
        self.project_url = url
        self.project = {
            "id": project.pk,
            "name": project.name,
            "homepage": project.homepage,
            "ecosystem": project.ecosystem_name,
            "url": url,
        }
        self.stored = {version.parsed: row for row, version in reversed(project.sorted_versions)}
        self._built: dict[tuple[tuple[str, ...], tuple[int, ...]], dict[str, Any]] = {}

    def get(self, versions: Sequence[str], packages: Sequence[Package]) -> dict[str, Any]:
        key = (tuple(versions), tuple(package.pk for package in packages))
        if key not in self._built:
            self._built[key] = self._build(versions, packages)
        return self._built[key]

    def _build(self, versions: Sequence[str], packages: Sequence[Package]) -> dict[str, Any]:
        published = {}
        for version in versions:
            row = self.stored.get(version)
            if row is not None and row.published_at is not None:
                published[version] = row.published_at.isoformat()
        latest = self.stored.get(versions[-1])
        recorded = self.event.streams
        streams = {"streams": {v: recorded.get(v) for v in versions}} if recorded else {}
        return {
            "type": "release",
            "event_id": self.event.id,
            "project": self.project,
            "versions": list(versions),
            "latest": versions[-1],
            "previous": self.event.old_version,
            "published_at": published,
            "links": {
                "project": self.project_url,
                "release": latest.commit_url if latest is not None else None,
            },
            "packages": [
                {"distro": package.distro.name, "package_name": package.package_name}
                for package in packages
            ],
            **streams,
        }
