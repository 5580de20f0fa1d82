"""Checking claimed projects: one at a time (:func:`check_one`), and a pool of threads.

:class:`CheckPool` checks batches with ``CRON_POOL`` threads (the work is mostly waiting on the
network). A drain keeps one pool for all its batches: each thread checks projects one after
the other on its own database connection, closed when the drain ends. A check that runs past
``CHECK_TIMEOUT`` is counted as an error and abandoned: the batch stops waiting for it, a fresh
thread takes its place, and the stuck thread (whose HTTP client has its own timeouts) never
delays the end of the cycle. Checks that find nothing new are written to their rows together by
the batch runner (:mod:`projects.scheduler.writes`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from backends.base import BackendError
from backends.http import kept_connections
from projects import next_check
from projects.check import CheckResult, Outcome, Trigger, check_project
from projects.models import Project
from projects.scheduler.blocks import (
    MIN_RATE_LIMIT_WAIT,
    BatchBlocks,
    block_scope,
    blocked_until,
    project_scope,
)
from projects.scheduler.outcomes import Checked, Counts
from projects.scheduler.writes import NothingNewWrites

# The name the scheduler logged under when it was one module, kept for log filters.
logger = logging.getLogger("projects.scheduler")

#: How often the batch runner wakes up to look for checks past their time limit.
_WAKE_UP_SECONDS = 1.0


def check_and_record(
    project: Project,
    *,
    now: dt.datetime | None = None,
    blocks: BatchBlocks | None = None,
    batched: bool = False,
) -> CheckResult:
    """A full check of ``project`` (a scheduled one: its failures count toward the error
    threshold); a rate limit also blocks its scope for every worker. ``batched``: see
    :func:`~projects.check.check_project`."""
    moment = now or timezone.now()
    result = check_project(project, now=now, trigger=Trigger.SCHEDULER, batched=batched)
    if result.outcome is Outcome.RATE_LIMITED:
        until = max(result.reset_at or moment, moment + MIN_RATE_LIMIT_WAIT)
        scope = result.scope or project_scope(project) or project.backend
        block_scope(scope, until)
        if blocks is not None:
            blocks.add(scope, until)
        # Never due again within the cycle that is checking it (the upstream said "now").
        next_check.keep_away_until_reset(project.pk, until)
    return result


def check_one(
    project: Project | int,
    *,
    now: dt.datetime | None = None,
    blocks: BatchBlocks | None = None,
    batched: bool = False,
) -> Checked:
    """Check one claimed project, unless its upstream is blocked: then defer it.

    ``project`` is a Project (with its versions prefetched, as check_batch loads them) or an
    id. ``blocks`` is the batch's view of the blocks; without it the database is asked.
    ``batched``: a check that finds nothing new is left for the caller to write
    (``result.unwritten``, :func:`~projects.check.write_nothing_new`).
    """
    loaded = (
        Project.objects.prefetch_related("versions").filter(pk=project).first()
        if isinstance(project, int)
        else project
    )
    if loaded is None or loaded.archived:
        return Checked(None)
    scope = project_scope(loaded)
    if scope:
        until = blocks.until(scope, now) if blocks is not None else blocked_until(scope, now)
        if until is not None:
            next_check.defer_behind_block(loaded.pk, until)
            return Checked(Outcome.RATE_LIMITED, deferred=True)
    try:
        result = check_and_record(loaded, now=now, blocks=blocks, batched=batched)
    except Project.DoesNotExist:  # deleted while it was being checked
        return Checked(None)
    except BackendError as error:  # archived while it was being checked
        logger.info("Project %s (id %s) not checked: %s", loaded.name, loaded.pk, error)
        return Checked(None)
    return Checked(result.outcome, len(result.new_versions), result=result)


class _Batch:
    """One batch as its checks see it: the clock, the deadline, the blocks, the news."""

    def __init__(
        self, now: dt.datetime | None, deadline: float | None, blocks: BatchBlocks
    ) -> None:
        self.now = now
        self.deadline = deadline
        self.blocks = blocks
        #: (project id, Checked) of a check done, or (project id, None) of a project handed
        #: back without a check (the batch was over), for the runner.
        self.events: queue.SimpleQueue[tuple[int, Checked | None]] = queue.SimpleQueue()
        self.stop = threading.Event()

    def over(self) -> bool:
        """Whether checks not started yet must be handed back instead."""
        return self.stop.is_set() or (
            self.deadline is not None and time.monotonic() >= self.deadline
        )


class _Worker:
    """One pool thread's state, read by the batch runner under the pool's lock."""

    def __init__(self) -> None:
        #: (batch, project id, time.monotonic() at the start) of the check it is running.
        self.current: tuple[_Batch, int, float] | None = None
        #: Past the time limit: its check was counted as an error; it ends after that check.
        self.abandoned = False


class CheckPool:
    """``CRON_POOL`` threads that check the projects of batch after batch.

    A drain keeps one pool for all its batches, so the threads and their database
    connections are created once per drain, not once per batch (each connection is a new
    PostgreSQL backend process). Leaving the ``with`` block (or :meth:`close`) ends the
    threads and closes their connections; a thread abandoned past the time limit closes its
    own when its check returns.
    """

    def __init__(self, size: int | None = None) -> None:
        self.size = max(1, settings.CRON_POOL if size is None else size)
        #: (batch, project) to check; None ends the thread that takes it.
        self._jobs: queue.SimpleQueue[tuple[_Batch, Project] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: dict[_Worker, threading.Thread] = {}
        self._names = itertools.count()
        self._started = False  # the threads start with the first check

    def __enter__(self) -> CheckPool:
        return self

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        self.close(wait=exc_type is None)

    def _add_threads(self, count: int) -> None:
        for _ in range(count):
            worker = _Worker()
            thread = threading.Thread(
                target=self._work, args=(worker,), name=f"check_{next(self._names)}", daemon=True
            )
            with self._lock:
                self._threads[worker] = thread
            thread.start()

    def _work(self, worker: _Worker) -> None:
        """A pool thread: check the projects it is handed until the pool closes.

        Its checks reuse their connections to each upstream host (keep-alive) until then.
        """
        try:
            with kept_connections():
                self._check_jobs(worker)
        finally:
            with self._lock:
                self._threads.pop(worker, None)
            with contextlib.suppress(Exception):
                connections.close_all()

    def _check_jobs(self, worker: _Worker) -> None:
        while (job := self._jobs.get()) is not None:
            batch, project = job
            if batch.over():
                batch.events.put((project.pk, None))
                continue
            with self._lock:
                worker.current = (batch, project.pk, time.monotonic())
            try:
                checked = check_one(project, now=batch.now, blocks=batch.blocks, batched=True)
            except Exception:
                logger.exception("Checking project id %s failed unexpectedly", project.pk)
                checked = Checked(Outcome.ERROR)
            with self._lock:
                if worker.abandoned:  # already counted as an error; a new thread took over
                    return
                worker.current = None
            batch.events.put((project.pk, checked))

    def _abandon_overdue(self, batch: _Batch, timeout: float) -> list[int]:
        """Give up on this batch's checks running for ``timeout`` seconds; return their ids."""
        overdue = []
        moment = time.monotonic()
        with self._lock:
            for worker in self._threads:
                if worker.current is None or worker.current[0] is not batch:
                    continue
                _, project_id, started = worker.current
                if moment - started >= timeout:
                    worker.abandoned = True
                    worker.current = None
                    overdue.append(project_id)
        return overdue

    def _first_start(self, batch: _Batch) -> float | None:
        with self._lock:
            starts = [
                worker.current[2]
                for worker in self._threads
                if worker.current is not None and worker.current[0] is batch
            ]
        return min(starts, default=None)

    def run(
        self,
        projects: list[Project],
        *,
        now: dt.datetime | None = None,
        deadline: float | None = None,
        on_done: Callable[[int, Checked], None] | None = None,
        more: Callable[[], list[Project] | None] | None = None,
    ) -> tuple[Counts, list[int]]:
        """Check ``projects``; return the counts and the ids of those not started.

        ``more()``, when given, is asked for further projects whenever fewer checks are
        queued than the pool has threads, so the threads never wait for the next claim; it
        returns a list (empty: nothing for now) or None (nothing any more).
        """
        counts = Counts()
        batch = _Batch(now, deadline, BatchBlocks())
        timeout = float(settings.CHECK_TIMEOUT)
        pending: set[int] = set()
        not_started: list[int] = []

        def feed(items: Iterable[Project]) -> None:
            for project in items:
                if not self._started:
                    self._started = True
                    self._add_threads(self.size)
                if project.pk not in pending:
                    pending.add(project.pk)
                    self._jobs.put((batch, project))

        def finish(project_id: int, checked: Checked) -> None:
            pending.discard(project_id)
            counts.add(checked.outcome, checked.new_versions)
            if on_done is not None:
                on_done(project_id, checked)

        feed(projects)
        writes = NothingNewWrites()
        exhausted = more is None
        # Claim ahead (while checks run) where writers do not wait for each other; SQLite
        # takes one writer at a time, so there the next claim waits for the checks to end.
        ahead = connection.features.has_select_for_update_skip_locked
        try:
            while True:
                if writes.due(nothing_else_running=len(writes) == len(pending)):
                    for project_id, written in writes.write():
                        finish(project_id, written)
                if (
                    more is not None
                    and not exhausted
                    and not batch.over()
                    and (self._jobs.qsize() < self.size if ahead else not pending)
                ):
                    extra = more()
                    exhausted = extra is None
                    feed(extra or ())
                    if not pending:
                        break  # nothing more to check now, nothing running
                elif not pending:
                    break
                wake = min(_WAKE_UP_SECONDS, writes.seconds_left())
                first = self._first_start(batch)
                if first is not None:
                    wake = min(wake, first + timeout - time.monotonic())
                try:
                    project_id, checked = batch.events.get(timeout=max(0.0, wake))
                except queue.Empty:
                    pass
                else:
                    if checked is None:
                        pending.discard(project_id)
                        not_started.append(project_id)
                    elif checked.result is not None and checked.result.unwritten is not None:
                        writes.hold(project_id, checked, checked.result.unwritten)
                    else:
                        finish(project_id, checked)
                    if time.monotonic() < (first or float("inf")) + timeout:
                        continue  # no check can be overdue yet
                if batch.over():
                    batch.stop.set()
                overdue = self._abandon_overdue(batch, timeout)
                for project_id in overdue:
                    logger.warning(
                        "Checking project id %s took more than %s s: counted as an error and "
                        "no longer waited for",
                        project_id,
                        settings.CHECK_TIMEOUT,
                    )
                    finish(project_id, Checked(Outcome.ERROR))
                if overdue:
                    self._add_threads(len(overdue))  # the pool keeps its size
        finally:
            # Normally every job was taken; after an exception here, the ones left are skipped.
            batch.stop.set()
            writes.write()  # what an exception above left held (else nothing is)
        return counts, not_started

    def close(self, *, wait: bool = True) -> None:
        """End the threads, after the checks they are running, and close their connections;
        with ``wait``, return once they are closed."""
        with self._lock:
            threads = [thread for worker, thread in self._threads.items() if not worker.abandoned]
        for _ in threads:
            self._jobs.put(None)
        if wait:
            for thread in threads:
                thread.join()
