"""What the checks leave for the status page: tallies by hour, backend, upstream host and
outcome, written by a cycle with its counts and by a check a person asked for; a cycle's run
keeps how many projects were due when it started."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.db.models import Sum

from projects import check, scheduler, tasks, telemetry
from projects.models import CheckRun, CheckTally
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_earlier_tallies():
    """Tallies wait in the process until written: those of earlier tests go first."""
    telemetry.flush_tallies()
    CheckTally.objects.all().delete()


def tallies() -> dict[tuple[str, str, str], int]:
    return {
        (row.backend, row.host, row.outcome): row.count
        for row in CheckTally.objects.order_by("backend", "host", "outcome")
    }


def test_a_persons_check_is_tallied_at_once_by_host_and_outcome(upstream):
    good = ProjectFactory(name="widget", version_url=upstream.publish("widget", "1.0"))
    missing = ProjectFactory(name="gone", version_url=f"{upstream.base_url}/gone/")

    check.check_project(good)
    check.check_project(good)
    check.check_project(missing)

    assert tallies() == {
        ("custom", "127.0.0.1", "success"): 2,
        ("custom", "127.0.0.1", "error"): 1,
    }
    (row,) = CheckTally.objects.filter(outcome="error")
    now = dt.datetime.now(dt.UTC)
    assert row.hour == now.replace(minute=0, second=0, microsecond=0)
    assert row.seconds > 0


@pytest.mark.django_db(transaction=True)
def test_a_cycle_writes_its_tallies_with_its_counts_and_its_backlog(upstream, pool):
    for name in ("a", "b", "c"):
        ProjectFactory(name=name, version_url=upstream.publish(name, "1.0"))

    run = scheduler.run_cycle()

    assert run.due_count == 3 and run.total_count == 3
    assert run.progressed_at is not None  # its claims showed it alive
    assert CheckTally.objects.aggregate(total=Sum("count"))["total"] == 3
    assert telemetry.flush_tallies() == 0  # nothing left waiting in the process


def test_the_scheduled_cycle_records_the_backlog_it_started_with(monkeypatch):
    monkeypatch.setattr(tasks, "async_task", lambda *args, **kwargs: None)
    for _ in range(4):
        ProjectFactory()

    run = CheckRun.objects.get(pk=tasks.run_checks())

    assert run.due_count == 4


def test_a_hostless_project_is_tallied_under_no_host():
    project = ProjectFactory.build(version_url="", homepage="not a url")
    assert telemetry.upstream_host(project) == ""
    assert telemetry.upstream_host(ProjectFactory.build(version_url="http://[::1")) == "example.org"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_two_processes_writing_the_same_tallies_never_deadlock(monkeypatch):
    """Another checker process is mid-write, in key order (its transaction holds the "error"
    tally and is about to take the "success" one), while this one writes both, having counted
    "success" first: written in key order too, this one waits for "error" holding nothing,
    and both keep every count. (Written as counted, each waited for the other.)"""
    monkeypatch.setattr(telemetry, "FLUSH_SECONDS", 3600.0)
    hour = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    first, second = (
        (hour, "custom", "example.org", "error"),
        (hour, "custom", "example.org", "success"),
    )
    telemetry.tally(second, 1.0)  # counted first here, written second in key order
    telemetry.tally(first, 1.0)
    upsert = (
        "INSERT INTO projects_checktally (hour, backend, host, outcome, count, seconds) "
        "VALUES (%s, %s, %s, %s, 1, 1) ON CONFLICT (hour, backend, host, outcome) "
        "DO UPDATE SET count = projects_checktally.count + 1"
    )
    written: list[int] = []

    def this_process() -> None:
        try:
            written.append(telemetry.flush_tallies())
        finally:
            connections.close_all()

    with transaction.atomic(), connection.cursor() as cursor:  # the other process
        cursor.execute(upsert, list(first))
        thread = threading.Thread(target=this_process)
        thread.start()
        time.sleep(0.5)  # this one now waits for "error" (out of order, it held "success")
        cursor.execute(upsert, list(second))
    thread.join(30)
    assert written == [2]
    assert tallies() == {
        ("custom", "example.org", "error"): 2,
        ("custom", "example.org", "success"): 2,
    }
