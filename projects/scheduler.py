"""Which projects to check, and checking them: claims, leases, rate-limit blocks, the pool.

Everything several workers share lives in the database, so any number of task-queue workers
on any number of machines can run cycles side by side (design.md §6):

- **Claim.** :func:`claim_due_projects` picks the projects whose ``next_check`` has come
  (oldest first, through the partial index ``project_due_idx``) and, in the same transaction,
  pushes their ``next_check`` forward by a *lease* (``CHECK_TIMEOUT`` + a margin). PostgreSQL
  locks the rows it picks with ``FOR UPDATE SKIP LOCKED``, so concurrent claimers take
  different projects; SQLite runs the transaction ``IMMEDIATE`` (settings), which serialises
  claimers. The check itself then sets the real ``next_check``; a worker that dies mid-check
  leaves its projects leased, and they simply come due again when the lease runs out.
- **Rate limits.** A check answered "rate limited" blocks its *scope* (a host, or a host plus
  a token: ``Backend.rate_limit_scope``) until the reset time, as a :class:`RateLimitBlock`
  row. A claimed project whose scope is blocked is not fetched: it is rescheduled to the reset
  time and counted as rate-limited; its error streak does not move. Other upstreams are not
  affected. Expired rows are ignored and cleaned at the start of each cycle.
- **The pool.** :class:`CheckPool` checks batches with ``CRON_POOL`` threads (the work is
  mostly waiting on the network). A drain keeps one pool for all its batches: each thread
  checks projects one after the other on its own database connection, closed when the drain
  ends. A check that runs past ``CHECK_TIMEOUT`` is counted as an error and abandoned: the
  batch stops waiting for it, a fresh thread takes its place, and the stuck thread (whose
  HTTP client has its own timeouts) never delays the end of the cycle.
- **A cycle.** :func:`run_cycle` claims and checks batch after batch until no project that was
  due when the cycle started is left (each project is checked at most once per cycle: every
  outcome moves ``next_check`` past the cycle's start), and records a :class:`CheckRun`.
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
from dataclasses import dataclass, fields

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Greatest, Lower
from django.utils import timezone

from backends import ecosystems, registry
from backends.base import BackendError, FeedEntry
from projects.check import CheckResult, Outcome, Trigger, check_project, rate_limited_reason
from projects.models import CheckRun, Project, RateLimitBlock

logger = logging.getLogger(__name__)

#: Added to CHECK_TIMEOUT for a claim's lease: a check is abandoned after CHECK_TIMEOUT, so a
#: lease outlives every check that is still being waited for.
LEASE_MARGIN = dt.timedelta(seconds=60)
#: A rate-limited scope stays blocked at least this long, even if the upstream says "now".
MIN_RATE_LIMIT_WAIT = dt.timedelta(seconds=1)
#: How often a batch re-reads the rate-limit blocks other workers record.
BLOCKS_REFRESH_SECONDS = 1.0
#: How often the batch runner wakes up to look for checks past their time limit.
_WAKE_UP_SECONDS = 1.0

Progress = Callable[[int, int], None]


@dataclass
class Counts:
    """What a batch (or a cycle) did. A deleted project counts as an error, as in Anitya."""

    success: int = 0
    error: int = 0
    ratelimit: int = 0
    new_versions: int = 0
    #: Claimed, but archived or deleted before its turn: not checked, not counted.
    skipped: int = 0
    #: Claimed, but not started before the batch's deadline: made due again, not counted.
    released: int = 0

    @property
    def total(self) -> int:
        return self.success + self.error + self.ratelimit

    def __iadd__(self, other: Counts) -> Counts:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))
        return self

    def add(self, outcome: Outcome | None, new_versions: int = 0) -> None:
        if outcome is None:
            self.skipped += 1
        elif outcome is Outcome.SUCCESS:
            self.success += 1
        elif outcome is Outcome.RATE_LIMITED:
            self.ratelimit += 1
        else:  # ERROR, DELETED
            self.error += 1
        self.new_versions += new_versions


# -- due projects and claims ------------------------------------------------------------------


def lease_duration() -> dt.timedelta:
    """How long a claim keeps a project away from other workers."""
    return dt.timedelta(seconds=settings.CHECK_TIMEOUT) + LEASE_MARGIN


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
    lease_until = max(now, timezone.now()) + lease_duration()
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
            Project.objects.filter(pk__in=ids).update(next_check=lease_until)
    return ids


def release_projects(ids: Iterable[int], when: dt.datetime | None = None) -> int:
    """Hand claimed projects back: due at ``when`` (default now) instead of after the lease."""
    ids = list(ids)
    if not ids:
        return 0
    return Project.objects.filter(pk__in=ids).update(next_check=when or timezone.now())


# -- rate-limit blocks ------------------------------------------------------------------------


def project_scope(project: Project) -> str | None:
    """The rate-limit scope of ``project``'s checks; None for an unknown backend."""
    try:
        backend = registry.get_backend(project.backend)
    except registry.UnknownBackend:
        return None
    return backend.rate_limit_scope(project.to_spec())[:255]


def blocked_until(scope: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the block on ``scope`` ends, or None when it is not blocked at ``now``."""
    return (
        RateLimitBlock.objects.filter(scope=scope[:255], reset_at__gt=now or timezone.now())
        .values_list("reset_at", flat=True)
        .first()
    )


def block_scope(scope: str, until: dt.datetime) -> None:
    """Block ``scope`` until ``until`` (a block that already lasts longer is kept)."""
    scope = scope[:255]
    if not RateLimitBlock.objects.filter(scope=scope, reset_at__lt=until).update(reset_at=until):
        RateLimitBlock.objects.bulk_create(
            [RateLimitBlock(scope=scope, reset_at=until)], ignore_conflicts=True
        )


def clean_expired_blocks(now: dt.datetime | None = None) -> int:
    """Delete the blocks that have ended; return how many."""
    return RateLimitBlock.objects.filter(reset_at__lte=now or timezone.now()).delete()[0]


class _Blocks:
    """The active rate-limit blocks as a batch's threads see them.

    Read from the database at most every ``BLOCKS_REFRESH_SECONDS`` (one query for the whole
    batch instead of one per project), plus the blocks the batch's own threads record, which
    count at once. A block recorded by another worker is therefore seen within a second.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read_at = float("-inf")
        self._blocks: dict[str, dt.datetime] = {}

    def until(self, scope: str, now: dt.datetime | None = None) -> dt.datetime | None:
        moment = now or timezone.now()
        with self._lock:
            if time.monotonic() - self._read_at >= BLOCKS_REFRESH_SECONDS:
                self._blocks = dict(
                    RateLimitBlock.objects.filter(reset_at__gt=moment).values_list(
                        "scope", "reset_at"
                    )
                )
                self._read_at = time.monotonic()
            until = self._blocks.get(scope[:255])
        return until if until is not None and until > moment else None

    def add(self, scope: str, until: dt.datetime) -> None:
        with self._lock:
            known = self._blocks.get(scope[:255])
            self._blocks[scope[:255]] = until if known is None else max(known, until)


def check_and_record(
    project: Project, *, now: dt.datetime | None = None, blocks: _Blocks | None = None
) -> CheckResult:
    """A full check of ``project`` (a scheduled one: its failures count toward the error
    threshold); a rate limit also blocks its scope for every worker."""
    moment = now or timezone.now()
    result = check_project(project, now=now, trigger=Trigger.SCHEDULER)
    if result.outcome is Outcome.RATE_LIMITED:
        until = max(result.reset_at or moment, moment + MIN_RATE_LIMIT_WAIT)
        scope = result.scope or project_scope(project) or project.backend
        block_scope(scope, until)
        if blocks is not None:
            blocks.add(scope, until)
        # Never due again within the cycle that is checking it (the upstream said "now").
        Project.objects.filter(pk=project.pk, next_check__lt=until).update(
            next_check=until, next_check_reason=rate_limited_reason(until)
        )
    return result


# -- one project, one batch -------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """The outcome of one claimed project (None: skipped, it vanished or was archived)."""

    outcome: Outcome | None
    new_versions: int = 0
    deferred: bool = False
    #: What the check recorded (None: skipped, deferred, or abandoned past CHECK_TIMEOUT).
    result: CheckResult | None = None


def check_one(
    project: Project | int, *, now: dt.datetime | None = None, blocks: _Blocks | None = None
) -> Checked:
    """Check one claimed project, unless its upstream is blocked: then defer it.

    ``project`` is a Project (with its versions prefetched, as check_batch loads them) or an
    id. ``blocks`` is the batch's view of the blocks; without it the database is asked.
    """
    if isinstance(project, int):
        project = Project.objects.prefetch_related("versions").filter(pk=project).first()
    if project is None or project.archived:
        return Checked(None)
    scope = project_scope(project)
    if scope:
        until = blocks.until(scope, now) if blocks is not None else blocked_until(scope, now)
        if until is not None:
            Project.objects.filter(pk=project.pk).update(
                next_check=until, next_check_reason=rate_limited_reason(until)
            )
            return Checked(Outcome.RATE_LIMITED, deferred=True)
    try:
        result = check_and_record(project, now=now, blocks=blocks)
    except Project.DoesNotExist:  # deleted while it was being checked
        return Checked(None)
    except BackendError as error:  # archived while it was being checked
        logger.info("Project %s (id %s) not checked: %s", project.name, project.pk, error)
        return Checked(None)
    return Checked(result.outcome, len(result.new_versions), result=result)


class _Batch:
    """One batch as its checks see it: the clock, the deadline, the blocks, the news."""

    def __init__(self, now: dt.datetime | None, deadline: float | None, blocks: _Blocks) -> None:
        self.now = now
        self.deadline = deadline
        self.blocks = blocks
        #: ("done", project id, Checked) or ("skipped", project id, None), for the runner.
        self.events: queue.SimpleQueue = queue.SimpleQueue()
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
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
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
        """A pool thread: check the projects it is handed until the pool closes."""
        try:
            while (job := self._jobs.get()) is not None:
                batch, project = job
                if batch.over():
                    batch.events.put(("skipped", project.pk, None))
                    continue
                with self._lock:
                    worker.current = (batch, project.pk, time.monotonic())
                try:
                    checked = check_one(project, now=batch.now, blocks=batch.blocks)
                except Exception:
                    logger.exception("Checking project id %s failed unexpectedly", project.pk)
                    checked = Checked(Outcome.ERROR)
                with self._lock:
                    if worker.abandoned:  # already counted as an error; a new thread took over
                        return
                    worker.current = None
                batch.events.put(("done", project.pk, checked))
        finally:
            with self._lock:
                self._threads.pop(worker, None)
            with contextlib.suppress(Exception):
                connections.close_all()

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
        batch = _Batch(now, deadline, _Blocks())
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

        feed(projects)
        exhausted = more is None
        # Claim ahead (while checks run) where writers do not wait for each other; SQLite
        # takes one writer at a time, so there the next claim waits for the checks to end.
        ahead = connection.features.has_select_for_update_skip_locked
        try:
            while True:
                if (
                    not exhausted
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
                wake = _WAKE_UP_SECONDS
                first = self._first_start(batch)
                if first is not None:
                    wake = min(wake, first + timeout - time.monotonic())
                try:
                    kind, project_id, checked = batch.events.get(timeout=max(0.0, wake))
                except queue.Empty:
                    pass
                else:
                    pending.discard(project_id)
                    if kind == "done":
                        counts.add(checked.outcome, checked.new_versions)
                        if on_done is not None:
                            on_done(project_id, checked)
                    else:
                        not_started.append(project_id)
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
                    pending.discard(project_id)
                    counts.add(Outcome.ERROR)
                    if on_done is not None:
                        on_done(project_id, Checked(Outcome.ERROR))
                if overdue:
                    self._add_threads(len(overdue))  # the pool keeps its size
        finally:
            # Normally every job was taken; after an exception here, the ones left are skipped.
            batch.stop.set()
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


def load_claimed(ids: list[int]) -> list[Project]:
    """The claimed projects still there, in ``ids`` order, with their versions: one query
    for the projects and one for their versions, instead of two per project in the threads."""
    loaded = Project.objects.filter(pk__in=ids).prefetch_related("versions").in_bulk()
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


# -- cycles -----------------------------------------------------------------------------------


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
        nonlocal unsaved
        if run_id is not None and unsaved.total:
            add_to_run(run_id, unsaved)
        unsaved = Counts()

    def more() -> list[Project] | None:
        """The next batch: claimed, loaded; None when nothing is due or the time is up."""
        nonlocal claimed
        if deadline is not None and time.monotonic() >= deadline:
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


def add_to_run(
    run_id: int, counts: Counts, *, ended: bool = False, task_done: bool = False
) -> None:
    """Add ``counts`` to a CheckRun atomically (several workers may share it)."""
    changes: dict = {
        "total_count": F("total_count") + counts.total,
        "success_count": F("success_count") + counts.success,
        "error_count": F("error_count") + counts.error,
        "ratelimit_count": F("ratelimit_count") + counts.ratelimit,
        "new_version_count": F("new_version_count") + counts.new_versions,
    }
    now = timezone.now()
    if ended:
        changes["ended_at"] = now
    if task_done:
        changes["pending_tasks"] = Greatest(F("pending_tasks") - 1, 0)
        changes["ended_at"] = now
    CheckRun.objects.filter(pk=run_id).update(**changes)


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
        return CheckRun(started_at=cycle_time, ended_at=cycle_time)
    run = CheckRun.objects.create(started_at=cycle_time)
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
    CheckRun.objects.filter(pk=run.pk).update(
        ended_at=cycle_time + elapsed if now is not None else timezone.now()
    )
    run.refresh_from_db()
    return run


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
        return CheckRun(started_at=cycle_time, ended_at=cycle_time)
    run = CheckRun.objects.create(started_at=cycle_time)
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
            lease_until = max(cycle_time, timezone.now()) + lease_duration()
            Project.objects.filter(pk__in=batch_ids).update(next_check=lease_until)
            batch = check_batch(batch_ids, now=now, on_done=on_done, pool=pool)
            add_to_run(run.pk, batch)
    elapsed = dt.timedelta(seconds=time.monotonic() - started)
    CheckRun.objects.filter(pk=run.pk).update(
        ended_at=cycle_time + elapsed if now is not None else timezone.now()
    )
    run.refresh_from_db()
    return run


# -- release feeds ----------------------------------------------------------------------------


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
        # Re-checked in the update itself: a project claimed meanwhile is leased (due within
        # the horizon) and keeps its lease.
        Project.objects.filter(Q(pk__in=wanted), next_check__gt=horizon).update(
            next_check=now, next_check_reason=f"New release announced by the {backend_name} feed"
        )
    return wanted


def _is_new(project: Project, version: str) -> bool:
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
