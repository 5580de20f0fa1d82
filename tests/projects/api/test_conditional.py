"""Conditional GETs: every GET answer has an ETag, a project's versions a Last-Modified; a
client that already has the answer gets 304 and no body."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils.http import http_date

from projects.models import Project
from tests.factories import ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url", ["/api/projects", "/api/v2/projects/", "/api/v2/packages/", "/api/version"]
)
def test_etag_and_304(api, url):
    ProjectFactory()
    first = api.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert "Accept" in first["Vary"]

    again = api.get(url, HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert "X-RateLimit-Remaining" in again
    assert api.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_a_change_changes_the_etag(api):
    ProjectFactory(name="a")
    etag = api.get("/api/projects").get("ETag")
    ProjectFactory(name="b")
    response = api.get("/api/projects", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_versions_last_modified(api):
    project = ProjectFactory()
    ProjectVersionFactory(project=project, version="1.0")
    url = f"/api/v2/versions/?project_id={project.pk}"
    response = api.get(url)
    modified = project.updated_on.timestamp()
    assert response["Last-Modified"] == http_date(modified)

    assert api.get(url, HTTP_IF_MODIFIED_SINCE=http_date(modified)).status_code == 304
    assert api.get(url, HTTP_IF_MODIFIED_SINCE=http_date(modified - 10)).status_code == 200

    later = project.updated_on + dt.timedelta(minutes=1)
    Project.objects.filter(pk=project.pk).update(updated_on=later)
    assert api.get(url, HTTP_IF_MODIFIED_SINCE=http_date(modified)).status_code == 200


def test_errors_and_writes_are_not_conditional(api, alice):
    response = api.get("/api/v2/versions/?project_id=999")
    assert response.status_code == 404
    assert "ETag" not in response
    response = alice.client.post("/api/v2/versions/", {"id": 999}, format="json")
    assert "ETag" not in response
