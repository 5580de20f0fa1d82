"""Real check cycles against local upstream servers (tests/projects/conftest.py).

Nothing is stubbed between the scheduler and the socket: projects use the ``custom`` backend
with a version URL on a loopback server, the guarded HTTP client fetches it (the loopback
allowance is switched on for these tests only), and the cycle records what it found.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import timezone

from backends import registry
from backends.base import FeedEntry
from backends.upstreams.custom import Custom
from messaging.models import OutboxMessage
from projects import scheduler, tasks
from projects.check import Outcome
from projects.management.commands.check_projects import _ProgressBar
from projects.models import CheckRun, Project, RateLimitBlock
from tests.factories import PackageFactory, ProjectVersionFactory, watched

pytestmark = pytest.mark.django_db(transaction=True)

postgres_only = pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs PostgreSQL (DATABASE_URL): the SQLite test database is in memory, one "
    "process only, and its shared cache cannot take concurrent writers",
)


def make_all_due() -> None:
    Project.objects.update(next_check=timezone.now() - dt.timedelta(seconds=1))


def announced(name: str) -> list[str]:
    """The version-update topics announced for project ``name``, in order."""
    return [
        message.topic
        for message in OutboxMessage.objects.order_by("id")
        if message.topic.startswith("project.version.update")
        and message.body["message"]["project"]["name"] == name
    ]


def test_a_cycle_stores_new_versions_once_announces_them_once_then_gets_304(upstream, pool):
    names = [f"tool{i}" for i in range(5)]
    for name in names:
        watched(upstream, name, "1.0", "1.1")

    first = scheduler.run_cycle()
    assert (first.total_count, first.success_count, first.error_count) == (5, 5, 0)
    assert first.new_version_count == 10
    assert all(not request.conditional for request in upstream.hits())
    for name in names:
        project = Project.objects.get(name=name)
        assert sorted(project.versions.values_list("version", flat=True)) == ["1.0", "1.1"]
        assert project.latest_version == "1.1"
        assert project.logs == "Version retrieved correctly"
        assert project.etag and project.last_modified
        assert announced(name) == ["project.version.update", "project.version.update.v2"]

    upstream.forget()
    make_all_due()
    second = scheduler.run_cycle()
    assert (second.total_count, second.success_count, second.new_version_count) == (5, 5, 0)
    assert all(request.conditional for request in upstream.hits())
    assert upstream.statuses() == {304: 5}
    assert set(Project.objects.values_list("logs", flat=True)) == {"No new version found"}
    assert OutboxMessage.objects.count() == 10

    upstream.forget()
    upstream.publish("tool0", "1.2")
    make_all_due()
    third = scheduler.run_cycle()
    assert third.new_version_count == 1
    assert upstream.statuses() == {200: 1, 304: 4}
    assert upstream.statuses("/tool0/") == {200: 1}
    assert Project.objects.get(name="tool0").latest_version == "1.2"
    assert announced("tool0") == ["project.version.update", "project.version.update.v2"] * 2
    assert announced("tool1") == ["project.version.update", "project.version.update.v2"]


def test_errors_are_counted_and_a_project_failing_too_often_is_deleted(upstream, pool, settings):
    settings.CHECK_ERROR_THRESHOLD = 2
    doomed = watched(upstream, "doomed", "1.0")
    upstream.fail("/doomed/")
    kept = watched(upstream, "kept", "1.0")  # mapped and with versions: archived, not deleted
    ProjectVersionFactory(project=kept, version="0.9")
    PackageFactory(project=kept)
    upstream.fail("/kept/")
    watched(upstream, "healthy", "1.0")

    first = scheduler.run_cycle()
    assert (first.total_count, first.success_count, first.error_count) == (3, 1, 2)
    doomed.refresh_from_db()
    assert doomed.error_counter == 1
    assert doomed.check_successful is False
    assert "500" in doomed.logs

    make_all_due()
    second = scheduler.run_cycle()
    assert (second.total_count, second.success_count, second.error_count) == (3, 1, 2)
    assert not Project.objects.filter(name="doomed").exists()
    removal = OutboxMessage.objects.get(topic="project.remove")
    assert removal.body["message"] == {"agent": "anitya", "project": "doomed"}
    kept.refresh_from_db()
    assert kept.error_counter == 2
    assert kept.archived is True
    assert kept.logs.startswith("Archived after 2 failed checks in a row: ")
    assert list(kept.versions.values_list("version", flat=True)) == ["0.9"]
    assert OutboxMessage.objects.filter(topic="project.edit").count() == 1


def test_a_rate_limit_defers_only_the_upstream_that_asked(upstreams, pool):
    """Two upstream hosts (127.0.0.1 and 127.0.0.2: the scope is the host, not the port).
    The pool runs one check at a time here, so that the count of requests is exact."""
    pool.CRON_POOL = 1
    fine, limited = upstreams("127.0.0.1"), upstreams("127.0.0.2")
    limited.rate_limit(retry_after=900)
    behind = [watched(limited, f"slow{i}", "1.0", error_counter=4) for i in range(3)]
    others = [watched(fine, f"fast{i}", "1.0") for i in range(2)]
    assert scheduler.project_scope(behind[0]) == "127.0.0.2"

    before = timezone.now()
    run = scheduler.run_cycle()
    assert (run.total_count, run.success_count, run.ratelimit_count, run.error_count) == (
        5,
        2,
        3,
        0,
    )
    assert len(limited.hits()) == 1  # the first answer blocked the host for the others
    assert limited.statuses() == {429: 1}
    assert fine.statuses() == {200: 2}
    block = RateLimitBlock.objects.get()
    assert block.scope == "127.0.0.2"
    assert before + dt.timedelta(seconds=899) <= block.reset_at
    for project in behind:
        project.refresh_from_db()
        assert project.error_counter == 4  # deferred, not failed
        assert project.next_check == block.reset_at
        assert project.versions.count() == 0
    for project in others:
        project.refresh_from_db()
        assert project.versions.count() == 1

    # Once the reset time has passed, the deferred projects are checked and the block goes.
    limited.rate_limit(None)
    run = scheduler.run_cycle(now=block.reset_at + dt.timedelta(seconds=1))
    assert (run.total_count, run.success_count) == (3, 3)
    assert limited.statuses() == {429: 1, 200: 3}
    assert not RateLimitBlock.objects.exists()


def test_a_stuck_upstream_costs_one_error_and_does_not_hold_the_cycle(upstream, pool):
    pool.CHECK_TIMEOUT = 2  # the HTTP read timeout (30 s) would wait much longer
    watched(upstream, "stuck", "1.0")
    upstream.delay("/stuck/", 60)
    for i in range(3):
        watched(upstream, f"quick{i}", "1.0")

    started = time.monotonic()
    run = scheduler.run_cycle()
    elapsed = time.monotonic() - started

    assert elapsed < 15
    assert (run.total_count, run.success_count, run.error_count) == (4, 3, 1)
    stuck = Project.objects.get(name="stuck")
    assert stuck.next_check > timezone.now()  # still leased: not handed to another worker
    upstream.released.set()  # the abandoned thread ends (the pool fixture waits for it)


@postgres_only
@pytest.mark.postgres
def test_two_workers_never_check_the_same_project(upstream, pool):
    names = [f"shared{i}" for i in range(40)]
    for name in names:
        watched(upstream, name, "1.0")
        upstream.delay(f"/{name}/", 0.02)
    barrier = threading.Barrier(2)
    runs: list[CheckRun] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            runs.append(scheduler.run_cycle())
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    assert len(runs) == 2
    assert sum(run.total_count for run in runs) == 40
    assert all(run.total_count > 0 for run in runs), "both workers took part"
    for name in names:
        assert len(upstream.hits(f"/{name}/")) == 1, name
    assert OutboxMessage.objects.filter(topic="project.version.update.v2").count() == 40


# -- the task queue ----------------------------------------------------------------------------


def test_a_cycle_through_the_task_queue_in_sync_mode(upstream, pool, settings, monkeypatch):
    from django_q.conf import Conf
    from django_q.models import Task

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    monkeypatch.setattr(Conf, "SYNC", True)  # django-q2 reads its settings once, at import
    for i in range(4):
        watched(upstream, f"queued{i}", "1.0", "2.0")

    run_id = tasks.run_checks()
    run = CheckRun.objects.get(pk=run_id)
    assert (run.total_count, run.success_count, run.new_version_count) == (4, 4, 8)
    assert run.pending_tasks == 0
    assert run.ended_at is not None
    assert Task.objects.filter(func="projects.tasks.check_due", success=True).count() >= 1
    assert OutboxMessage.objects.filter(topic="project.version.update.v2").count() == 4
    assert tasks.run_checks() is None  # nothing is due any more


def test_a_feed_gets_a_new_release_checked_at_the_next_run(upstream, pool, monkeypatch):
    """check_feeds reads a (local) feed and makes the project due; the next run checks it."""
    project = watched(upstream, "fresh", "1.0")
    scheduler.run_cycle()
    project.refresh_from_db()
    assert project.next_check > timezone.now() + dt.timedelta(minutes=50)

    feed_url = upstream.put_json("/feed.json", [{"name": "FRESH", "version": "1.1"}])

    class CustomWithFeed(Custom):
        has_feed = True

        def check_feed(self, http):
            return [FeedEntry(item["name"], item["version"]) for item in http.get_json(feed_url)]

    monkeypatch.setattr(registry, "all_backends", lambda: [CustomWithFeed()])
    upstream.publish("fresh", "1.1")
    assert tasks.check_feeds() == {"custom": 1}
    run = scheduler.run_cycle()
    assert (run.total_count, run.new_version_count) == (1, 1)
    project.refresh_from_db()
    assert project.latest_version == "1.1"


@postgres_only
@pytest.mark.postgres
def test_a_cycle_run_by_a_real_cluster_is_shared_by_two_worker_processes(
    upstream, pool, monkeypatch
):
    """With the default three q2 workers a cycle runs as two check_due tasks, at the same
    time, in two worker processes, which split the due projects between them."""
    from django_q.conf import Conf
    from django_q.models import Task
    from django_q.scheduler import scheduler as q2_scheduler

    from releasemon.schedules import SCHEDULES, sync_schedules

    names = [f"clustered{i}" for i in range(24)]
    for name in names:
        watched(upstream, name, "1.0", "1.1")
        upstream.delay(f"/{name}/", 0.25)  # 3 s of checks for one process with 2 threads
    # The declared schedule, as serve syncs it; django-q2's scheduler (which the cluster runs
    # every 30 s) is called here at once, so the run is queued now, for the cluster.
    sync_schedules(tuple(p for p in SCHEDULES if p.func == "projects.tasks.run_checks"))
    # q2 signs the tasks it queues with the secret key: the cluster needs the same one (and
    # refuses to start with the default key the tests run with).
    secret_key = "test-cluster-not-secret"
    monkeypatch.setattr(Conf, "SECRET_KEY", secret_key)
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/"
        f"{db['NAME']}",
        "FETCH_ALLOWED_NETWORKS": "127.0.0.1/32",
        "CRON_POOL": "2",
        "CHECK_BATCH_SIZE": "4",
        "Q2_WORKERS": "3",
        "CHECK_TASKS": "0",
        "SECRET_KEY": secret_key,
        "LOG_LEVEL": "WARNING",
    }
    with tempfile.TemporaryFile() as log:
        cluster = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            q2_scheduler()
            deadline = time.monotonic() + 90
            finished = CheckRun.objects.none()
            while time.monotonic() < deadline and cluster.poll() is None:
                finished = CheckRun.objects.filter(pending_tasks=0, ended_at__isnull=False)
                if finished.exists():
                    break
                time.sleep(0.5)
        finally:
            cluster.send_signal(signal.SIGTERM)
            try:
                cluster.wait(30)
            except subprocess.TimeoutExpired:  # pragma: no cover
                cluster.kill()
                cluster.wait()
            log.seek(0)
            output = log.read().decode(errors="replace")
        assert finished.exists(), f"the cluster did not finish a run:\n{output[-3000:]}"
    run = finished.get()
    assert (run.total_count, run.success_count, run.new_version_count) == (24, 24, 48)
    assert OutboxMessage.objects.filter(topic="project.version.update.v2").count() == 24
    assert all(len(upstream.hits(f"/{name}/")) == 1 for name in names)
    shares = list(
        Task.objects.filter(func="projects.tasks.check_due", success=True).order_by("started")
    )
    assert len(shares) == 2
    assert all(task.result["checked"] > 0 for task in shares), [
        (t.result, t.started, t.stopped) for t in shares
    ]
    assert sum(task.result["checked"] for task in shares) == 24
    # A q2 worker process runs one task at a time: overlapping tasks ran in two processes.
    assert shares[1].started < shares[0].stopped


# -- manage.py check_projects ------------------------------------------------------------------


def run_command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("check_projects", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_on_a_fresh_install_says_nothing_is_due(pool):
    out, err = run_command()
    assert out == "Nothing to check: no project is due.\n"
    assert err == ""


def test_the_command_runs_a_cycle_with_progress_and_a_summary(upstream, pool):
    for i in range(3):
        watched(upstream, f"cmd{i}", "1.0", "1.1")
    watched(upstream, "cmdbroken", "1.0")
    upstream.fail("/cmdbroken/")

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match=r"^1 check\(s\) failed and 0 were rate-limited"):
        call_command("check_projects", stdout=out, stderr=err)  # a failed check: exit 1
    out, err = out.getvalue(), err.getvalue()

    assert err.splitlines()[0] == "Checking 4 due project(s)..."
    assert "checked 0/4" in err.splitlines() and "checked 4/4" in err.splitlines()
    assert out.startswith("Checked 4 project(s) in ")
    assert out.rstrip().endswith("3 ok, 1 failed, 0 rate-limited; 6 new version(s).")
    assert CheckRun.objects.get().total_count == 4


def test_the_command_limit_checks_that_many_projects(upstream, pool):
    for i in range(3):
        watched(upstream, f"lim{i}", "1.0")
    out, _ = run_command("--limit", "2")
    assert out.startswith("Checked 2 project(s)")
    assert scheduler.due_projects().count() == 1


def test_the_command_checks_named_projects_and_fails_when_one_fails(upstream, pool):
    good = watched(upstream, "good", "1.0", "2.0", next_check=timezone.now() + dt.timedelta(1))
    bad = watched(upstream, "bad", "1.0")
    upstream.fail("/bad/")

    out, _ = run_command("--project", str(good.pk))
    assert out.splitlines()[0] == f"good (id {good.pk}): ok, new version(s): 1.0, 2.0"
    assert out.splitlines()[1].endswith("1 ok, 0 failed, 0 rate-limited; 2 new version(s).")
    out, _ = run_command("--project", "GOOD")
    assert out.splitlines()[0] == f"good (id {good.pk}): ok, no new version"

    with pytest.raises(CommandError, match=r"1 check\(s\) failed and 0 were rate-limited"):
        run_command("--project", "good", "--project", str(bad.pk))
    bad.refresh_from_db()
    assert bad.error_counter == 1
    with pytest.raises(CommandError, match=r"^no project with id 999$"):
        run_command("--project", "999")
    with pytest.raises(CommandError, match=r'^no project named "nope"$'):
        run_command("--project", "nope")
    with pytest.raises(CommandError, match="--limit must be a positive number"):
        run_command("--limit", "0")


def test_the_command_reports_a_rate_limit_and_blocks_the_host(upstream, pool):
    project = watched(upstream, "limited", "1.0")
    upstream.rate_limit(retry_after=60)
    with pytest.raises(CommandError, match=r"0 check\(s\) failed and 1 were rate-limited"):
        run_command("--project", str(project.pk))
    assert scheduler.blocked_until("127.0.0.1") is not None
    assert scheduler.check_one(project.pk).outcome is Outcome.RATE_LIMITED
    assert len(upstream.hits()) == 1  # the second one was deferred, not sent


def test_the_progress_bar_draws_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    from django.core.management.base import OutputWrapper

    stream = Terminal()
    bar = _ProgressBar(OutputWrapper(stream))
    bar(0, 4)
    bar(4, 4)
    assert stream.getvalue() == "\r[" + "." * 30 + "] 0/4\r[" + "#" * 30 + "] 4/4\n"


def test_the_command_exit_codes_on_a_fresh_install(tmp_path: Path):
    """The real command line: a new SQLite database, migrated, nothing to check (exit 0);
    an unknown project (exit 1, one line); an unmigrated database (exit 1, one line)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        # A fresh install has no var/secret_key; the default key is refused without DEBUG.
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "test-not-secret",
    }
    manage = [sys.executable, "manage.py"]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*manage, *args],
            cwd=django_settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    unmigrated = run("check_projects")
    assert unmigrated.returncode == 1
    assert len(unmigrated.stderr.strip().splitlines()) == 1
    assert "migrate" in unmigrated.stderr
    assert run("migrate", "--verbosity", "0").returncode == 0
    fresh = run("check_projects")
    assert (fresh.returncode, fresh.stdout, fresh.stderr) == (
        0,
        "Nothing to check: no project is due.\n",
        "",
    )
    unknown = run("check_projects", "--project", "42")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "CommandError: no project with id 42"
