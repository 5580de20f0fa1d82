"""Record what a check found: the only writer of check results (design.md §2).

``check_project`` is a full check: ``backends.pipeline.preview`` then one of the ``record_*``
functions, each in one transaction that also writes the messages to the outbox. The scheduler,
the API's "check now" endpoints and the admin's "check now" action all call it.

Who asked for a check matters (:class:`Trigger`): only the scheduler's checks move the error
streak toward ``CHECK_ERROR_THRESHOLD``, so nobody can get a project removed by asking for
checks of it (issue #13). At the threshold a project with neither versions nor mappings is
deleted, as Anitya does; one with either is archived instead, so its history is kept.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backends import pipeline, versions
from backends.base import BackendError, RateLimited
from backends.pipeline import Preview
from backends.versions import Version
from backends.withdrawals import withdrawal_changes
from messaging.outbox import emit, emit_all
from projects import archiving, audit, messages, next_check, row_updates, telemetry
from projects.models import AuditEntry, Project, ProjectVersion
from projects.selectors.streams import project_streams, stream_names

logger = logging.getLogger(__name__)

LOG_NEW_VERSIONS = "Version retrieved correctly"
LOG_NOTHING_NEW = "No new version found"
ARCHIVED_ERROR = "Project is archived, can't check new versions"
CHECKER_AGENT = "anitya"


class Outcome(Enum):
    SUCCESS = "success"
    ERROR = "error"
    RATE_LIMITED = "ratelimit"
    DELETED = "deleted"
    ARCHIVED = "archived"


class Trigger(Enum):
    """Who asked for a check.

    ``PERSON`` (the default, the safe value): the site's Full check, the API's "check now",
    the admin's action. A person waits for it, so it gets the interactive deadline
    (``PREVIEW_DEADLINE``), and a failure is recorded without moving the error streak.
    ``SCHEDULER``: the scheduler's cycles, feed-triggered checks and ``check_projects``; the
    full deadline, and failures count toward ``CHECK_ERROR_THRESHOLD``.
    """

    PERSON = "person"
    SCHEDULER = "scheduler"


@dataclass(frozen=True)
class CheckResult:
    outcome: Outcome
    new_versions: tuple[str, ...] = ()
    error: str | None = None
    reset_at: dt.datetime | None = None
    scope: str | None = None
    #: A batched check that found nothing new: the fields its project's row is to be given,
    #: not written yet (:func:`write_nothing_new`).
    unwritten: dict[str, object] | None = None


def check_project(
    project: Project,
    *,
    now: dt.datetime | None = None,
    trigger: Trigger = Trigger.PERSON,
    batched: bool = False,
) -> CheckResult:
    """Fetch the project's versions upstream and record the result (a full check); it is
    counted and logged (:mod:`projects.telemetry`).

    ``batched``: when it finds nothing new, the result's ``unwritten`` holds the fields to
    write, which the caller writes with other checks' (:func:`write_nothing_new`); the
    scheduler's pool does.
    """
    if project.archived:
        raise BackendError(ARCHIVED_ERROR)
    started = time.monotonic()
    checked = _fetch_and_record(project, now, trigger, batched)
    telemetry.observe_check(
        project, checked.outcome.value, time.monotonic() - started, len(checked.new_versions)
    )
    if trigger is Trigger.PERSON:
        telemetry.flush_tallies()  # a scheduled batch writes its tallies with its counts
    return checked


def _fetch_and_record(
    project: Project, now: dt.datetime | None, trigger: Trigger, batched: bool
) -> CheckResult:
    try:
        result = pipeline.preview(project.to_spec(), interactive=trigger is Trigger.PERSON)
    except RateLimited as limit:
        return record_rate_limit(project, limit, now=now)
    except BackendError as error:
        return record_failure(project, error, now=now, trigger=trigger)
    return record(project, result, now=now, batched=batched)


def _locked(project: Project) -> Project:
    """The project's row, locked until the transaction ends, so two checks never interleave."""
    return Project.objects.select_for_update().get(pk=project.pk)


def record(
    project: Project, result: Preview, *, now: dt.datetime | None = None, batched: bool = False
) -> CheckResult:
    """Store a successful preview: new versions, latest version, health, messages.

    Nine checks in ten find nothing new (most of them answered 304); those are recorded with
    one UPDATE (:func:`_nothing_new`), or with ``batched`` left to the caller, which writes
    many in one (:func:`write_nothing_new`). A preview with new versions takes the row lock
    and re-reads the stored versions, so that concurrent checks of one project store and
    announce each version once. So does a complete answer that withdraws stored versions or
    brings some back (:func:`_apply_withdrawals`): a withdrawn version is never the latest,
    and only new versions are announced, as Anitya does.
    """
    now = now or timezone.now()
    if result.withdrawals.warning:
        logger.warning(
            "Check of %s (id %s): %s", project.name, project.pk, result.withdrawals.warning
        )
    if not (result.new_versions or result.withdrawals):
        changes = _nothing_new(project, result, now)
        if changes is not None:
            for field, saved in changes.items():
                setattr(project, field, saved)
            if batched:
                return CheckResult(Outcome.SUCCESS, unwritten=changes)
            if not write_nothing_new([(project.pk, changes)]):
                raise Project.DoesNotExist(f"Project {project.pk} no longer exists")
            return CheckResult(Outcome.SUCCESS)
    with transaction.atomic():
        locked = _locked(project)
        known = locked.sorted_versions  # the stored versions, read and parsed once
        stored = {version.parsed for _, version in known}
        new = [found for found in result.new_versions if found.parsed not in stored]
        ProjectVersion.objects.bulk_create(
            [
                ProjectVersion(
                    project=locked,
                    version=found.raw,
                    created_on=now,
                    commit_url=found.commit_url,
                    published_at=found.published_at,
                )
                for found in new
            ],
            ignore_conflicts=True,
        )
        old_version = locked.latest_version
        _apply_withdrawals(known, result, now)
        candidates = [
            version
            for row, version in known
            if row.withdrawn_on is None and not locked.is_version_filtered(row.version)
        ]
        candidates += [locked.make_version(found.raw) for found in new]
        ordered = versions.sort_versions(candidates)
        locked.latest_version = ordered[-1].parsed if ordered else None
        # Safe whatever changed meanwhile: a digest matches only the inputs it was made from.
        locked.latest_basis = result.latest_basis
        locked.__dict__.pop("sorted_versions", None)  # new rows were added
        locked.logs = LOG_NEW_VERSIONS if new else LOG_NOTHING_NEW
        locked.check_successful = True
        locked.error_counter = 0
        locked.last_check = now
        next_check.set_after_success(locked, now)
        if not result.not_modified:
            locked.etag = result.etag or ""
            locked.last_modified = result.last_modified or ""
        locked.updated_on = now
        locked.save()
        if new:
            emit_all(
                messages.version_update(
                    locked,
                    upstream_version=locked.latest_version,
                    old_version=old_version,
                    upstream_versions=[found.parsed for found in new],
                    agent=CHECKER_AGENT,
                    # Each version's stream as the page shows them now (topics keeps the new).
                    streams=stream_names(project_streams(locked)),
                )
            )
    project.take_saved_state(locked)
    return CheckResult(Outcome.SUCCESS, new_versions=tuple(found.parsed for found in new))


def _apply_withdrawals(
    known: list[tuple[ProjectVersion, Version]], result: Preview, now: dt.datetime
) -> bool:
    """Mark withdrawn (on ``now``) the rows of ``known`` that ``result`` lists as withdrawn
    or, being complete, no longer lists; unmark those it lists again; the rows are updated in
    place. True when any changed.

    The changes are worked out again from the locked rows rather than taken from the preview,
    which compared the versions read before the lock.
    """
    stored = {row.version: version.parsed for row, version in known}
    withdrawn = {row.version for row, _ in known if row.withdrawn_on is not None}
    changes = withdrawal_changes(
        stored, withdrawn, result.listed, complete=result.complete, yanked=result.yanked
    )
    rows = {row.version: row for row, _ in known}
    for raws, stamp in ((changes.withdraw, now), (changes.restore, None)):
        if not raws:
            continue
        ProjectVersion.objects.filter(pk__in=[rows[raw].pk for raw in raws]).update(
            withdrawn_on=stamp
        )
        for raw in raws:
            rows[raw].withdrawn_on = stamp
    return bool(changes)


def _nothing_new(project: Project, result: Preview, now: dt.datetime) -> dict[str, object] | None:
    """The fields of a check that found no new version, written without the row lock.

    Nothing is stored or announced, so there is nothing a concurrent check could duplicate;
    ``latest_version`` is left alone (a concurrent check may just have raised it). None when
    the latest version the preview worked out from the project's versions differs from the
    stored one (the version filter or scheme changed since): the full path then recomputes
    it under the lock, as Anitya does on every check. The digest of what the latest version
    follows from is written when it changed, so the next 304 need not work it out again.
    """
    if result.latest_version != project.latest_version:
        return None
    changes: dict[str, object] = {
        "logs": LOG_NOTHING_NEW,
        "check_successful": True,
        "error_counter": 0,
        "last_check": now,
        "updated_on": now,
        **next_check.after_success_fields(project, now),
    }
    if result.latest_basis and result.latest_basis != project.latest_basis:
        changes["latest_basis"] = result.latest_basis
    if not result.not_modified:  # a 200: keep the validators for the next conditional request
        for field, value in (("etag", result.etag), ("last_modified", result.last_modified)):
            if (value or "") != getattr(project, field):
                changes[field] = value or ""
    return changes


def write_nothing_new(checks: Sequence[tuple[int, dict[str, object]]]) -> set[int]:
    """Write the checks that found nothing new (project id, ``CheckResult.unwritten``), one
    statement for all those with the same fields (:func:`projects.row_updates.update_each`);
    the ids of the projects written (one deleted meanwhile is not).
    """
    by_fields: dict[tuple[str, ...], list[tuple[int, dict[str, object]]]] = {}
    for pk, changes in checks:
        by_fields.setdefault(tuple(changes), []).append((pk, changes))
    written: set[int] = set()
    for fields, rows in by_fields.items():
        written |= row_updates.update_each(Project, fields, rows)
    return written


def record_failure(
    project: Project,
    error: BackendError,
    *,
    now: dt.datetime | None = None,
    trigger: Trigger = Trigger.PERSON,
) -> CheckResult:
    """A failed check: the error is logged and, for the scheduler's checks only, the streak
    grows. At ``CHECK_ERROR_THRESHOLD`` a project with neither versions nor mappings is
    removed, as Anitya does (contract §4.3); one with either is archived instead, through the
    same service as the admin's Archive, so its history stays (issue #13)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(project)
        locked.logs = str(error)
        locked.check_successful = False
        if trigger is Trigger.SCHEDULER:
            locked.error_counter += 1
        locked.last_check = now
        next_check.set_after_failure(locked, now)
        locked.updated_on = now
        at_threshold = (
            trigger is Trigger.SCHEDULER and locked.error_counter >= settings.CHECK_ERROR_THRESHOLD
        )
        if at_threshold and _has_nothing_to_keep(locked):
            logger.info(
                "Deleting project %s (id %s): %s failed checks in a row, last error: %s",
                locked.name,
                locked.pk,
                locked.error_counter,
                error,
            )
            message = messages.project_remove(locked, CHECKER_AGENT)
            audit.record(AuditEntry.Kind.PROJECT_REMOVE, locked, agent=CHECKER_AGENT)
            locked.delete()
            emit(message)
            return CheckResult(Outcome.DELETED, error=str(error))
        if at_threshold:
            _archive(locked, error)
            project.take_saved_state(locked)
            return CheckResult(Outcome.ARCHIVED, error=str(error))
        locked.save()
    project.take_saved_state(locked)
    return CheckResult(Outcome.ERROR, error=str(error))


def _archive(locked: Project, error: BackendError) -> None:
    """Archive ``locked`` (its row locked by the caller's transaction) after its failed
    checks, through the service the admin and the site use.

    The service re-reads the row under the lock this transaction already holds (a savepoint,
    not a second transaction), so it sees the failure just saved, then archives the project
    and emits the usual ``project.edit``: one transaction, one message.
    """
    streak = locked.error_counter
    locked.logs = f"Archived after {streak} failed checks in a row: {error}"
    locked.save()
    archiving.project_set_archived(locked, True, agent=CHECKER_AGENT)
    logger.warning(
        "Archived project %s (id %s): %s failed checks in a row, last error: %s",
        locked.name,
        locked.pk,
        streak,
        error,
    )


def record_rate_limit(
    project: Project, limit: RateLimited, *, now: dt.datetime | None = None
) -> CheckResult:
    """The upstream asked us to wait: defer the project; the error streak does not move."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(project)
        locked.logs = str(limit)
        locked.check_successful = False
        locked.last_check = now
        next_check.set_after_rate_limit(locked, limit.reset_at, now)
        locked.updated_on = now
        locked.save()
    project.take_saved_state(locked)
    return CheckResult(
        Outcome.RATE_LIMITED, error=str(limit), reset_at=limit.reset_at, scope=limit.scope
    )


def _has_nothing_to_keep(project: Project) -> bool:
    """Neither versions nor mappings: deleting the project loses no history."""
    return not project.versions.exists() and not project.packages.exists()
