"""Release feeds: projects an upstream announces a new version of are made due at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models.functions import Lower
from django.utils import timezone

from backends import ecosystems
from backends.base import Backend, FeedEntry
from backends.http import HttpClient
from projects import next_check
from projects.models import Project
from projects.scheduler.claims import lease_duration


def read_feed(backend: Backend) -> list[int]:
    """Read ``backend``'s release feed and make the projects it announces a new version of
    due now (:func:`schedule_feed_entries`); return their ids.

    Raises what the backend raises: a :class:`~backends.base.BackendError` when the feed
    cannot be read.
    """
    with HttpClient() as http:
        entries = backend.check_feed(http)
    return schedule_feed_entries(backend.name, entries)


def schedule_feed_entries(
    backend_name: str, entries: Iterable[FeedEntry], *, now: dt.datetime | None = None
) -> list[int]:
    """Make the projects a feed announces a new version of due now; return their ids.

    Matches non-archived projects by name, case-insensitively: within the backend's ecosystem
    (``ecosystem_name``) for package indexes, else among the backend's projects. A version
    already stored (or hidden by the project's version filter) changes nothing. The projects
    are not checked here but made due, so the next scheduler run (every minute) checks them
    under the usual claim, pool and rate-limit rules. A project due within a lease anyway,
    which includes every project being checked right now, is left alone, so a feed never
    makes two workers check one project at the same time.
    """
    now = now or timezone.now()
    announced: dict[str, set[str]] = {}
    for entry in entries:
        name, version = (entry.name or "").strip(), (entry.version or "").strip()
        if name and version:
            announced.setdefault(name.lower(), set()).add(version)
    if not announced:
        return []
    horizon = now + lease_duration()
    candidates = (
        Project.objects.filter(archived=False, next_check__gt=horizon)
        .annotate(lower_name=Lower("name"))
        .filter(lower_name__in=list(announced))
        .prefetch_related("versions")
    )
    ecosystem = ecosystems.ecosystem_for_backend(backend_name)
    if ecosystem is not None:
        candidates = candidates.filter(ecosystem_name=ecosystem.name)
    else:
        candidates = candidates.filter(backend=backend_name)
    wanted = [
        project.pk
        for project in candidates
        if any(_is_new(project, version) for version in announced[project.name.lower()])
    ]
    if wanted:
        # A project claimed meanwhile is leased (due within the horizon) and keeps its lease.
        next_check.make_due_for_feed(wanted, backend_name, now, unless_due_by=horizon)
    return wanted


def _is_new(project: Project, version: str) -> bool:
    """Whether ``version`` (as a feed spells it) is one ``project`` would store: not
    filtered out, and neither stored nor the same version as one stored."""
    if project.is_version_filtered(version):
        return False
    stored = [stored.version for stored in project.versions.all()]
    if version in stored:
        return False
    try:
        parsed = project.make_version(version).parsed
        return parsed not in {project.make_version(raw).parsed for raw in stored}
    except Exception:  # an unparsable announcement: let the check decide
        return True
