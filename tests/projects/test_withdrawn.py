"""Withdrawn releases (issue #20): a version gone upstream is marked, kept, never the latest."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import responses

from backends import registry
from backends.base import Backend, BackendError, NotModified, Release
from backends.http import guard
from messaging.models import OutboxMessage
from projects import check
from projects.models import ProjectVersion
from projects.scheduler.cycle import load_claimed
from tests.factories import ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=2)


class ListingBackend(Backend):
    """Answers each fetch with the next scripted answer: a list of versions (a leading ``-``
    marks one withdrawn upstream) or an exception."""

    name = "custom"

    def __init__(self, answers, *, complete):
        self.answers = list(answers)
        self.lists_every_version = complete  # type: ignore[misc]

    def fetch(self, spec, http):
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return [Release(v.lstrip("-"), withdrawn=v.startswith("-")) for v in answer]


@pytest.fixture
def upstream(monkeypatch):
    def script(*answers, complete=True):
        backend = ListingBackend(answers, complete=complete)
        monkeypatch.setattr(registry, "get_backend", lambda name: backend)
        return backend

    return script


def stored_project(*raws, latest=None):
    project = ProjectFactory(latest_version=latest or raws[-1])
    for raw in raws:
        ProjectVersionFactory(project=project, version=raw)
    return project


def withdrawn(project):
    return dict(
        ProjectVersion.objects.filter(project=project, withdrawn_on__isnull=False).values_list(
            "version", "withdrawn_on"
        )
    )


def topics_sent():
    return list(OutboxMessage.objects.order_by("id").values_list("topic", flat=True))


# -- what withdraws -------------------------------------------------------------------------


def test_a_yanked_pypi_release_is_marked_withdrawn(monkeypatch):
    monkeypatch.setattr(guard, "resolve_host", lambda host, port: ["93.184.215.14"])
    project = stored_project("0.9", "1.0", "1.1")
    project.backend, project.name = "PyPI", "foo"
    project.save()
    upload = {"filename": "x", "upload_time_iso_8601": "2020-01-01T10:00:00Z"}
    answer = {
        "info": {},
        "releases": {
            "0.9": [{**upload, "yanked": False}],
            "1.0": [{**upload, "yanked": True}, {**upload, "yanked": False}],
            "1.1": [{**upload, "yanked": True, "yanked_reason": "broken"}],
        },
    }
    with responses.RequestsMock() as mock:
        mock.get("https://pypi.org/pypi/foo/json", json=answer)
        result = check.check_project(project, now=NOW)

    assert result.outcome is check.Outcome.SUCCESS
    assert withdrawn(project) == {"1.1": NOW}
    project.refresh_from_db()
    assert project.latest_version == "1.0"  # the yanked latest is replaced by the next one
    assert project.versions.count() == 3  # kept, not deleted
    assert topics_sent() == []  # nothing new: Anitya sends nothing


def test_a_deleted_tag_on_a_complete_listing_is_marked_with_the_date(upstream):
    project = stored_project("1.0", "1.1", "1.2")
    upstream(["1.0", "1.2"])

    check.check_project(project, now=NOW)

    assert withdrawn(project) == {"1.1": NOW}
    project.refresh_from_db()
    assert project.latest_version == "1.2"
    assert project.updated_on == NOW  # the cached answers keyed by it are rebuilt


def test_a_withdrawn_latest_is_replaced_and_the_new_version_announced(upstream):
    project = stored_project("1.0", "1.1", "1.2")
    upstream(["1.0", "1.1", "1.1.1"])  # 1.2 deleted, a backport 1.1.1 published

    result = check.check_project(project, now=NOW)

    assert result.new_versions == ("1.1.1",)
    assert withdrawn(project) == {"1.2": NOW}
    project.refresh_from_db()
    assert project.latest_version == "1.1.1"
    assert topics_sent() == ["project.version.update", "project.version.update.v2"]
    v1 = OutboxMessage.objects.get(topic="project.version.update").body["message"]
    assert v1["upstream_version"] == "1.1.1"
    assert v1["old_version"] == "1.2"
    v2 = OutboxMessage.objects.get(topic="project.version.update.v2").body["message"]
    assert v2["upstream_versions"] == ["1.1.1"]
    assert v2["project"]["version"] == "1.1.1"


def test_a_withdrawn_latest_alone_is_replaced_without_a_message(upstream):
    project = stored_project("1.0", "1.1", "1.2")
    upstream(["1.0", "1.1"], ["1.0", "1.1"])

    check.check_project(project, now=NOW)
    project.refresh_from_db()
    assert project.latest_version == "1.1"
    assert topics_sent() == []

    # The next identical answer changes nothing: the preview agrees with the stored latest.
    again = check.check_project(project, now=LATER)
    assert again.outcome is check.Outcome.SUCCESS
    assert withdrawn(project) == {"1.2": NOW}  # the date it was first noticed
    project.refresh_from_db()
    assert project.latest_version == "1.1"
    assert project.last_check == LATER


def test_a_version_that_comes_back_is_un_withdrawn(upstream):
    project = stored_project("1.0", "1.1", "1.2")
    upstream(["1.0", "1.1"], ["1.0", "1.1", "1.2"])

    check.check_project(project, now=NOW)
    check.check_project(project, now=LATER)

    assert withdrawn(project) == {}
    project.refresh_from_db()
    assert project.latest_version == "1.2"
    assert topics_sent() == []  # not new: it was stored all along


def test_an_unyanked_release_comes_back(upstream):
    project = stored_project("1.0", "1.1", "1.2")
    upstream(["1.0", "1.1", "-1.2"], ["1.0", "1.1", "1.2"])

    check.check_project(project, now=NOW)
    assert withdrawn(project) == {"1.2": NOW}
    check.check_project(project, now=LATER)
    assert withdrawn(project) == {}


def test_a_yanked_release_never_seen_before_is_not_stored(upstream):
    project = stored_project("1.0", "1.1")
    upstream(["1.0", "1.1", "-2.0"])

    result = check.check_project(project, now=NOW)

    assert result.new_versions == ()
    assert not project.versions.filter(version="2.0").exists()


@pytest.mark.parametrize(
    "answer",
    [BackendError("upstream down"), NotModified()],
    ids=["error", "not-modified"],
)
def test_an_error_or_a_304_withdraws_nothing(upstream, answer):
    project = stored_project("1.0", "1.1", "1.2")
    upstream(answer)

    check.check_project(project, now=NOW)

    assert withdrawn(project) == {}
    project.refresh_from_db()
    assert project.latest_version == "1.2"


def test_a_partial_listing_withdraws_nothing(upstream):
    """A backend whose later checks read the newest page only (GitHub, GitLab...) or a web
    page (often showing the current release only) never lists every version."""
    project = stored_project("1.0", "1.1", "1.2")
    upstream(["1.2"], complete=False)

    check.check_project(project, now=NOW)

    assert withdrawn(project) == {}


@pytest.mark.parametrize(
    "listing",
    [["1.3"], []],
    ids=["drops-three-of-four", "lists-nothing"],
)
def test_a_sudden_mass_drop_withdraws_nothing_and_warns(upstream, caplog, listing):
    project = stored_project("1.0", "1.1", "1.2", "1.3")
    upstream(listing)

    with caplog.at_level(logging.WARNING, logger="projects.check"):
        result = check.check_project(project, now=NOW)

    assert result.outcome is check.Outcome.SUCCESS
    assert withdrawn(project) == {}
    project.refresh_from_db()
    assert project.latest_version == "1.3"
    assert "none marked withdrawn" in caplog.text or "not marked withdrawn" in caplog.text


def test_half_of_the_versions_may_go_at_once(upstream):
    project = stored_project("1.0", "1.1", "1.2", "1.3")
    upstream(["1.0", "1.1"])

    check.check_project(project, now=NOW)

    assert set(withdrawn(project)) == {"1.2", "1.3"}


def test_the_scheduler_preloads_the_withdrawn_versions(upstream):
    project = stored_project("1.0", "1.1", "1.2")
    ProjectVersion.objects.filter(version="1.2").update(withdrawn_on=NOW)

    (loaded,) = load_claimed([project.pk])
    spec = loaded.to_spec()

    assert sorted(spec.stored_versions) == ["1.0", "1.1", "1.2"]
    assert spec.withdrawn_versions == ("1.2",)
    assert spec == project.to_spec()


# -- what shows it --------------------------------------------------------------------------


@pytest.fixture
def project_with_a_withdrawn_latest(upstream):
    project = stored_project("1.0", "1.1", "1.2")
    upstream(["1.0", "1.1"])
    check.check_project(project, now=NOW)
    project.refresh_from_db()
    return project


def test_api_v2_versions_adds_the_withdrawn_versions(client, project_with_a_withdrawn_latest):
    project = project_with_a_withdrawn_latest

    body = client.get(f"/api/v2/versions/?project_id={project.pk}").json()

    assert body["latest_version"] == "1.1"
    assert body["versions"] == ["1.2", "1.1", "1.0"]  # kept, as Anitya lists stored versions
    assert body["withdrawn_versions"] == ["1.2"]


def test_api_v2_project_answers_add_the_withdrawn_versions(client, project_with_a_withdrawn_latest):
    project = project_with_a_withdrawn_latest
    other = stored_project("2.0")

    items = client.get("/api/v2/projects/").json()["items"]

    by_name = {item["name"]: item for item in items}
    assert by_name[project.name]["withdrawn_versions"] == ["1.2"]
    assert by_name[project.name]["version"] == "1.1"
    assert by_name[project.name]["latest_stable_version"] == "1.1"
    assert "withdrawn_versions" not in by_name[other.name]  # Anitya's answer, unchanged


def test_api_v1_reports_no_withdrawn_version_as_latest(client, project_with_a_withdrawn_latest):
    project = project_with_a_withdrawn_latest

    body = client.get(f"/api/project/{project.pk}").json()

    assert body["version"] == "1.1"
    assert body["versions"] == ["1.2", "1.1", "1.0"]
    assert "withdrawn_versions" not in body  # v1 stays as Anitya has it


def test_the_project_page_strikes_a_withdrawn_version_through(
    client, project_with_a_withdrawn_latest
):
    project = project_with_a_withdrawn_latest

    page = client.get(f"/project/{project.pk}/").content.decode()

    assert '<del class="version">1.2</del>' in page
    assert "withdrawn on <time" in page and ">2026-03-04</time>" in page
    assert '<strong class="version">1.1</strong>' in page  # the latest version
