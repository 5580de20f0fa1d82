"""The scheduler: claims and leases, rate-limit blocks, the pool's time limit, cycles."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections
from django.db.backends.signals import connection_created
from django.utils import timezone

from backends.base import Backend, BackendError, ProjectSpec, RateLimited
from backends.upstreams.custom import Custom
from backends.upstreams.github import GitHub
from backends.upstreams.pypi import PyPI
from messaging.models import OutboxMessage
from projects import check, scheduler
from projects.models import CheckRun, Project, RateLimitBlock
from projects.next_check import rate_limited_reason
from tests.factories import PackageFactory, ProjectFactory, ProjectVersionFactory
from tests.projects.conftest import join_check_threads

transactional = pytest.mark.django_db(transaction=True)


def ago(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def ahead(**delta) -> dt.datetime:
    return timezone.now() + dt.timedelta(**delta)


# -- claims ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_claim_takes_due_projects_oldest_first_and_leases_them(settings):
    settings.CHECK_TIMEOUT = 600
    late = ProjectFactory(next_check=ago(hours=2))
    recent = ProjectFactory(next_check=ago(minutes=5))
    older = ProjectFactory(next_check=ago(hours=1))
    ProjectFactory(next_check=ahead(minutes=5))  # not due
    ProjectFactory(next_check=ago(hours=3), archived=True)  # never checked

    before = timezone.now()
    assert scheduler.claim_due_projects(2) == [late.pk, older.pk]
    lease = dt.timedelta(seconds=600) + scheduler.LEASE_MARGIN
    for project in (late, older):
        project.refresh_from_db()
        assert before + lease <= project.next_check <= timezone.now() + lease
    assert scheduler.claim_due_projects(2) == [recent.pk]
    assert scheduler.claim_due_projects(2) == []


@pytest.mark.django_db
def test_a_lease_runs_out_so_a_crashed_workers_projects_come_back():
    project = ProjectFactory(next_check=ago(minutes=1))
    assert scheduler.claim_due_projects(10) == [project.pk]
    assert scheduler.claim_due_projects(10) == []
    later = timezone.now() + scheduler.lease_duration() + dt.timedelta(seconds=1)
    assert scheduler.claim_due_projects(10, now=later) == [project.pk]


@pytest.mark.django_db
def test_a_claim_reads_its_batch_off_the_partial_index_without_sorting_the_due_projects():
    """At 200,000 projects sharing one next_check (after an import), sorting every due project
    for each batch of 200 took PostgreSQL 130 ms a claim; the index gives the order itself."""
    query = (
        scheduler.due_projects()
        .order_by("next_check", "pk")
        .values_list("pk", flat=True)[:200]
        .query
    )
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A tiny table would be scanned (or bitmap-scanned and sorted): the question is
            # whether the index can give the batch in order.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "project_due_idx" in plan
    assert "Sort" not in plan  # PostgreSQL: neither a Sort nor an Incremental Sort node
    assert "TEMP B-TREE" not in plan  # SQLite: "USE TEMP B-TREE FOR (RIGHT PART OF) ORDER BY"


# -- rate-limit scopes and blocks --------------------------------------------------------------


def test_the_rate_limit_scope_is_the_version_url_host_unless_a_backend_says_otherwise():
    def spec(**fields) -> ProjectSpec:
        return ProjectSpec(name="geany", homepage="https://www.geany.org/", backend="x", **fields)

    assert Custom().rate_limit_scope(spec(version_url="https://Download.Geany.org/x/")) == (
        "download.geany.org"
    )
    assert Custom().rate_limit_scope(spec(version_url="ftp://ftp.gnu.org/gnu/")) == "ftp.gnu.org"
    assert Backend.rate_limit_scope(Custom(), spec()) == "www.geany.org"  # homepage fallback
    assert PyPI().rate_limit_scope(spec()) == "pypi.org"
    assert GitHub().rate_limit_scope(spec(version_url="fedora-infra/anitya")) == "api.github.com"
    assert GitHub().rate_limit_scope(spec(version_url="not a repository")) == "api.github.com"


@pytest.mark.django_db
def test_a_block_keeps_its_latest_reset_and_expired_blocks_mean_nothing():
    scheduler.block_scope("pypi.org", ahead(minutes=30))
    scheduler.block_scope("pypi.org", ahead(minutes=10))  # an earlier reset does not shorten it
    until = scheduler.blocked_until("pypi.org")
    assert until is not None and until > ahead(minutes=29)
    scheduler.block_scope("pypi.org", ahead(hours=1))
    assert scheduler.blocked_until("pypi.org") > ahead(minutes=59)
    assert scheduler.blocked_until("api.github.com") is None

    RateLimitBlock.objects.create(scope="crates.io", reset_at=ago(seconds=1))
    assert scheduler.blocked_until("crates.io") is None
    assert scheduler.clean_expired_blocks() == 1
    assert list(RateLimitBlock.objects.values_list("scope", flat=True)) == ["pypi.org"]


@pytest.mark.django_db
def test_a_batch_sees_its_own_blocks_at_once_and_other_workers_blocks_on_refresh(monkeypatch):
    blocks = scheduler.BatchBlocks()
    assert blocks.until("a.example") is None
    RateLimitBlock.objects.create(scope="a.example", reset_at=ahead(minutes=5))  # elsewhere
    monkeypatch.setattr("projects.scheduler.blocks.BLOCKS_REFRESH_SECONDS", 0.0)
    assert blocks.until("a.example") is not None
    monkeypatch.setattr("projects.scheduler.blocks.BLOCKS_REFRESH_SECONDS", 3600.0)
    blocks.add("b.example", ahead(minutes=1))  # recorded by one of the batch's threads
    assert blocks.until("b.example") is not None
    assert blocks.until("b.example", now=ahead(minutes=2)) is None  # over by then


@pytest.mark.django_db
def test_a_project_behind_a_blocked_scope_is_deferred_without_a_request(fake_backend):
    reset = ahead(minutes=20)
    RateLimitBlock.objects.create(scope="blocked.example", reset_at=reset)
    behind = ProjectFactory(
        name="behind", version_url="https://blocked.example/x/", error_counter=3
    )
    other = ProjectFactory(name="other", version_url="https://fine.example/x/")

    deferred = scheduler.check_one(behind.pk)
    assert deferred == scheduler.Checked(check.Outcome.RATE_LIMITED, deferred=True)
    assert scheduler.check_one(other.pk).outcome is check.Outcome.SUCCESS
    assert fake_backend.calls == {"other": 1}
    behind.refresh_from_db()
    assert behind.next_check == reset
    assert behind.next_check_reason == rate_limited_reason(reset)
    assert behind.next_check_reason.startswith("Rate limited until ")
    assert behind.error_counter == 3  # not a failure
    assert behind.check_successful is None  # and not checked at all


@pytest.mark.django_db
def test_a_rate_limited_check_blocks_its_scope_for_every_worker(fake_backend):
    reset = ahead(minutes=15)
    fake_backend.script["limited"] = RateLimited(reset, scope="api.example")
    project = ProjectFactory(name="limited", error_counter=1)

    assert scheduler.check_one(project.pk).outcome is check.Outcome.RATE_LIMITED
    assert RateLimitBlock.objects.get().scope == "api.example"
    assert scheduler.blocked_until("api.example") == reset
    project.refresh_from_db()
    assert project.error_counter == 1
    assert project.next_check == reset
    assert project.next_check_reason == rate_limited_reason(reset)


@pytest.mark.django_db
def test_a_project_archived_or_deleted_after_its_claim_is_skipped(fake_backend):
    archived = ProjectFactory(archived=True)
    assert scheduler.check_one(archived.pk) == scheduler.Checked(None)
    assert scheduler.check_one(123456) == scheduler.Checked(None)
    assert fake_backend.calls == {}


# -- batches -----------------------------------------------------------------------------------


@transactional
def test_a_batch_counts_outcomes_and_each_thread_closes_its_connection(
    pool, fake_backend, monkeypatch, settings
):
    settings.CHECK_ERROR_THRESHOLD = 1
    fake_backend.script.update(
        {"broken": BackendError("no upstream version found"), "gone": BackendError("404")}
    )
    ok = [ProjectFactory(name=f"ok{i}") for i in range(4)]
    broken = ProjectFactory(name="broken")  # mapped, with versions: kept
    ProjectVersionFactory(project=broken)
    PackageFactory(project=broken)
    gone = ProjectFactory(name="gone")  # unmapped: deleted at the threshold, an error too
    closed = []
    close_all = connections.close_all

    def recording_close_all():
        closed.append(threading.current_thread().name)
        close_all()

    monkeypatch.setattr(connections, "close_all", recording_close_all)

    counts = scheduler.check_batch([p.pk for p in [*ok, broken, gone]])

    assert (counts.success, counts.error, counts.ratelimit, counts.total) == (4, 2, 0, 6)
    assert counts.new_versions == 4
    assert not Project.objects.filter(pk=gone.pk).exists()
    assert OutboxMessage.objects.filter(topic="project.remove").count() == 1
    assert len(closed) == settings.CRON_POOL
    assert all(name.startswith("check_") for name in closed)


@transactional
def test_a_check_past_the_time_limit_is_counted_as_an_error_and_not_waited_for(pool, fake_backend):
    pool.CHECK_TIMEOUT = 2
    release = threading.Event()

    def hang(spec):
        release.wait(30)
        return ["9.9"]

    fake_backend.script["stuck"] = hang
    stuck = ProjectFactory(name="stuck")
    others = [ProjectFactory(name=f"quick{i}") for i in range(3)]
    try:
        started = time.monotonic()
        counts = scheduler.check_batch([stuck.pk] + [p.pk for p in others])
        elapsed = time.monotonic() - started
    finally:
        release.set()
        join_check_threads()
    assert elapsed < 10
    assert (counts.success, counts.error) == (3, 1)  # a fresh thread took the stuck one's place
    assert all(fake_backend.calls[p.name] == 1 for p in others)


@transactional
def test_a_batch_past_its_deadline_hands_back_the_projects_it_did_not_start(pool, fake_backend):
    pool.CRON_POOL = 1

    def slow(spec):
        time.sleep(0.3)
        return ["1.0"]

    projects = [ProjectFactory(name=f"p{i}") for i in range(5)]
    for project in projects:
        fake_backend.script[project.name] = slow
    ids = scheduler.claim_due_projects(10)
    counts = scheduler.check_batch(ids, deadline=time.monotonic() + 0.1)
    assert counts.total == 1
    assert counts.released == 4
    assert sorted(scheduler.claim_due_projects(10)) == sorted(ids[1:])


def other_backends() -> int | None:
    """PostgreSQL: the connections to the test database but ours (None on SQLite).

    A closed connection's backend leaves pg_stat_activity a moment after: asked again for up
    to two seconds until the count settles.
    """
    if connection.vendor != "postgresql":
        return None
    counts = []
    for _ in range(40):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            counts.append(cursor.fetchone()[0])
        if len(counts) > 1 and counts[-1] == counts[-2]:
            break
        time.sleep(0.05)
    return counts[-1]


@transactional
def test_a_cycle_opens_one_connection_per_thread_for_all_its_batches_and_closes_them(
    pool, fake_backend
):
    for i in range(7):  # three batches of 3
        ProjectFactory(name=f"p{i}")
    before = other_backends()
    opened: list[str] = []

    def record(sender, connection, **kwargs):
        opened.append(threading.current_thread().name)

    connection_created.connect(record)
    try:
        run = scheduler.run_cycle()
    finally:
        connection_created.disconnect(record)
    assert (run.total_count, run.success_count) == (7, 7)
    by_pool = [name for name in opened if name.startswith("check_")]
    assert 0 < len(by_pool) <= pool.CRON_POOL  # not a connection per thread per batch
    assert len(set(by_pool)) == len(by_pool)
    assert other_backends() == before  # none left open


@transactional
def test_a_drain_past_its_deadline_makes_what_it_did_not_check_due_again(pool, fake_backend):
    pool.CRON_POOL = 1

    def slow(spec):
        time.sleep(0.3)
        return ["1.0"]

    for i in range(6):
        ProjectFactory(name=f"p{i}")
        fake_backend.script[f"p{i}"] = slow
    counts = scheduler.drain(timezone.now(), deadline=time.monotonic() + 0.1)
    assert counts.total == 1
    assert counts.released >= 1  # claimed but not started: not kept for a lease
    assert scheduler.due_projects().count() == 5
    assert sum(fake_backend.calls.values()) == 1


# -- cycles ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_cycle_with_nothing_due_records_nothing():
    ProjectFactory(next_check=ahead(hours=1))
    run = scheduler.run_cycle()
    assert run.pk is None
    assert run.total_count == 0
    assert not CheckRun.objects.exists()


@transactional
def test_a_cycle_checks_everything_due_in_batches_and_records_a_run(pool, fake_backend):
    projects = [ProjectFactory(name=f"p{i}") for i in range(7)]  # three batches of 3
    fake_backend.script["p3"] = BackendError("broken")
    seen = []

    run = scheduler.run_cycle(progress=lambda done, total: seen.append((done, total)))

    assert (run.total_count, run.success_count, run.error_count, run.ratelimit_count) == (
        7,
        6,
        1,
        0,
    )
    assert run.new_version_count == 6
    assert run.ended_at >= run.started_at
    assert CheckRun.objects.get() == run
    assert seen[0] == (0, 7) and seen[-1] == (7, 7)
    assert [done for done, _ in seen] == list(range(8))
    assert all(fake_backend.calls[p.name] == 1 for p in projects)
    assert not scheduler.due_projects().exists()


@transactional
def test_a_cycle_stops_at_its_limit(pool, fake_backend):
    for i in range(5):
        ProjectFactory(name=f"p{i}", next_check=ago(minutes=10 - i))
    run = scheduler.run_cycle(limit=4)
    assert run.total_count == 4
    assert sorted(fake_backend.calls) == ["p0", "p1", "p2", "p3"]
    assert scheduler.due_projects().count() == 1


@transactional
def test_a_cycle_checks_a_project_once_even_when_the_upstream_says_retry_now(pool, fake_backend):
    fake_backend.script["eager"] = lambda spec: RateLimited(timezone.now(), scope="eager.example")
    ProjectFactory(name="eager", version_url="https://eager.example/")
    run = scheduler.run_cycle()
    assert (run.total_count, run.ratelimit_count) == (1, 1)
    assert fake_backend.calls == {"eager": 1}


@transactional
def test_a_cycle_with_a_frozen_clock_uses_it_for_every_decision(pool, fake_backend):
    later = ahead(hours=5)
    project = ProjectFactory(name="p", next_check=ahead(hours=2))
    RateLimitBlock.objects.create(scope="example.org", reset_at=ahead(hours=1))  # over by then
    run = scheduler.run_cycle(now=later)
    assert (run.total_count, run.success_count) == (1, 1)
    assert run.started_at == later
    project.refresh_from_db()
    assert project.last_check == later
    assert project.next_check == later + dt.timedelta(hours=1)
    assert not RateLimitBlock.objects.exists()  # cleaned: it had ended
