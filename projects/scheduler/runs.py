"""The :class:`CheckRun` of each cycle: opened, counted into, closed.

A cycle run in one process (:func:`~projects.scheduler.cycle.run_cycle`, ``check_projects``)
opens its run with :func:`start_run` and closes it with :func:`finish_run`. A cycle shared by
the task queue's workers is opened by ``run_checks`` with :func:`open_shared_run`, which counts
the ``check_due`` tasks it queues; each task adds its counts with :func:`add_to_run` and says it
is over with :func:`task_done`. :func:`cycle_still_running` keeps a new shared cycle from
starting while the previous one has live tasks, but not behind a run whose tasks died.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from projects import telemetry
from projects.models import CheckRun
from projects.scheduler.claims import LEASE_MARGIN, lease_duration
from projects.scheduler.outcomes import Counts


def check_task_count() -> int:
    """How many check_due tasks a cycle queues, so how many processes share it.

    ``CHECK_TASKS`` when set, else all the cluster's workers but one (which stays free for
    the message relay and the feeds): with the default ``Q2_WORKERS`` of 3, two. A checker
    process runs Python on one core at a time, so one task per core is what lets a cycle use
    the machine.
    """
    if settings.CHECK_TASKS:
        return max(1, int(settings.CHECK_TASKS))
    return max(1, int(settings.Q_CLUSTER.get("workers", 2)) - 1)


# -- a cycle in one process --------------------------------------------------------------------


def empty_run(cycle_time: dt.datetime) -> CheckRun:
    """The unsaved, zero-count run of a cycle that found nothing to check (Anitya records no
    run for an empty queue)."""
    return CheckRun(started_at=cycle_time, ended_at=cycle_time)


def start_run(cycle_time: dt.datetime, due: int | None = None) -> CheckRun:
    """Open the run of a cycle that starts at ``cycle_time`` with ``due`` projects due."""
    return CheckRun.objects.create(started_at=cycle_time, due_count=due)


def finish_run(run: CheckRun, elapsed: dt.timedelta, *, frozen_clock: bool) -> CheckRun:
    """Close ``run`` and return it as saved, with its counts.

    A cycle on a frozen clock (tests, benchmarks) ends ``elapsed`` after it started, on that
    clock; any other at the real time.
    """
    ended_at = run.started_at + elapsed if frozen_clock else timezone.now()
    CheckRun.objects.filter(pk=run.pk).update(ended_at=ended_at)
    run.refresh_from_db()
    return run


# -- a cycle shared by the task queue's workers ---------------------------------------------------


def cycle_still_running(now: dt.datetime) -> bool:
    """Whether a shared cycle still has tasks that may be alive at ``now``.

    A live task shows progress (``progressed_at``) at every claim and count, and goes at most
    CHECK_TIMEOUT without one (its checks are abandoned then, and it claims again or ends):
    a run whose tasks have not all said they are done and that shows no progress for a lease
    (CHECK_TIMEOUT + a margin) has lost a task to a killed machine or cluster. It does not
    hold the next cycle back any longer: that cycle claims the dead task's projects, whose
    leases have ended by then. A run without progress recorded (made before it was) is judged
    as before, by the cluster's task timeout after its start.
    """
    stale = dt.timedelta(seconds=settings.Q_CLUSTER.get("timeout") or 0) + LEASE_MARGIN
    alive = Q(progressed_at__gt=now - lease_duration()) | Q(
        progressed_at__isnull=True, started_at__gt=now - stale
    )
    return CheckRun.objects.filter(alive, pending_tasks__gt=0).exists()


def open_shared_run(cycle_time: dt.datetime, tasks: int, due: int | None = None) -> CheckRun:
    """Open the run of a cycle that ``tasks`` check_due tasks will share (``due`` projects
    due when it starts)."""
    return CheckRun.objects.create(
        started_at=cycle_time, pending_tasks=tasks, due_count=due, progressed_at=timezone.now()
    )


def add_to_run(
    run_id: int, counts: Counts, *, ended: bool = False, task_done: bool = False
) -> None:
    """Add ``counts`` to a CheckRun atomically (several workers may share it).

    ``ended`` stamps its end; ``task_done`` also counts one of its tasks as over.
    """
    changes: dict[str, Any] = {
        "total_count": F("total_count") + counts.total,
        "success_count": F("success_count") + counts.success,
        "error_count": F("error_count") + counts.error,
        "ratelimit_count": F("ratelimit_count") + counts.ratelimit,
        "new_version_count": F("new_version_count") + counts.new_versions,
    }
    now = timezone.now()
    changes["progressed_at"] = now
    if ended:
        changes["ended_at"] = now
    if task_done:
        changes["pending_tasks"] = Greatest(F("pending_tasks") - 1, 0)
        changes["ended_at"] = now
    CheckRun.objects.filter(pk=run_id).update(**changes)
    telemetry.flush_tallies()


def task_done(run_id: int) -> None:
    """One of a shared run's tasks is over (also when it failed): the run's end moves to now,
    and the run is finished when its last task is."""
    add_to_run(run_id, Counts(), task_done=True)
