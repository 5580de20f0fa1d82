"""django-q2 entry points (scheduled in :mod:`releasemon.schedules`), a few lines each.

Stored q2 schedules and queued tasks name these functions by their dotted paths
(``projects.tasks.run_checks``, ...), so they stay here; the work is the scheduler's.

A cycle is shared by the cluster workers: ``run_checks`` (every minute) opens a CheckRun and
queues ``check_due`` tasks; each one claims and checks batches of the projects due at the
cycle's start, for at most ``CHECK_TASK_SECONDS`` (so that it ends well within the cluster's
task timeout of CHECK_TIMEOUT + 60 s), and adds its counts to the run with atomic updates.
Workers of any number of clusters can pick those tasks up: the claims keep them apart.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.utils import timezone
from django_q.tasks import async_task

from backends import registry
from backends.base import BackendError
from projects import scheduler

logger = logging.getLogger(__name__)

#: A check_due task stops claiming new batches after this long (the checks it started finish,
#: each within CHECK_TIMEOUT); what is left is due for the next run, a minute later.
CHECK_TASK_SECONDS = 50.0


def run_checks() -> int | None:
    """Start a cycle when projects are due and the previous one is over; return its run id."""
    now = timezone.now()
    scheduler.clean_expired_blocks(now)
    due = scheduler.due_projects(now).count()
    if not due:
        return None
    if scheduler.cycle_still_running(now):
        logger.info("The previous check cycle is still running; not starting another one.")
        return None
    tasks = scheduler.check_task_count()
    run = scheduler.open_shared_run(now, tasks, due=due)
    for _ in range(tasks):
        async_task("projects.tasks.check_due", run.pk, now.isoformat(), task_name="check-due")
    return run.pk


def check_due(run_id: int, cycle_time: str) -> dict[str, int]:
    """Claim and check batches of the projects due at ``cycle_time``, for a bounded time."""
    counts = scheduler.Counts()
    try:
        counts = scheduler.drain(
            dt.datetime.fromisoformat(cycle_time),
            deadline=time.monotonic() + CHECK_TASK_SECONDS,
            run_id=run_id,
        )
    finally:
        scheduler.task_done(run_id)
    if counts.new_versions:
        # People watching these projects should not wait for the next minute's fan-out.
        async_task("projects.notify.tasks.notify_fan_out", task_name="notify-fan-out")
    return {"checked": counts.total, "errors": counts.error, "rate_limited": counts.ratelimit}


def check_feeds() -> dict[str, int]:
    """Read every upstream's release feed; make the projects with a new version due now.

    A feed that cannot be read is logged and the others are still read: in one line when the
    failure is expected (an unreachable host, a bad answer, a rate limit: a
    :class:`~backends.base.BackendError`, whose message is written to be read), with the
    traceback only for a bug.
    """
    scheduled: dict[str, int] = {}
    for backend in registry.all_backends():
        if not backend.has_feed:
            continue
        try:
            scheduled[backend.name] = len(scheduler.read_feed(backend))
        except BackendError as error:
            reason = " ".join(str(error).split())  # one line, whatever the upstream sent
            logger.warning("Reading the release feed of %s failed: %s", backend.name, reason)
        except Exception:
            logger.exception("Reading the release feed of %s failed unexpectedly", backend.name)
    return scheduled
