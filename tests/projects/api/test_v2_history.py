"""API v2's ``GET /api/v2/projects/<id>/history/``: a project's audit log, public, newest
first, in v2's page shape; the agent as the messages name it and nothing more of the user."""

from __future__ import annotations

import json

import pytest

from messaging.models import OutboxMessage
from projects import services
from tests.factories import DistroFactory, ProjectFactory

pytestmark = pytest.mark.django_db

NOT_FOUND = {"error": "not_found", "error_description": "Not found."}


def history(api, project_id, **query):
    return api.get(f"/api/v2/projects/{project_id}/history/", query)


NEW = {"backend": "custom", "version_url": "https://example.org/releases"}


def test_an_api_edit_shows_in_the_history_as_its_message_names_it(api, alice, fake_backend):
    project = services.project_create(
        agent="ada", validate=False, name="geany", homepage="https://www.geany.org/", **NEW
    )
    answer = alice.client.post(
        "/api/v2/versions/",
        {"id": project.pk, "dry_run": False, "version_prefix": "v"},
        format="json",
    )
    assert answer.status_code == 200
    body = history(api, project.pk).json()
    assert body["total_items"] == 2 and body["page"] == 1 and body["items_per_page"] == 25
    edit, added = body["items"]
    message = OutboxMessage.objects.get(topic="project.edit")
    assert edit["agent"] == message.body["message"]["agent"] == "alice@example.org"
    assert edit["kind"] == "project.edit"
    assert (edit["before"], edit["after"]) == ({"version_prefix": None}, {"version_prefix": "v"})
    assert edit["settings"]["version_prefix"] == "v" and edit["reverts"] is None
    assert edit["when"].endswith("Z")
    assert (added["kind"], added["agent"], added["before"]) == ("project.add", "ada", None)
    assert set(edit) == {
        "id", "project_id", "project_name", "kind", "agent", "when", "before", "after",
        "settings", "reverts",
    }  # fmt: skip
    # Nothing of the accounts beyond the agent: no user id, no other address.
    assert "user" not in json.dumps(body)


def test_newest_first_and_paginated(api):
    project = ProjectFactory()
    for number in range(5):
        services.project_edit(project, agent="ada", version_prefix=f"v{number}")
    DistroFactory(name="Fedora")
    services.package_map(project, distro="Fedora", package_name="x", agent="bob")
    first = history(api, project.pk, items_per_page=2).json()
    assert first["total_items"] == 6
    assert [item["kind"] for item in first["items"]] == ["mapping.add", "project.edit"]
    assert first["items"][1]["after"] == {"version_prefix": "v4"}
    last = history(api, project.pk, items_per_page=2, page=3).json()
    assert [item["after"] for item in last["items"]] == [
        {"version_prefix": "v1"},
        {"version_prefix": "v0"},
    ]
    beyond = history(api, project.pk, items_per_page=2, page=99).json()
    assert beyond["items"] == [] and beyond["total_items"] == 6


def test_a_project_never_changed_has_an_empty_history(api):
    project = ProjectFactory()
    assert history(api, project.pk).json() == {
        "items": [],
        "items_per_page": 25,
        "page": 1,
        "total_items": 0,
    }


def test_a_deleted_projects_history_is_still_answered(api):
    project = services.project_create(
        agent="ada", validate=False, name="gone", homepage="https://gone.example.org/", **NEW
    )
    pk = project.pk
    services.project_delete(project, agent="root")
    items = history(api, pk).json()["items"]
    assert [item["kind"] for item in items] == ["project.remove", "project.add"]
    assert items[0]["before"]["name"] == "gone"


@pytest.mark.parametrize("project_id", ["999999", "0", "9" * 30, "9" * 5000])
def test_an_unknown_project_is_v2s_404(api, project_id):
    answer = history(api, project_id)
    assert answer.status_code == 404
    assert answer.json() == NOT_FOUND


@pytest.mark.parametrize("query", [{"page": "0"}, {"items_per_page": "251"}, {"page": "x"}])
def test_bad_page_arguments_are_400(api, query):
    project = ProjectFactory()
    assert history(api, project.pk, **query).status_code == 400


def test_the_schema_documents_the_endpoint(api):
    schema = api.get("/api/v2/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v2/projects/{project_id}/history/"]["get"]
    assert set(operation["responses"]) >= {"200", "400", "404"}
    assert {"page", "items_per_page"} <= {p["name"] for p in operation["parameters"]}
    entry = schema["components"]["schemas"]["AuditEntryJSON"]
    assert {"agent", "before", "after", "kind", "when"} <= set(entry["properties"])
