"""API v2's ``include=streams`` (issue #20): the projects list and the versions answer add
each project's release streams on request, and only then; the plain answers stay Anitya's,
byte for byte, and are cached apart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import services
from projects.models import Project
from projects.representations import clear_caches
from tests.factories import ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db

DAY = datetime(2024, 1, 1, tzinfo=UTC)
SUMMARY_KEYS = {
    "name", "key", "defined", "end_of_life", "latest_version", "latest_stable_version",
    "first_release", "last_release", "backports",
}  # fmt: skip


def python_like(name: str = "cpython") -> Project:
    project = ProjectFactory(name=name, version_scheme="Semantic")
    for raw, day in [("3.11.0", 0), ("3.12.0", 300), ("3.11.9", 400), ("3.12.1", 420)]:
        ProjectVersionFactory(project=project, version=raw, created_on=DAY + timedelta(days=day))
    return project


def names(streams: list[dict]) -> list[tuple[str, str, bool]]:
    return [(s["name"], s["latest_version"], s["backports"]) for s in streams]


def test_the_projects_list_adds_the_streams_only_when_asked(api):
    project = python_like()
    ProjectFactory(name="cpython-docs")  # no versions: no streams

    plain = api.get("/api/v2/projects/")
    included = api.get("/api/v2/projects/", {"include": "streams"})
    plain_again = api.get("/api/v2/projects/")

    assert included.status_code == 200
    with_streams, without = included.json()["items"]
    assert with_streams["id"] == project.pk
    assert names(with_streams["streams"]) == [("3.12", "3.12.1", False), ("3.11", "3.11.9", True)]
    assert set(with_streams["streams"][1]) == SUMMARY_KEYS
    assert with_streams["streams"][1]["first_release"] == "2024-01-01T00:00:00Z"
    assert without["streams"] == []
    # Everything else is the plain answer's; the plain answer has no streams and is the same
    # bytes before and after the other was cached.
    assert [
        {key: value for key, value in item.items() if key != "streams"}
        for item in included.json()["items"]
    ] == plain.json()["items"]
    assert all("streams" not in item for item in plain.json()["items"])
    assert plain.content == plain_again.content
    assert plain["ETag"] != included["ETag"]


def test_the_versions_answer_adds_the_streams_only_when_asked(api):
    project = python_like()
    url = "/api/v2/versions/"

    included = api.get(url, {"project_id": project.pk, "include": "streams"})
    plain = api.get(url, {"project_id": project.pk})

    assert included.status_code == plain.status_code == 200
    body = included.json()
    assert names(body.pop("streams")) == [("3.12", "3.12.1", False), ("3.11", "3.11.9", True)]
    assert body == plain.json()
    assert "streams" not in plain.json()


def test_a_stream_defined_meanwhile_shows_in_the_next_answer(api):
    project = python_like()
    first = api.get("/api/v2/versions/", {"project_id": project.pk, "include": "streams"})
    listed = api.get("/api/v2/projects/", {"name": "cpython", "include": "streams"})
    assert [s["defined"] for s in first.json()["streams"]] == [False, False]
    assert [s["defined"] for s in listed.json()["items"][0]["streams"]] == [False, False]

    services.stream_create(
        project, services.StreamFields("security", r"^3\.11\.", date(2027, 10, 31)), agent="ada"
    )

    again = api.get("/api/v2/versions/", {"project_id": project.pk, "include": "streams"})
    listed = api.get("/api/v2/projects/", {"name": "cpython", "include": "streams"})
    for streams in (again.json()["streams"], listed.json()["items"][0]["streams"]):
        assert [(s["name"], s["defined"], s["end_of_life"]) for s in streams] == [
            ("security", True, "2027-10-31"),
            ("3.12", False, None),
        ]


@pytest.mark.parametrize("value", ["", "streams,", " streams ", "streams,streams"])
def test_spellings_of_streams_and_an_empty_include(api, value):
    python_like()
    body = api.get("/api/v2/projects/", {"name": "cpython", "include": value}).json()
    assert ("streams" in body["items"][0]) is ("streams" in value)


@pytest.mark.parametrize("value", ["stream", "STREAMS", "streams,versions", "x" * 5000])
@pytest.mark.parametrize("url", ["/api/v2/projects/", "/api/v2/versions/"])
def test_an_unknown_include_is_a_400_with_a_reason(api, url, value):
    project = python_like()

    answer = api.get(url, {"project_id": project.pk, "include": value})

    assert answer.status_code == 400
    reason = answer.json()["message"]["include"]
    assert reason.startswith("Unknown value ")
    assert "streams" in reason
    assert len(reason) < 200


def test_the_schema_documents_the_parameter_and_the_optional_field(api):
    schema = api.get("/api/v2/schema/", {"format": "json"}).json()
    for path in ("/api/v2/projects/", "/api/v2/versions/"):
        parameters = schema["paths"][path]["get"]["parameters"]
        assert "include" in {parameter["name"] for parameter in parameters}
    components = schema["components"]["schemas"]
    for name in ("ProjectV2", "ProjectVersions"):
        assert "streams" in components[name]["properties"]
        assert "streams" not in components[name].get("required", [])
    assert set(components["StreamSummary"]["properties"]) == SUMMARY_KEYS


def test_the_streams_of_a_page_cost_the_same_queries_for_any_number_of_projects(api):
    """Three more queries per chunk of projects (the projects, their versions, their defined
    streams), whatever the page's length: no query per project."""

    def queries(count: int) -> int:
        for index in range(count):
            python_like(f"cpython{index}")
        clear_caches()
        with CaptureQueriesContext(connection) as plain:
            api.get("/api/v2/projects/", {"items_per_page": 50})
        clear_caches()
        with CaptureQueriesContext(connection) as included:
            answer = api.get("/api/v2/projects/", {"items_per_page": 50, "include": "streams"})
        assert all(len(item["streams"]) == 2 for item in answer.json()["items"])
        return len(included) - len(plain)

    assert queries(2) == 3
    Project.objects.all().delete()
    assert queries(12) == 3
