"""API v1 POST /api/version/get: check a project now, unauthenticated, form fields only
(contract §3.2): ``test`` non-empty is a dry run that returns the new versions."""

from __future__ import annotations

import pytest

from messaging.models import OutboxMessage
from projects.models import Project
from tests.factories import ProjectFactory, ProjectVersionFactory, watched

pytestmark = pytest.mark.django_db

URL = "/api/version/get"


def stored(project: Project) -> list[str]:
    return sorted(project.versions.values_list("version", flat=True))


def test_missing_id(api):
    response = api.post(URL, {})
    assert response.status_code == 400
    assert response.json() == {"output": "notok", "error": ["No project id specified"]}


def test_a_json_body_is_not_read(api):
    project = ProjectFactory()
    response = api.post(URL, {"id": project.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == ["No project id specified"]


@pytest.mark.parametrize("project_id", ["424242", "abc", "9" * 40])
def test_unknown_project(api, project_id):
    response = api.post(URL, {"id": project_id})
    assert response.status_code == 404
    assert response.json() == {"output": "notok", "error": "No such project"}


@pytest.mark.parametrize("test", ["1", "true", "false"])
def test_any_non_empty_test_is_a_dry_run(api, upstream, test):
    project = watched(upstream, "tool", "1.0", "1.2", "1.1")
    ProjectVersionFactory(project=project, version="1.0")

    response = api.post(URL, {"id": project.pk, "test": test})

    assert response.status_code == 200
    assert response.json() == {"versions": ["1.2", "1.1"]}
    assert stored(project) == ["1.0"]
    assert not OutboxMessage.objects.exists()


def test_without_test_the_check_is_recorded_and_announced(api, upstream):
    project = watched(upstream, "tool", "1.0", "1.1")

    response = api.post(f"{URL}/", {"id": project.pk, "test": ""})

    assert response.status_code == 200
    assert response.json() == {"versions": []}
    assert stored(project) == ["1.0", "1.1"]
    project.refresh_from_db()
    assert project.latest_version == "1.1"
    assert project.check_successful is True
    topics = list(OutboxMessage.objects.values_list("topic", flat=True))
    assert topics == ["project.version.update", "project.version.update.v2"]


def test_a_failing_upstream_is_a_400_and_recorded(api, upstream):
    project = ProjectFactory(name="gone", version_url=f"{upstream.base_url}/missing/")
    response = api.post(URL, {"id": project.pk})
    assert response.status_code == 400
    body = response.json()
    assert body["output"] == "notok"
    assert isinstance(body["error"], list) and len(body["error"]) == 1
    assert "404" in body["error"][0]
    project.refresh_from_db()
    assert project.check_successful is False
    assert "404" in project.logs
    assert project.error_counter == 0  # checks people ask for never count (issue #13)


def test_dry_run_errors_record_nothing(api, upstream):
    project = ProjectFactory(name="gone", version_url=f"{upstream.base_url}/missing/")
    response = api.post(URL, {"id": project.pk, "test": "yes"})
    assert response.status_code == 400
    project.refresh_from_db()
    assert project.error_counter == 0
    assert project.check_successful is None


def test_archived_projects_are_not_checked(api):
    project = ProjectFactory(archived=True)
    response = api.post(URL, {"id": project.pk})
    assert response.status_code == 400
    assert response.json() == {
        "output": "notok",
        "error": ["Project is archived, can't check new versions"],
    }
