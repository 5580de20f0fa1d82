"""Newest versus highest in API v2: ``newest_version``, added only where the version an
upstream published last is not the latest (a backport), so every other answer is unchanged;
v1 answers never carry it, and lists cost no extra query for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import representations
from projects.models import Project
from tests.factories import ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db

DAY = datetime(2024, 1, 1, tzinfo=UTC)


def _project(name: str, *versions: tuple[str, int | None], **fields) -> Project:
    """Versions as (raw, published on day or None); all retrieved on DAY."""
    fields.setdefault("version_scheme", "Python (PEP 440)")
    project = ProjectFactory(name=name, **fields)
    for raw, day in versions:
        ProjectVersionFactory(
            project=project,
            version=raw,
            created_on=DAY,
            published_at=None if day is None else DAY + timedelta(days=day),
        )
    return project


def _item(api, project: Project) -> dict:
    (item,) = api.get("/api/v2/projects/", {"name": project.name}).json()["items"]
    return item


def test_a_backport_is_the_newest_version_of_the_v2_answers(api):
    project = _project(
        "cpython", ("3.11.8", 10), ("3.12.2", 20), ("3.11.9", 40), latest_version="3.12.2"
    )
    item = _item(api, project)
    assert item["newest_version"] == "3.11.9"
    assert item["version"] == "3.12.2" and item["versions"] == ["3.12.2", "3.11.9", "3.11.8"]
    versions = api.get("/api/v2/versions/", {"project_id": project.pk}).json()
    assert versions["newest_version"] == "3.11.9"
    assert versions["latest_version"] == "3.12.2"


def test_without_a_backport_or_dates_the_answers_have_no_such_key(api):
    in_order = _project("in-order", ("1.0", 1), ("1.1", 2), ("2.0", 3))
    undated = _project("undated", ("1.0", None), ("2.0", None))
    same_moment = _project("same-moment", ("1.0", 5), ("2.0", 5))
    bare = ProjectFactory(name="bare")
    for project in (in_order, undated, same_moment, bare):
        assert "newest_version" not in _item(api, project), project.name
        versions = api.get("/api/v2/versions/", {"project_id": project.pk}).json()
        assert "newest_version" not in versions, project.name


def test_a_withdrawn_or_filtered_backport_is_not_the_newest(api):
    project = _project("p", ("1.0", 1), ("2.0", 2), ("1.1", 9), ("1.2-bad", 12))
    project.version_filter = "-bad"
    project.save()
    assert _item(api, project)["newest_version"] == "1.1"
    project.versions.filter(version="1.1").update(withdrawn_on=DAY + timedelta(days=20))
    # (the check that withdraws a version moves the project's stamp too)
    Project.objects.filter(pk=project.pk).update(updated_on=DAY + timedelta(days=20))
    assert "newest_version" not in _item(api, project)


def test_v1_answers_never_carry_it(api):
    project = _project("cpython", ("3.12.2", 20), ("3.11.9", 40), latest_version="3.12.2")
    assert "newest_version" not in api.get(f"/api/project/{project.pk}").json()
    (v1,) = api.get("/api/projects/", {"pattern": "cpython"}).json()["projects"]
    assert "newest_version" not in v1
    assert v1 == project.as_json()


def test_the_site_and_the_api_name_the_same_version(api, client):
    project = _project("p", ("1.0", 1), ("2.0", 2), ("1.1", 9), ("1.0.1", 9))
    assert _item(api, project)["newest_version"] == "1.1"  # of two on day 9, the higher
    page = client.get(f"/project/{project.pk}/").content.decode()
    assert '<dd id="newest-version"><strong class="version">1.1</strong>' in page


def test_lists_cost_no_query_more_for_it(api):
    def cold(url: str) -> int:
        representations.clear_caches()
        with CaptureQueriesContext(connection) as captured:
            assert api.get(url).status_code == 200
        return len(captured)

    for index in range(3):
        _project(f"plain{index}", ("1.0", None), ("1.1", None))
    url = "/api/v2/projects/?items_per_page=50"
    plain = cold(url)
    for index in range(20):
        _project(f"backport{index}", ("1.0", 1), ("2.0", 2), ("1.1", 3))
    assert cold(url) == plain
    items = api.get(url).json()["items"]
    assert sum("newest_version" in item for item in items) == 20
