"""API v2 POST /api/v2/projects/<id>/preview/: an edit previewed, nothing saved (issue #20)."""

from __future__ import annotations

import json

import pytest
import responses
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from backends.http import guard
from messaging.models import OutboxMessage
from projects import limits
from projects.models import Project
from tests.factories import ProjectFactory, ProjectVersionFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(project_id) -> str:
    return f"/api/v2/projects/{project_id}/preview/"


def stored_project(*raws: str, **fields) -> Project:
    project = ProjectFactory(**fields)
    for raw in raws:
        ProjectVersionFactory(project=project, version=raw)
    return project


@pytest.fixture(autouse=True)
def _fresh_limits():
    limits._process_slots = None
    yield
    limits._process_slots = None


def test_previewing_needs_credentials(api):
    project = stored_project("1.0")
    response = api.post(url(project.pk), {"version_filter": "1"}, format="json")
    assert response.status_code == 401
    assert response.json()["error"] == "authentication_required"


def test_a_session_previews_with_its_csrf_token():
    project = stored_project("1.0", "1.1")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory(email="bob@example.org"))
    body = json.dumps({"version_filter": "1.1"})

    refused = browser.post(url(project.pk), body, content_type="application/json")
    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret
    allowed = browser.post(
        url(project.pk), body, content_type="application/json", HTTP_X_CSRFTOKEN=secret
    )

    assert refused.status_code == 403
    assert allowed.status_code == 200
    assert allowed.json()["hidden"] == ["1.1"]


def test_the_preview_of_a_filter_and_prefix_change(alice):
    project = stored_project(
        "v1.0", "v1.1", "release-1.2", "v2.0-rc1", version_filter="rc", pre_release_filter="rc"
    )

    response = alice.client.post(
        url(project.pk), {"version_prefix": "release-", "version_filter": ""}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {
        "project_id": project.pk,
        "changes": {
            "version_filter": {"before": "rc", "after": None},
            "version_prefix": {"before": None, "after": "release-"},
        },
        # Under RPM a number is newer than a word: release-1.2 was listed last.
        "versions_before": ["1.1", "1.0", "release-1.2"],
        "versions_after": ["2.0-rc1", "1.2", "1.1", "1.0"],
        "hidden": [],
        "revealed": ["2.0-rc1"],
        "relabelled": [
            {
                "stored": "release-1.2",
                "before": "release-1.2",
                "after": "1.2",
                "prerelease_before": False,
                "prerelease_after": False,
            }
        ],
        "moved": [{"version": "1.2", "before": 3, "after": 2}],
        "latest_version_before": "1.1",
        "latest_version_after": "2.0-rc1",
        "latest_stable_version_before": "1.1",
        "latest_stable_version_after": "1.2",
        "check": None,
    }
    project.refresh_from_db()
    assert project.version_prefix is None and project.version_filter == "rc"
    assert OutboxMessage.objects.count() == 0


def test_the_fresh_check_of_a_complete_list(alice, monkeypatch):
    monkeypatch.setattr(guard, "resolve_host", lambda host, port: ["93.184.215.14"])
    project = stored_project(
        "0.9", "1.0", "1.1", "1.2", name="foo", backend="PyPI", homepage="https://pypi.org/p/foo"
    )
    upload = {"filename": "x", "upload_time_iso_8601": "2020-01-01T10:00:00Z", "yanked": False}
    releases = {raw: [upload] for raw in ("0.9", "1.0", "1.2", "1.3b1", "1.3.dev1")}
    releases["1.2"] = [{**upload, "yanked": True}]

    with responses.RequestsMock() as mock:
        mock.get("https://pypi.org/pypi/foo/json", json={"info": {}, "releases": releases})
        response = alice.client.post(
            url(project.pk), {"version_filter": "dev", "check": True}, format="json"
        )

    assert response.status_code == 200
    assert response.json()["check"] == {
        "error": None,
        "found_versions": ["1.3b1"],
        "not_found": ["1.2", "1.1"],
        "withdrawn": ["1.2", "1.1"],
        "restored": [],
        "complete": True,
        "warning": None,
        "latest_version": "1.3b1",
    }
    assert project.versions.filter(withdrawn_on__isnull=False).count() == 0  # nothing written


def test_a_failing_upstream_is_the_checks_error(alice, monkeypatch):
    monkeypatch.setattr(guard, "resolve_host", lambda host, port: ["93.184.215.14"])
    project = stored_project("1.0", name="foo", backend="PyPI", homepage="https://pypi.org/p/foo")

    with responses.RequestsMock() as mock:
        mock.get("https://pypi.org/pypi/foo/json", status=404)
        response = alice.client.post(url(project.pk), {"check": "yes"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["check"]["error"]
    assert body["check"]["found_versions"] == []
    assert body["versions_after"] == ["1.0"]


def test_the_fresh_check_is_limited_like_a_dry_run(alice, settings):
    settings.PREVIEW_CONCURRENCY_PER_USER = 1
    project = stored_project("1.0")

    with limits.preview_slot(f"user:{alice.user.pk}"):
        refused = alice.client.post(url(project.pk), {"check": True}, format="json")
        without_check = alice.client.post(url(project.pk), {"version_filter": "1"}, format="json")

    assert refused.status_code == 429
    assert refused["Retry-After"] == "5"
    assert refused.json() == {"error": "rate_limited", "error_description": limits.TOO_BUSY}
    assert without_check.status_code == 200


ROMAN = 'No version scheme was found for "Roman"'


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"version_scheme": "Roman"}, {"version_scheme": ROMAN}),
        ({"regex": "("}, "regex"),
        ({"name": ""}, {"name": "This field is required."}),
        ({"archived": True}, {"archived": "Unknown field."}),
        ({"version_filter": 5}, {"version_filter": "Not a valid string."}),
        ({"check": "maybe"}, {"check": "Not a valid boolean."}),
    ],
)
def test_bad_fields_are_400_with_the_reason(alice, body, errors):
    project = stored_project("1.0")
    response = alice.client.post(url(project.pk), body, format="json")
    assert response.status_code == 400
    message = response.json()["message"]
    if isinstance(errors, str):
        assert set(message) == {errors}
    else:
        assert message == errors


def test_a_body_that_is_not_an_object_is_a_400(alice):
    project = stored_project("1.0")
    response = alice.client.post(url(project.pk), [1, 2], format="json")
    assert response.status_code == 400
    assert response.json() == {"message": {"_schema": "Invalid input type."}}


def test_an_archived_project_is_a_400(alice):
    project = stored_project("1.0", archived=True)
    response = alice.client.post(url(project.pk), {"version_filter": "1"}, format="json")
    assert response.status_code == 400
    assert "error" in response.json()


def test_a_name_taken_is_a_409(alice):
    ProjectFactory(name="taken", homepage="https://example.org/taken")
    project = stored_project("1.0", homepage="https://example.org/taken")
    response = alice.client.post(url(project.pk), {"name": "taken"}, format="json")
    assert response.status_code == 409
    assert response.json()["requested_project"]["name"] == "taken"


@pytest.mark.parametrize("project_id", ["4242", "0", "9" * 30])
def test_an_unknown_project_is_a_404(alice, project_id):
    response = alice.client.post(url(project_id), {}, format="json")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "error_description": "Not found."}


def test_get_is_not_allowed(alice):
    project = stored_project("1.0")
    assert alice.client.get(url(project.pk)).status_code == 405


def test_the_route_is_in_the_schema(api):
    schema = api.get("/api/v2/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v2/projects/{project_id}/preview/"]["post"]
    assert operation["operationId"] == "v2_project_preview"
    assert set(operation["responses"]) >= {"200", "400", "401", "404", "409", "429"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/ProjectPreviewInputRequest")
    answer = schema["components"]["schemas"]["EditPreviewJSON"]["properties"]
    assert {"hidden", "revealed", "moved", "latest_version_after", "check"} <= set(answer)
