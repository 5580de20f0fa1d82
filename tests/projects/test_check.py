"""A full check records what the upstream has: versions once, health, messages once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backends import pipeline, registry
from backends.base import Backend, BackendError, NotModified, RateLimited, Release
from messaging.models import OutboxMessage
from projects import check
from projects.models import Project
from projects.next_check import next_check_after
from tests.factories import PackageFactory, ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db


class ScriptedBackend(Backend):
    """Answers each fetch with the next scripted answer (a list of versions or an error)."""

    name = "custom"

    def __init__(self, answers):
        self.answers = list(answers)
        self.specs = []

    def fetch(self, spec, http):
        self.specs.append(spec)
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        http.etag = '"etag-1"'
        return [Release(v) for v in answer]


@pytest.fixture
def upstream(monkeypatch):
    def script(*answers):
        backend = ScriptedBackend(answers)
        monkeypatch.setattr(registry, "get_backend", lambda name: backend)
        return backend

    return script


def topics_sent():
    return list(OutboxMessage.objects.order_by("id").values_list("topic", flat=True))


def test_new_versions_are_stored_once_and_announced_once(upstream):
    project = ProjectFactory(name="geany")
    upstream(["1.0", "v1.1"], ["1.0", "1.1"])

    first = check.check_project(project)
    assert first.outcome is check.Outcome.SUCCESS
    assert first.new_versions == ("1.0", "1.1")
    project.refresh_from_db()
    assert project.latest_version == "1.1"
    assert project.logs == "Version retrieved correctly"
    assert project.check_successful is True
    assert project.etag == '"etag-1"'
    assert sorted(project.versions.values_list("version", flat=True)) == ["1.0", "v1.1"]
    assert topics_sent() == ["project.version.update", "project.version.update.v2"]
    v2 = OutboxMessage.objects.get(topic="project.version.update.v2").body["message"]
    assert v2["upstream_versions"] == ["1.0", "1.1"]
    assert v2["old_version"] == ""

    second = check.check_project(project)
    assert second.new_versions == ()
    project.refresh_from_db()
    assert project.logs == "No new version found"
    assert project.versions.count() == 2
    assert len(topics_sent()) == 2


def test_v1_message_names_the_newest_version_even_when_an_older_one_is_new(upstream):
    project = ProjectFactory()
    ProjectVersionFactory(project=project, version="2.0")
    project.latest_version = "2.0"
    project.save()
    upstream(["1.5", "2.0"])
    check.check_project(project)
    v1 = OutboxMessage.objects.get(topic="project.version.update").body["message"]
    assert v1["upstream_version"] == "2.0"
    assert v1["old_version"] == "2.0"


def test_not_modified_is_a_successful_check_with_nothing_new(upstream):
    project = ProjectFactory(etag='"kept"')
    ProjectVersionFactory(project=project, version="1.0")
    upstream(NotModified())
    result = check.check_project(project)
    project.refresh_from_db()
    assert result.outcome is check.Outcome.SUCCESS
    assert project.logs == "No new version found"
    assert project.etag == '"kept"'
    assert project.check_successful is True
    assert topics_sent() == []


def with_versions(*raw: str, **fields) -> Project:
    """A project storing ``raw`` (the last one its latest), loaded as a check batch loads it."""
    project = ProjectFactory(**fields)
    for version in raw:
        ProjectVersionFactory(project=project, version=version)
    Project.objects.filter(pk=project.pk).update(latest_version=raw[-1] if raw else None)
    return Project.objects.prefetch_related("versions").get(pk=project.pk)


@pytest.mark.parametrize("answer", [["1.0"], NotModified()], ids=["200", "304"])
def test_a_check_finding_nothing_new_is_recorded_with_one_update_and_no_lock(upstream, answer):
    project = with_versions("1.0", etag='"old"', error_counter=3, check_successful=False)
    upstream(answer)
    now = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        result = check.check_project(project, now=now)
    assert result == check.CheckResult(check.Outcome.SUCCESS)
    # The check itself: no SELECT ... FOR UPDATE, no version read (besides it, the person's
    # check writes its tally for the status page: projects/telemetry.py).
    (query,) = [q for q in queries.captured_queries if "checktally" not in q["sql"]]
    assert query["sql"].startswith("UPDATE") and "FOR UPDATE" not in query["sql"]
    project.refresh_from_db()
    assert (project.logs, project.check_successful, project.error_counter) == (
        "No new version found",
        True,
        0,
    )
    assert project.last_check == project.updated_on == now
    assert (project.next_check, project.next_check_reason) == (
        now + dt.timedelta(hours=1),
        "Checked every hour",
    )
    # A 200 brings the upstream's new ETag for the next conditional request; a 304 keeps it.
    assert project.etag == ('"old"' if isinstance(answer, NotModified) else '"etag-1"')
    assert project.latest_version == "1.0"
    assert topics_sent() == []


def test_a_check_finding_nothing_new_still_brings_the_latest_version_up_to_date(upstream):
    project = with_versions("1.0", "2.0", version_filter="2.0")  # filter edited since
    upstream(["1.0", "2.0"])
    result = check.check_project(project)
    project.refresh_from_db()
    assert result.new_versions == ()
    assert project.latest_version == "1.0"
    assert project.logs == "No new version found"


def test_an_older_answer_with_nothing_new_never_undoes_a_concurrent_checks_news(upstream):
    slow = with_versions("1.0")
    upstream(["1.0"], ["1.0", "1.1"])
    older_answer = pipeline.preview(slow.to_spec())  # this worker fetched first ...
    check.check_project(Project.objects.get(pk=slow.pk))  # ... another stored 1.1 meanwhile
    assert check.record(slow, older_answer).new_versions == ()
    project = Project.objects.get(pk=slow.pk)
    assert project.latest_version == "1.1"
    assert sorted(project.versions.values_list("version", flat=True)) == ["1.0", "1.1"]
    assert topics_sent() == ["project.version.update", "project.version.update.v2"]


def test_a_project_deleted_while_it_was_checked_is_not_written_back(upstream):
    project = with_versions("1.0")
    upstream(["1.0"])
    Project.objects.filter(pk=project.pk).delete()
    with pytest.raises(Project.DoesNotExist):
        check.check_project(project)
    assert not Project.objects.exists()


def test_scheduled_failures_grow_the_error_streak_and_success_resets_it(upstream):
    project = ProjectFactory(error_counter=3)
    upstream(BackendError("example: no upstream version found."), ["1.0"])
    before = timezone.now()
    result = check.check_project(project, trigger=check.Trigger.SCHEDULER)
    project.refresh_from_db()
    assert result.outcome is check.Outcome.ERROR
    assert project.error_counter == 4
    assert project.check_successful is False
    assert project.logs == "example: no upstream version found."
    assert project.next_check >= before + dt.timedelta(minutes=59)
    check.check_project(project, trigger=check.Trigger.SCHEDULER)
    project.refresh_from_db()
    assert project.error_counter == 0


def test_a_failure_people_asked_for_is_recorded_without_counting(upstream, settings):
    """The default trigger is a person: even at the threshold nothing is deleted or archived."""
    settings.CHECK_ERROR_THRESHOLD = 3
    project = ProjectFactory(error_counter=2)
    upstream(BackendError("HTTP 404"), BackendError("HTTP 404"))
    before = timezone.now()
    for _ in range(2):
        result = check.check_project(project)
        assert result.outcome is check.Outcome.ERROR
    project.refresh_from_db()
    assert project.error_counter == 2
    assert (project.check_successful, project.logs, project.archived) == (False, "HTTP 404", False)
    assert project.last_check >= before
    assert topics_sent() == []


def test_a_check_people_wait_for_gets_the_interactive_deadline(monkeypatch):
    seen = []

    def preview(spec, *, interactive=False, **kwargs):
        seen.append(interactive)
        raise BackendError("down")

    monkeypatch.setattr(pipeline, "preview", preview)
    project = ProjectFactory()
    check.check_project(project)
    check.check_project(project, trigger=check.Trigger.SCHEDULER)
    assert seen == [True, False]


def test_rate_limit_defers_without_counting_an_error(upstream):
    project = ProjectFactory(error_counter=2)
    reset = timezone.now() + dt.timedelta(minutes=20)
    upstream(RateLimited(reset, scope="api.github.com"))
    result = check.check_project(project)
    project.refresh_from_db()
    assert result.outcome is check.Outcome.RATE_LIMITED
    assert result.scope == "api.github.com"
    assert project.error_counter == 2
    assert project.next_check == reset
    assert project.logs.startswith("Rate limit was reached. Will be reset in")


def fail_scheduled(project, upstream):
    upstream(BackendError("gone"))
    return check.check_project(project, trigger=check.Trigger.SCHEDULER)


def test_a_project_without_versions_or_mappings_is_removed_at_the_threshold(upstream, settings):
    settings.CHECK_ERROR_THRESHOLD = 3
    project = ProjectFactory(error_counter=2)
    assert fail_scheduled(project, upstream).outcome is check.Outcome.DELETED
    assert not Project.objects.filter(pk=project.pk).exists()
    removal = OutboxMessage.objects.get(topic="project.remove")
    assert removal.body["message"] == {"agent": "anitya", "project": project.name}
    assert topics_sent() == ["project.remove"]


@pytest.mark.parametrize("history", ["versions", "mappings", "both"])
def test_a_project_with_history_is_archived_at_the_threshold(upstream, settings, caplog, history):
    settings.CHECK_ERROR_THRESHOLD = 3
    project = ProjectFactory(name="keepme", error_counter=2)
    if history in ("versions", "both"):
        ProjectVersionFactory(project=project, version="1.0")
    if history in ("mappings", "both"):
        PackageFactory(project=project)

    with caplog.at_level("WARNING", logger="projects.check"):
        result = fail_scheduled(project, upstream)

    assert result.outcome is check.Outcome.ARCHIVED
    assert project.archived is True  # the caller's instance is refreshed
    project = Project.objects.get(pk=project.pk)
    assert project.archived is True
    assert project.error_counter == 3
    assert project.check_successful is False
    assert project.logs == "Archived after 3 failed checks in a row: gone"
    assert project.versions.count() == (1 if history != "mappings" else 0)
    assert project.packages.count() == (1 if history != "versions" else 0)
    # The archiving service's message, once, in the check's transaction; nothing removed.
    assert topics_sent() == ["project.edit"]
    edit = OutboxMessage.objects.get(topic="project.edit")
    assert edit.body["message"]["agent"] == "anitya"
    assert edit.body["message"]["changes"] == {"archived": {"old": False, "new": True}}
    [record] = [r for r in caplog.records if r.name == "projects.check"]
    assert record.levelname == "WARNING"
    assert f"keepme (id {project.pk}): 3 failed checks in a row, last error: gone" in (
        record.getMessage()
    )


def test_an_archived_project_is_no_longer_due(upstream, settings):
    from projects import scheduler

    settings.CHECK_ERROR_THRESHOLD = 1
    project = ProjectFactory()
    ProjectVersionFactory(project=project)
    fail_scheduled(project, upstream)
    Project.objects.filter(pk=project.pk).update(next_check=timezone.now())
    assert not scheduler.due_projects().filter(pk=project.pk).exists()


def test_a_project_whose_configuration_no_longer_holds_is_archived_too(upstream, settings):
    """Archiving changes one flag: a project whose backend is gone (or that lacks a version
    URL its backend needs) is archived like any other, its history kept."""
    settings.CHECK_ERROR_THRESHOLD = 3
    project = ProjectFactory(error_counter=2)
    ProjectVersionFactory(project=project)
    Project.objects.filter(pk=project.pk).update(backend="A backend that is gone")
    project.refresh_from_db()
    assert fail_scheduled(project, upstream).outcome is check.Outcome.ARCHIVED
    project.refresh_from_db()
    assert (project.archived, project.error_counter) == (True, 3)
    assert project.versions.count() == 1


def test_archived_projects_are_not_checked(upstream):
    backend = upstream(["1.0"])
    with pytest.raises(BackendError, match="archived"):
        check.check_project(ProjectFactory(archived=True))
    assert backend.specs == []


def test_a_check_sends_the_stored_validators_and_versions(upstream):
    project = ProjectFactory(etag='"abc"', last_modified="Wed, 21 Oct 2015 07:28:00 GMT")
    ProjectVersionFactory(project=project, version="1.0")
    backend = upstream(["1.0"])
    check.check_project(project)
    (spec,) = backend.specs
    assert spec.etag == '"abc"'
    assert spec.last_modified == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert spec.stored_versions == ("1.0",)


# -- when the next check is, and why ------------------------------------------------------------


def silent_project(days: int, **fields) -> Project:
    """A project whose only version was published ``days`` ago (retrieved long ago too)."""
    long_ago = timezone.now() - dt.timedelta(days=days)
    project = ProjectFactory(created_on=long_ago, **fields)
    ProjectVersionFactory(project=project, version="1.0", created_on=long_ago, published_at=None)
    return project


def test_without_adaptive_scheduling_every_project_is_checked_every_hour(upstream, settings):
    assert settings.ADAPTIVE_SCHEDULING is False  # off by default
    project = silent_project(400)
    upstream(["1.0"])
    now = timezone.now()
    check.check_project(project, now=now)
    project.refresh_from_db()
    assert project.next_check == now + dt.timedelta(hours=1)
    assert project.next_check_reason == "Checked every hour"


def test_adaptive_scheduling_checks_silent_projects_less_often_up_to_the_maximum(
    upstream, settings
):
    settings.ADAPTIVE_SCHEDULING = True
    settings.ADAPTIVE_MAX_INTERVAL_HOURS = 24
    now = timezone.now()
    intervals = []
    for days in (0, 7, 30, 90, 179, 270, 3000):
        project = silent_project(days)
        next_check, _ = next_check_after(project, now)
        intervals.append(next_check - now)
    hour = dt.timedelta(hours=1)
    assert intervals[:2] == [hour, hour]  # active: the base interval
    assert intervals == sorted(intervals)  # monotone
    assert hour < intervals[2] < intervals[3] < 24 * hour
    assert intervals[-2:] == [24 * hour, 24 * hour]  # bounded by the maximum

    project = silent_project(275)
    upstream(["1.0"])
    check.check_project(project, now=now)
    project.refresh_from_db()
    assert project.next_check == now + 24 * hour
    assert project.next_check_reason == "No release for 9 months: checked every 24 hours"

    settings.ADAPTIVE_MAX_INTERVAL_HOURS = 12
    assert next_check_after(project, now)[0] == now + 12 * hour


def test_adaptive_scheduling_uses_publication_dates_and_new_versions_make_a_project_active(
    upstream, settings
):
    settings.ADAPTIVE_SCHEDULING = True
    now = timezone.now()
    project = silent_project(400)
    ProjectVersionFactory(
        project=project, version="1.1", created_on=now, published_at=now - dt.timedelta(days=400)
    )
    assert next_check_after(project, now)[0] == now + dt.timedelta(hours=24)
    upstream(["1.0", "1.1", "2.0"])  # 2.0 is new, without a publication date
    check.check_project(project, now=now)
    project.refresh_from_db()
    assert project.next_check == now + dt.timedelta(hours=1)
    assert project.next_check_reason == "Checked every hour"
    empty = ProjectFactory(created_on=now - dt.timedelta(days=20))  # no version: since creation
    assert next_check_after(empty, now)[1].startswith("No release for 2 weeks: checked every")


def test_failures_and_rate_limits_keep_their_schedule_with_adaptive_scheduling(upstream, settings):
    settings.ADAPTIVE_SCHEDULING = True
    project = silent_project(400)
    reset = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    upstream(BackendError("boom"), RateLimited(reset, scope="example.org"))
    now = timezone.now()
    check.check_project(project, now=now)
    project.refresh_from_db()
    assert project.next_check == now + dt.timedelta(hours=1)
    assert project.next_check_reason == "Last check failed: checked again every hour"
    check.check_project(project, now=now)
    project.refresh_from_db()
    assert project.next_check == reset
    assert project.next_check_reason == "Rate limited until 2030-01-02 03:04:05 UTC"


@pytest.mark.parametrize("stored_first", ["1.0-rc1", "1.0-rc1-1"])
def test_versions_that_compare_equal_order_the_same_whatever_was_stored_first(
    upstream, stored_first
):
    """RPM compares 1.0-rc1 and 1.0-rc1-1 equal; the raw string breaks the tie, as in preview."""
    project = ProjectFactory()
    ProjectVersionFactory(project=project, version=stored_first)
    upstream(["1.0-rc1", "1.0-rc1-1"])
    check.check_project(project)
    project = Project.objects.get(pk=project.pk)
    assert project.latest_version == "1.0-rc1-1"
    assert project.version_strings == ["1.0-rc1-1", "1.0-rc1"]


# -- what a person reads after a failed check (issue #14) ---------------------------------------


def test_a_dead_upstream_is_recorded_in_words_a_person_can_act_on(upstreams):
    import socket

    upstreams("127.0.0.1")  # lets checks reach 127.0.0.1
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/downloads/"
    project = ProjectFactory(name="qux", homepage=url, version_url=url)
    result = check.check_project(project)
    expected = (
        f"Could not connect to 127.0.0.1 port {port}: the connection was refused. Is the server "
        f"up, and is the URL right? ({url})"
    )
    assert (result.outcome, result.error, project.logs) == (check.Outcome.ERROR, expected, expected)


def test_a_regex_that_finds_nothing_is_recorded_with_anitya_s_prefix(upstreams):
    live = upstreams("127.0.0.1")
    page = live.publish("qux", "1.0")
    project = ProjectFactory(name="qux", homepage=page, version_url=page, regex=r"nomatch-(\d+)")
    check.check_project(project)
    assert project.logs == (
        f"qux: no upstream version found. The page {page} was read, but the regular expression "
        r"nomatch-(\d+) found no version on it. Check the regex against the page (Test check "
        "shows what it finds)."
    )
