"""The task-queue entry points: starting a shared cycle, its tasks, the release feeds."""

from __future__ import annotations

import datetime as dt
import logging
from importlib import import_module

import pytest
from django.utils import timezone

from backends import registry
from backends.base import Backend, BackendError, FeedEntry
from projects import scheduler, tasks
from projects.models import CheckRun, Project
from releasemon import schedules
from tests.factories import ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db


def ago(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def ahead(**delta) -> dt.datetime:
    return timezone.now() + dt.timedelta(**delta)


# -- schedules ---------------------------------------------------------------------------------


def test_the_checks_and_the_feeds_are_declared_as_periodic_tasks():
    declared = {periodic.name: periodic for periodic in schedules.SCHEDULES}
    assert declared["run-checks"].func == "projects.tasks.run_checks"
    assert declared["run-checks"].minutes == 1
    assert declared["check-feeds"].func == "projects.tasks.check_feeds"
    assert declared["check-feeds"].minutes == 5
    for periodic in declared.values():
        module, _, name = periodic.func.rpartition(".")
        assert callable(getattr(import_module(module), name))


def test_serve_syncs_the_schedules_before_starting_the_processes(monkeypatch):
    from django_q.models import Schedule

    from releasemon.management.commands import serve

    seen = {}

    def start(self, bind, workers, no_cluster):
        seen["schedules"] = sorted(Schedule.objects.values_list("func", flat=True))
        raise SystemExit(0)

    monkeypatch.setattr(serve, "call_command", lambda *args, **kwargs: None)
    monkeypatch.setattr(serve, "ensure_administrator", lambda: None)
    monkeypatch.setattr(serve.Command, "_start", start)
    with pytest.raises(SystemExit):
        serve.Command().handle(bind="127.0.0.1:0", workers=1, no_cluster=False)
    assert "projects.tasks.run_checks" in seen["schedules"]
    assert "projects.tasks.check_feeds" in seen["schedules"]


# -- run_checks / check_due --------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    """The tasks run_checks queues, recorded instead of sent to the broker."""
    calls = []
    monkeypatch.setattr(tasks, "async_task", lambda *args, **kwargs: calls.append(args))
    return calls


def test_run_checks_does_nothing_when_nothing_is_due(queued):
    ProjectFactory(next_check=ahead(minutes=5))
    ProjectFactory(next_check=ago(minutes=5), archived=True)
    assert tasks.run_checks() is None
    assert queued == []
    assert not CheckRun.objects.exists()


def test_run_checks_opens_a_run_shared_by_the_tasks_it_queues(queued, settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "workers": 4}
    ProjectFactory(next_check=ago(minutes=1))
    run_id = tasks.run_checks()
    run = CheckRun.objects.get(pk=run_id)
    assert run.pending_tasks == 3  # every worker but one, kept for the relay and the feeds
    assert run.ended_at is None
    assert len(queued) == 3
    assert {call[0] for call in queued} == {"projects.tasks.check_due"}
    assert {call[1] for call in queued} == {run_id}
    assert dt.datetime.fromisoformat(queued[0][2]) == run.started_at


def test_by_default_a_cycle_is_shared_by_two_tasks_and_check_tasks_overrides_it(queued, settings):
    assert (settings.Q_CLUSTER["workers"], settings.CHECK_TASKS) == (3, 0)  # the defaults
    ProjectFactory(next_check=ago(minutes=1))
    assert CheckRun.objects.get(pk=tasks.run_checks()).pending_tasks == 2
    assert len(queued) == 2

    CheckRun.objects.all().delete()
    queued.clear()
    settings.CHECK_TASKS = 5
    assert CheckRun.objects.get(pk=tasks.run_checks()).pending_tasks == 5
    assert len(queued) == 5


def test_run_checks_waits_for_the_previous_cycle_unless_it_is_long_dead(queued, settings):
    ProjectFactory(next_check=ago(minutes=1))
    running = CheckRun.objects.create(started_at=ago(minutes=1), pending_tasks=1)
    assert tasks.run_checks() is None
    timeout = settings.Q_CLUSTER["timeout"]
    CheckRun.objects.filter(pk=running.pk).update(started_at=ago(seconds=timeout + 120))
    assert tasks.run_checks() is not None


def test_a_long_cycle_whose_tasks_progress_holds_the_next_one_back(queued, settings):
    settings.CHECK_TIMEOUT = 20
    ProjectFactory(next_check=ago(minutes=1))
    timeout = settings.Q_CLUSTER["timeout"]
    CheckRun.objects.create(
        started_at=ago(seconds=timeout * 10), pending_tasks=1, progressed_at=ago(seconds=30)
    )
    assert tasks.run_checks() is None


def test_a_task_lost_with_its_machine_holds_the_next_cycle_back_only_for_a_lease(queued, settings):
    """A killed machine's task never says it is done; once it has shown no progress for a
    lease (CHECK_TIMEOUT + 60 s), when the projects it claimed are free again, the next
    cycle starts, however long the cluster's task timeout is."""
    settings.CHECK_TIMEOUT = 20
    ProjectFactory(next_check=ago(minutes=1))
    lost = CheckRun.objects.create(
        started_at=ago(seconds=90), pending_tasks=1, progressed_at=ago(seconds=79)
    )
    assert tasks.run_checks() is None
    CheckRun.objects.filter(pk=lost.pk).update(progressed_at=ago(seconds=81))
    assert tasks.run_checks() is not None


def test_check_due_adds_its_counts_to_the_run_and_marks_itself_done(monkeypatch, queued):
    run = CheckRun.objects.create(pending_tasks=2)

    def drain(cycle_time, *, deadline, run_id):
        counts = scheduler.Counts(success=3, error=1, ratelimit=2, new_versions=5)
        scheduler.add_to_run(run_id, counts)
        return counts

    monkeypatch.setattr(scheduler, "drain", drain)
    assert tasks.check_due(run.pk, timezone.now().isoformat()) == {
        "checked": 6,
        "errors": 1,
        "rate_limited": 2,
    }
    tasks.check_due(run.pk, timezone.now().isoformat())
    run.refresh_from_db()
    assert (run.total_count, run.success_count, run.error_count, run.ratelimit_count) == (
        12,
        6,
        2,
        4,
    )
    assert run.new_version_count == 10
    assert run.pending_tasks == 0
    assert run.ended_at is not None


def test_check_due_marks_itself_done_even_when_it_fails(monkeypatch):
    run = CheckRun.objects.create(pending_tasks=1)

    def broken_drain(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(scheduler, "drain", broken_drain)
    with pytest.raises(RuntimeError):
        tasks.check_due(run.pk, timezone.now().isoformat())
    run.refresh_from_db()
    assert run.pending_tasks == 0


# -- release feeds -----------------------------------------------------------------------------


class Feed(Backend):
    has_feed = True

    def __init__(self, name: str, entries: list[FeedEntry] | Exception) -> None:
        self.name = name
        self.entries = entries

    def check_feed(self, http):
        if isinstance(self.entries, Exception):
            raise self.entries
        return self.entries


class NoFeed(Backend):
    name = "folder"

    def check_feed(self, http):
        raise AssertionError("a backend without a feed is not asked for one")


@pytest.fixture
def feeds(monkeypatch):
    def install(*backends: Backend) -> None:
        monkeypatch.setattr(registry, "all_backends", lambda: list(backends))

    return install


def test_a_feed_makes_the_projects_with_an_unknown_version_due_now(feeds):
    fresh = ProjectFactory(name="Geany", backend="CPAN (perl)", next_check=ahead(minutes=50))
    ProjectVersionFactory(project=fresh, version="1.0")
    known = ProjectFactory(name="known", backend="CPAN (perl)", next_check=ahead(minutes=50))
    ProjectVersionFactory(project=known, version="v2.0")
    archived = ProjectFactory(
        name="old", backend="CPAN (perl)", archived=True, next_check=ahead(minutes=50)
    )
    elsewhere = ProjectFactory(name="geany", backend="custom", next_check=ahead(minutes=50))
    feeds(
        Feed(
            "CPAN (perl)",
            [
                FeedEntry("geany", "1.1"),  # case-insensitive name
                FeedEntry("known", "2.0"),  # stored as v2.0: the same version
                FeedEntry("old", "9.0"),
                FeedEntry("nobody", "1.0"),
            ],
        ),
        NoFeed(),
    )
    before = timezone.now()
    assert tasks.check_feeds() == {"CPAN (perl)": 1}
    fresh.refresh_from_db()
    assert before <= fresh.next_check <= timezone.now()
    assert fresh.next_check_reason == "New release announced by the CPAN (perl) feed"
    for untouched in (known, archived, elsewhere):
        untouched.refresh_from_db()
        assert untouched.next_check > ahead(minutes=49)


def test_a_feed_matches_package_index_projects_by_ecosystem(feeds):
    project = ProjectFactory(
        name="requests",
        backend="PyPI",
        homepage="https://pypi.org/project/requests",
        next_check=ahead(minutes=50),
    )
    assert project.ecosystem_name == "pypi"
    feeds(Feed("PyPI", [FeedEntry("Requests", "2.33.0")]))
    assert tasks.check_feeds() == {"PyPI": 1}
    assert scheduler.due_projects().get() == project


def test_a_feed_leaves_projects_that_are_due_within_a_lease_alone(feeds):
    """A project being checked right now has a lease: a feed must not hand it to a second
    worker. Projects due within a lease anyway are left as they are too."""
    leased = ProjectFactory(name="leased", backend="CPAN (perl)", next_check=ago(minutes=1))
    assert scheduler.claim_due_projects(10) == [leased.pk]
    soon = ProjectFactory(name="soon", backend="CPAN (perl)", next_check=ahead(minutes=3))
    feeds(Feed("CPAN (perl)", [FeedEntry("leased", "1.0"), FeedEntry("soon", "1.0")]))
    assert tasks.check_feeds() == {"CPAN (perl)": 0}
    assert not scheduler.due_projects().exists()
    soon.refresh_from_db()
    assert soon.next_check > ahead(minutes=2)


def test_a_failing_feed_is_logged_and_the_others_are_still_read(feeds, caplog):
    project = ProjectFactory(name="ripgrep", backend="crates.io", next_check=ahead(minutes=50))
    feeds(
        Feed("npmjs", BackendError("https://replicate.npmjs.com: timed out")),
        Feed("PECL", RuntimeError("a bug in a feed parser")),
        Feed("crates.io", [FeedEntry("ripgrep", "15.0.0")]),
    )
    with caplog.at_level(logging.WARNING, logger="projects.tasks"):
        assert tasks.check_feeds() == {"crates.io": 1}
    logged = [(r.levelname, r.getMessage(), r.exc_info is None) for r in caplog.records]
    assert logged == [
        # An expected failure: one line, with the readable reason, no traceback ...
        (
            "WARNING",
            "Reading the release feed of npmjs failed: https://replicate.npmjs.com: timed out",
            True,
        ),
        # ... a bug: the traceback.
        ("ERROR", "Reading the release feed of PECL failed unexpectedly", False),
    ]
    assert scheduler.due_projects().get() == project


def test_unreachable_feeds_log_one_warning_line_each_and_no_traceback(caplog, monkeypatch):
    """Offline or behind a firewall, every feed fails every five minutes: one readable line
    per feed, not a traceback per feed."""
    import socket

    from backends.http import guard

    def offline(host, port):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(guard, "resolve_host", offline)
    with_feeds = [backend.name for backend in registry.all_backends() if backend.has_feed]
    assert len(with_feeds) >= 5
    with caplog.at_level(logging.DEBUG, logger="projects.tasks"):
        assert tasks.check_feeds() == {}
    records = [r for r in caplog.records if r.name == "projects.tasks"]
    assert [r.levelname for r in records] == ["WARNING"] * len(with_feeds)
    assert all(r.exc_info is None and r.exc_text is None for r in records)
    for name, record in zip(with_feeds, records, strict=True):
        message = record.getMessage()
        assert message.startswith(f"Reading the release feed of {name} failed: The host ")
        assert "could not be looked up: the DNS server did not answer" in message
        assert "\n" not in message and "Errno" not in message and "gaierror" not in message


def test_a_feed_entry_hidden_by_the_version_filter_changes_nothing(feeds):
    ProjectFactory(
        name="geany", backend="CPAN (perl)", version_filter="rc", next_check=ahead(minutes=50)
    )
    feeds(Feed("CPAN (perl)", [FeedEntry("geany", "2.0-rc1")]))
    assert tasks.check_feeds() == {"CPAN (perl)": 0}
    assert not Project.objects.filter(next_check__lte=timezone.now()).exists()
