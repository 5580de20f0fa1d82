"""API v2's ``GET /api/v2/projects/<id>/streams/`` and the selector behind it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from projects import services
from projects.models import Project
from projects.selectors.streams import project_streams
from tests.factories import ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db

NOT_FOUND = {"error": "not_found", "error_description": "Not found."}
DAY = datetime(2024, 1, 1, tzinfo=UTC)


def _with_versions(*versions: tuple[str, int], **fields) -> Project:
    project = ProjectFactory(**fields)
    for raw, day in versions:
        ProjectVersionFactory(project=project, version=raw, created_on=DAY + timedelta(days=day))
    return project


def _python_like(**fields) -> Project:
    return _with_versions(
        ("py-3.11.0", 0), ("py-3.12.0", 300), ("py-3.11.9", 400), ("py-3.12.1", 420),
        ("py-3.13.0-rc.1", 500), ("py-4.0.0-junk", 600),
        version_prefix="py-", version_filter="junk", **fields,
    )  # fmt: skip


def test_the_selector_applies_prefix_filter_and_scheme():
    streams = project_streams(_python_like(version_scheme="Semantic"))
    assert [(s.name, s.latest.parsed, s.backports) for s in streams] == [
        ("3.13", "3.13.0-rc.1", False),
        ("3.12", "3.12.1", False),
        ("3.11", "3.11.9", True),
    ]
    assert streams[0].latest_stable is None


def test_a_published_date_wins_over_the_retrieval_date():
    project = _with_versions(("1.0", 10), ("2.0", 10))
    stored = project.versions.get(version="1.0")
    stored.published_at = DAY
    stored.save()
    streams = project_streams(Project.objects.get(pk=project.pk))
    assert streams[-1].first_release == DAY
    assert streams[0].first_release == DAY + timedelta(days=10)


def test_a_withdrawn_version_belongs_to_no_stream():
    project = _with_versions(("1.0", 0), ("2.0", 10), ("2.1", 20))
    project.versions.filter(version="2.1").update(withdrawn_on=DAY + timedelta(days=30))
    streams = project_streams(Project.objects.get(pk=project.pk))
    assert [(s.name, s.latest.parsed) for s in streams] == [("2", "2.0"), ("1", "1.0")]


def test_the_selector_reads_no_more_rows_for_2000_versions(django_assert_num_queries):
    project = ProjectFactory()
    ProjectVersionFactory._meta.model.objects.bulk_create(
        ProjectVersionFactory.build(
            project=project,
            version=f"{major}.{minor}.{patch}",
            created_on=DAY + timedelta(days=minor * 40 + patch),
        )
        for major in range(4)
        for minor in range(20)
        for patch in range(25)
    )
    project = Project.objects.prefetch_related("versions", "release_streams").get(pk=project.pk)
    assert len(project.visible_versions) == 2000  # parsed and sorted once, as on the page
    with django_assert_num_queries(0):
        streams = project_streams(project)
    assert sum(len(s.versions) for s in streams) == 2000
    assert [s.name for s in streams] == ["3", "2", "1", "0"]


def test_the_endpoint_answers_the_streams(api):
    project = _python_like(version_scheme="Semantic")
    answer = api.get(f"/api/v2/projects/{project.pk}/streams/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["project_id"] == project.pk
    assert [s["name"] for s in body["streams"]] == ["3.13", "3.12", "3.11"]
    assert body["streams"][2] == {
        "name": "3.11",
        "key": ["0", "3", "11"],
        "defined": False,
        "end_of_life": None,
        "latest_version": "3.11.9",
        "latest_stable_version": "3.11.9",
        "first_release": "2024-01-01T00:00:00Z",
        "last_release": "2025-02-04T00:00:00Z",
        "backports": True,
        "versions": ["3.11.9", "3.11.0"],
    }
    assert api.get(f"/api/v2/projects/{project.pk}/streams").status_code == 200


def test_a_project_without_versions_has_no_streams(api):
    project = ProjectFactory()
    answer = api.get(f"/api/v2/projects/{project.pk}/streams/")
    assert answer.json() == {"project_id": project.pk, "streams": []}


@pytest.mark.parametrize("project_id", ["999999", "0", "9" * 30, "9" * 5000])
def test_an_unknown_project_is_v2s_404(api, project_id):
    answer = api.get(f"/api/v2/projects/{project_id}/streams/")
    assert answer.status_code == 404
    assert answer.json() == NOT_FOUND


@pytest.mark.parametrize("project_id", ["abc", "-1", "1.5", "%00"])
def test_a_malformed_id_is_not_a_500(api, project_id):
    answer = api.get(f"/api/v2/projects/{project_id}/streams/")
    assert answer.status_code in (400, 404)


def test_the_schema_documents_the_endpoint(api):
    schema = api.get("/api/v2/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v2/projects/{project_id}/streams/"]["get"]
    assert set(operation["responses"]) >= {"200", "404"}
    stream = schema["components"]["schemas"]["StreamJSON"]
    assert set(stream["properties"]) == {
        "name", "key", "defined", "end_of_life", "latest_version", "latest_stable_version",
        "first_release", "last_release", "backports", "versions",
    }  # fmt: skip


def test_defined_streams_and_end_of_life_marks_are_in_the_answer(api):
    project = _python_like(version_scheme="Semantic")
    services.stream_create(
        project,
        services.StreamFields("security", r"^3\.11\.", end_of_life=datetime(2027, 10, 31).date()),
        agent="ada",
    )
    services.stream_create(
        project, services.StreamFields("3.13", "", datetime(2029, 10, 1).date()), agent="ada"
    )
    body = api.get(f"/api/v2/projects/{project.pk}/streams/").json()
    # The detected lines are decided over every version: 3.12 and 3.13 stay apart although,
    # without 3.11, they never overlapped.
    assert [(s["name"], s["defined"], s["key"], s["end_of_life"]) for s in body["streams"]] == [
        ("security", True, [], "2027-10-31"),
        ("3.13", False, ["0", "3", "13"], "2029-10-01"),
        ("3.12", False, ["0", "3", "12"], None),
    ]
    assert body["streams"][0]["versions"] == ["3.11.9", "3.11.0"]
    assert body["streams"][0]["backports"] is True
