"""Cycles: claim and check batch after batch, and record a :class:`CheckRun`.

:func:`run_cycle` claims and checks batches until no project that was due when the cycle
started is left (each project is checked at most once per cycle: every outcome moves
``next_check`` past the cycle's start). :func:`drain` is the loop it runs, which the task
queue's ``check_due`` tasks also run to share one cycle; :func:`check_now` checks chosen
projects whether due or not.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from projects import next_check
from projects.models import CheckRun, Project, ProjectVersion
from projects.scheduler.blocks import clean_expired_blocks
from projects.scheduler.claims import (
    claim_due_projects,
    due_projects,
    lease_end,
    release_projects,
)
from projects.scheduler.outcomes import Checked, Counts, Progress
from projects.scheduler.pool import CheckPool
from projects.scheduler.runs import add_to_run, empty_run, finish_run, start_run


def load_claimed(ids: list[int]) -> list[Project]:
    """The claimed projects still there, in ``ids`` order, with their stored version strings:
    one query for the projects and one for their versions, instead of two per project in the
    threads. The versions come as strings (``Project.preloaded_versions``), all a check reads
    of them unless it finds something new, and a third of the cost of model instances."""
    loaded = Project.objects.filter(pk__in=ids).in_bulk()
    stored: dict[int, list[str]] = {pk: [] for pk in loaded}
    withdrawn: dict[int, list[str]] = {pk: [] for pk in loaded}
    rows = ProjectVersion.objects.filter(project_id__in=list(loaded)).order_by()
    for project_id, version, withdrawn_on in rows.values_list(
        "project_id", "version", "withdrawn_on"
    ):
        stored[project_id].append(version)
        if withdrawn_on is not None:
            withdrawn[project_id].append(version)
    for pk, project in loaded.items():
        project.preloaded_versions = tuple(stored[pk])
        project.preloaded_withdrawn = tuple(withdrawn[pk])
    return [loaded[pk] for pk in ids if pk in loaded]


def check_batch(
    ids: Iterable[int],
    *,
    now: dt.datetime | None = None,
    deadline: float | None = None,
    on_done: Callable[[int, Checked], None] | None = None,
    pool: CheckPool | None = None,
) -> Counts:
    """Check claimed projects with ``CRON_POOL`` threads and a per-project time limit.

    ``now`` freezes the clock of the checks (tests); ``deadline`` (a ``time.monotonic()``
    value) stops starting new checks and hands the projects not started back (due now).
    ``on_done(project_id, checked)`` is called in the caller's thread after each project.
    ``pool`` is the drain's :class:`CheckPool`; without one, a pool lives for this batch.
    """
    wanted = list(dict.fromkeys(ids))
    counts = Counts()
    if not wanted:
        return counts
    todo = load_claimed(wanted)
    counts.skipped = len(wanted) - len(todo)
    if not todo:
        return counts
    if pool is None:
        with CheckPool(min(max(1, settings.CRON_POOL), len(todo))) as own:
            checked, not_started = own.run(todo, now=now, deadline=deadline, on_done=on_done)
    else:
        checked, not_started = pool.run(todo, now=now, deadline=deadline, on_done=on_done)
    counts += checked
    if not_started:
        counts.released = release_projects(not_started, now)
    return counts


def drain(
    cycle_time: dt.datetime,
    *,
    now: dt.datetime | None = None,
    limit: int | None = None,
    deadline: float | None = None,
    run_id: int | None = None,
    on_done: Callable[[int, Checked], None] | None = None,
    backend: str | None = None,
) -> Counts:
    """Claim and check batches of the projects due at ``cycle_time`` until none is left.

    Only ``backend``'s projects when it is given. Stops after ``limit`` projects or at
    ``deadline`` (``time.monotonic()``). One :class:`CheckPool` checks every batch; on
    PostgreSQL the next batch is claimed while the previous one's last checks run. With
    ``run_id``, the
    counts are added to that CheckRun as batches are claimed and at the end (atomic F()
    updates, so several workers can share one run).
    """
    counts = Counts()  # what the pool did not count: skipped and released projects
    unsaved = Counts()  # finished checks not added to the run yet
    batch_size = max(1, settings.CHECK_BATCH_SIZE)
    claimed = 0

    def done(project_id: int, checked: Checked) -> None:
        unsaved.add(checked.outcome, checked.new_versions)
        if on_done is not None:
            on_done(project_id, checked)

    def save_run() -> None:
        """Add the finished checks to the run; with none, still show the run's tasks alive
        (:func:`~projects.scheduler.runs.cycle_still_running` reads that)."""
        nonlocal unsaved
        if run_id is not None:
            add_to_run(run_id, unsaved)
        unsaved = Counts()

    def more() -> list[Project] | None:
        """The next batch: claimed, loaded; None when nothing is due or the time is up."""
        nonlocal claimed
        if deadline is not None and time.monotonic() >= deadline:
            save_run()
            return None
        wanted = batch_size
        if limit is not None:  # the projects claimed and not skipped may all be counted
            wanted = min(batch_size, limit - (claimed - counts.skipped))
            if wanted <= 0:
                return []
        save_run()
        while True:
            ids = claim_due_projects(wanted, now=cycle_time, backend=backend)
            if not ids:
                return None
            claimed += len(ids)
            projects = load_claimed(ids)
            counts.skipped += len(ids) - len(projects)
            if projects:  # else they all vanished since the claim: claim again
                return projects

    with CheckPool() as pool:
        checked, not_started = pool.run([], now=now, deadline=deadline, on_done=done, more=more)
    if not_started:
        counts.released = release_projects(not_started, now)
    counts += checked
    save_run()
    return counts


def run_cycle(
    *,
    now: dt.datetime | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
    backend: str | None = None,
) -> CheckRun:
    """Check every project due now (or ``limit`` of them; only ``backend``'s when given),
    here, with the thread pool.

    Returns the cycle's CheckRun; when nothing was due, an unsaved one (``pk`` None) with
    zero counts, as Anitya records no run for an empty queue. ``now`` freezes the cycle's
    clock (tests, benchmarks); ``progress(done, total)`` is called as checks finish.
    """
    started = time.monotonic()
    cycle_time = now or timezone.now()
    clean_expired_blocks(cycle_time)
    total = due_projects(cycle_time, backend=backend).count()
    if limit is not None:
        total = min(total, max(0, limit))
    if total == 0:
        return empty_run(cycle_time)
    run = start_run(cycle_time, due=total)
    done = 0

    def on_done(project_id: int, checked: Checked) -> None:
        nonlocal done
        if checked.outcome is not None:
            done += 1
            if progress is not None:
                progress(done, max(total, done))

    if progress is not None:
        progress(0, total)
    drain(cycle_time, now=now, limit=limit, run_id=run.pk, on_done=on_done, backend=backend)
    elapsed = dt.timedelta(seconds=time.monotonic() - started)
    return finish_run(run, elapsed, frozen_clock=now is not None)


def check_now(
    projects: QuerySet[Project],
    *,
    now: dt.datetime | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
    on_checked: Callable[[int, Checked], None] | None = None,
) -> CheckRun:
    """Check the non-archived ``projects`` now, due or not, with the pool and the time limit,
    in batches of ``CHECK_BATCH_SIZE`` (at most ``limit`` of them); record a CheckRun.

    Used by ``check_projects --backend`` and ``--project``. Like Anitya's "check now", it
    does not wait for a claim, but it takes one: each batch's projects are leased as a
    cycle leases them, so no cycle starts a second check of them meanwhile, and one that
    runs past ``CHECK_TIMEOUT`` is abandoned and stays away from other workers until its
    lease ends. A cycle's check already running only costs a second request: each result
    is recorded under the project's row lock, so a version is never stored or announced
    twice. The projects' rate-limit blocks are honoured as in a cycle. ``on_checked`` is
    called with each project's :class:`Checked`. Returns an unsaved run (``pk`` None) when
    there is nothing to check.
    """
    started = time.monotonic()
    cycle_time = now or timezone.now()
    clean_expired_blocks(cycle_time)
    ids = list(projects.filter(archived=False).order_by("pk").values_list("pk", flat=True))
    if limit is not None:
        ids = ids[: max(0, limit)]
    if not ids:
        return empty_run(cycle_time)
    run = start_run(cycle_time)
    done = 0

    def on_done(project_id: int, checked: Checked) -> None:
        nonlocal done
        if on_checked is not None:
            on_checked(project_id, checked)
        if checked.outcome is not None:
            done += 1
            if progress is not None:
                progress(done, max(len(ids), done))

    if progress is not None:
        progress(0, len(ids))
    batch_size = max(1, settings.CHECK_BATCH_SIZE)
    with CheckPool(min(max(1, settings.CRON_POOL), len(ids))) as pool:
        for start in range(0, len(ids), batch_size):
            batch_ids = ids[start : start + batch_size]
            next_check.lease(batch_ids, lease_end(cycle_time))
            batch = check_batch(batch_ids, now=now, on_done=on_done, pool=pool)
            add_to_run(run.pk, batch)
    elapsed = dt.timedelta(seconds=time.monotonic() - started)
    return finish_run(run, elapsed, frozen_clock=now is not None)
