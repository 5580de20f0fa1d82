"""When a project is checked next, and why: the only writer of ``next_check``.

Every change of ``Project.next_check`` (and of ``next_check_reason``, which the project page
shows next to it) goes through one of the functions below, so the rules of the schedule live
in one place:

- after a check: :func:`set_after_success` (adaptive interval), :func:`set_after_failure`,
  :func:`set_after_rate_limit`; each sets the fields on a locked instance its caller saves,
  or, for a check recorded with one UPDATE, :func:`after_success_fields`;
- people: :func:`set_due_for_new_project` and :func:`set_due_after_edit`;
- the scheduler: :func:`lease` and :func:`release` (claims), :func:`defer_behind_block` and
  :func:`keep_away_until_reset` (rate limits), :func:`make_due_for_feed` (release feeds),
  :func:`make_due` (benchmarks).

This module reads only the models and the backend registry, so the check recorder, the
scheduler and the services can all import it without an import circle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Max, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from backends import registry
from projects.models import Project, ProjectVersion

#: Adaptive scheduling: a project with a version newer than this is checked at the base interval
ADAPTIVE_ACTIVE = dt.timedelta(days=7)
#: ... and one silent for this long (or longer) at ADAPTIVE_MAX_INTERVAL_HOURS.
ADAPTIVE_SILENT = dt.timedelta(days=180)

EDITED_REASON = "Project edited: checked at the next cycle"


# -- when and why ------------------------------------------------------------------------------


def check_interval(project: Project) -> dt.timedelta:
    """The base interval of ``project``'s backend (1 hour for an unknown backend)."""
    try:
        return registry.get_backend(project.backend).check_interval
    except registry.UnknownBackend:
        return dt.timedelta(hours=1)


def next_check_after(project: Project, now: dt.datetime) -> tuple[dt.datetime, str]:
    """When a successfully checked ``project`` is checked next, and why (for its page).

    The base interval is the backend's ``check_interval`` (1 hour). With
    ``ADAPTIVE_SCHEDULING`` on, the interval grows with the project's silence, the time since
    its newest stored version was published (``published_at``) or, when the upstream gives no
    date, retrieved (``created_on``); a project without versions counts from its creation:
    the base interval up to 7 days of silence, then linearly more, to
    ``ADAPTIVE_MAX_INTERVAL_HOURS`` (24) at 180 days and beyond, rounded to whole hours. The
    rule is monotone: a longer silence never means more frequent checks. A feed announcing a
    new release still makes a project due at once (:func:`make_due_for_feed`).
    """
    base = check_interval(project)
    if not settings.ADAPTIVE_SCHEDULING:
        return now + base, f"Checked {_every(base)}"
    longest = max(base, dt.timedelta(hours=settings.ADAPTIVE_MAX_INTERVAL_HOURS))
    released = (
        ProjectVersion.objects.filter(project=project).aggregate(
            last=Max(Coalesce("published_at", "created_on"))
        )["last"]
        or project.created_on
    )
    silence = max(now - released, dt.timedelta(0))
    if silence <= ADAPTIVE_ACTIVE or longest == base:
        return now + base, f"Checked {_every(base)}"
    fraction = min(1.0, (silence - ADAPTIVE_ACTIVE) / (ADAPTIVE_SILENT - ADAPTIVE_ACTIVE))
    hours = round((base + (longest - base) * fraction) / dt.timedelta(hours=1))
    interval = min(longest, max(base, dt.timedelta(hours=hours)))
    return now + interval, f"No release for {_duration(silence)}: checked {_every(interval)}"


def rate_limited_reason(until: dt.datetime) -> str:
    """The ``next_check_reason`` of a project deferred by a rate limit."""
    return f"Rate limited until {until.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"


def _every(interval: dt.timedelta) -> str:
    """``every hour``, ``every 24 hours``, ``every 30 minutes``."""
    minutes = round(interval / dt.timedelta(minutes=1))
    if minutes % 60 == 0:
        hours = minutes // 60
        return "every hour" if hours == 1 else f"every {hours} hours"
    return "every minute" if minutes == 1 else f"every {minutes} minutes"


def _duration(span: dt.timedelta) -> str:
    """A silence in words: ``10 days``, ``3 weeks``, ``9 months``, ``2 years``."""
    days = span.days
    if days < 14:
        count, unit = days, "day"
    elif days < 60:
        count, unit = days // 7, "week"
    elif days < 730:
        count, unit = days // 30, "month"
    else:
        count, unit = days // 365, "year"
    return f"{count} {unit}{'' if count == 1 else 's'}"


# -- on an instance its caller saves -------------------------------------------------------------


def set_after_success(project: Project, now: dt.datetime) -> None:
    """A successful check at ``now``: the next one after the (adaptive) interval."""
    project.next_check, project.next_check_reason = next_check_after(project, now)


def after_success_fields(project: Project, now: dt.datetime) -> dict[str, dt.datetime | str]:
    """:func:`set_after_success` as the fields of an UPDATE (a check recorded without the
    row lock sets them on its instance once the UPDATE is done)."""
    when, reason = next_check_after(project, now)
    return {"next_check": when, "next_check_reason": reason}


def set_after_failure(project: Project, now: dt.datetime) -> None:
    """A failed check at ``now``: checked again after the base interval."""
    interval = check_interval(project)
    project.next_check = now + interval
    project.next_check_reason = f"Last check failed: checked again {_every(interval)}"


def set_after_rate_limit(project: Project, reset_at: dt.datetime, now: dt.datetime) -> None:
    """A check answered "rate limited" at ``now``: checked again at the reset time."""
    project.next_check = max(reset_at, now)
    project.next_check_reason = rate_limited_reason(project.next_check)


def set_due_for_new_project(project: Project, now: dt.datetime) -> None:
    """A project being created: due at once (its reason stays empty until its first check)."""
    project.next_check = now


def set_due_after_edit(project: Project) -> None:
    """A project whose upstream settings changed: due at the next cycle."""
    project.next_check = timezone.now()
    project.next_check_reason = EDITED_REASON


# -- rows, for the scheduler ---------------------------------------------------------------------


def lease(ids: Iterable[int], until: dt.datetime) -> int:
    """Keep claimed projects away from other workers until ``until`` (the check sets the real
    next time); return how many rows moved. The reason is left as it was."""
    return Project.objects.filter(pk__in=list(ids)).update(next_check=until)


def release(ids: Iterable[int], when: dt.datetime) -> int:
    """Hand claimed projects back: due at ``when`` instead of after their lease."""
    return Project.objects.filter(pk__in=list(ids)).update(next_check=when)


def defer_behind_block(project_id: int, until: dt.datetime) -> int:
    """A claimed project whose upstream is blocked: due when the block ends, not fetched."""
    return Project.objects.filter(pk=project_id).update(
        next_check=until, next_check_reason=rate_limited_reason(until)
    )


def keep_away_until_reset(project_id: int, until: dt.datetime) -> int:
    """After a rate-limited check: never due again before ``until``, even when the upstream
    said "now" (a later next check is kept), so a cycle checks a project once."""
    return Project.objects.filter(pk=project_id, next_check__lt=until).update(
        next_check=until, next_check_reason=rate_limited_reason(until)
    )


def make_due_for_feed(
    ids: Iterable[int], backend_name: str, now: dt.datetime, *, unless_due_by: dt.datetime
) -> int:
    """Projects a release feed announced a new version of: due at ``now``.

    Re-checked in the update itself: a project due by ``unless_due_by`` (a lease ahead),
    which includes one claimed meanwhile, keeps its next check.
    """
    return Project.objects.filter(pk__in=list(ids), next_check__gt=unless_due_by).update(
        next_check=now, next_check_reason=f"New release announced by the {backend_name} feed"
    )


def make_due(projects: QuerySet[Project], when: dt.datetime) -> int:
    """``projects`` due at ``when`` (benchmarks start every cycle this way)."""
    return projects.update(next_check=when)
