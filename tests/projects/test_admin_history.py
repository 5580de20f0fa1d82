"""The audit log in the admin: read-only, linked from a project's page, and "Revert the
project to this state" through the service (issue #20)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse

from messaging.models import OutboxMessage
from projects import services
from projects.models import AuditEntry
from tests.factories import GEANY, AdminFactory, ProjectVersionFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:projects_auditentry_changelist"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory(username="root"))
    return client


@pytest.fixture
def edited():
    project = services.project_create(agent="ada", validate=False, **GEANY)
    created = AuditEntry.objects.get(project_id=project.pk)
    services.project_edit(project, agent="bob", regex=r"geany_(\d+)")
    return project, created


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_project_page_links_its_history_and_the_list_filters_by_project(admin_client, edited):
    project, _ = edited
    other = services.project_create(
        agent="ada", validate=False, **{**GEANY, "name": "other", "homepage": "https://o.org/"}
    )
    page = admin_client.get(reverse("admin:projects_project_change", args=[project.pk]))
    link = reverse(CHANGELIST) + f"?project_id={project.pk}"
    assert f'href="{link}"' in page.content.decode()
    listed = admin_client.get(link)
    assert listed.status_code == 200
    shown = list(listed.context["cl"].result_list)
    assert {entry.project_id for entry in shown} == {project.pk} and len(shown) == 2
    assert other.pk not in {entry.project_id for entry in shown}
    assert r"regex: geany-([\d.]+)\.tar → geany_(\d+)" in listed.content.decode()


def test_entries_cannot_be_added_changed_or_deleted(admin_client, edited):
    _, created = edited
    assert admin_client.get(reverse("admin:projects_auditentry_add")).status_code == 403
    page = admin_client.get(reverse("admin:projects_auditentry_change", args=[created.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    delete = reverse("admin:projects_auditentry_delete", args=[created.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=created.pk).exists()


def test_revert_from_the_list_after_a_confirmation(admin_client, edited):
    project, created = edited
    data = {"action": "revert_to_state", "_selected_action": [str(created.pk)], "index": "0"}
    asked = admin_client.post(reverse(CHANGELIST), data)
    assert asked.status_code == 200
    assert r"regex: geany_(\d+) → geany-([\d.]+)\.tar" in asked.content.decode()
    project.refresh_from_db()
    assert project.regex == r"geany_(\d+)"

    done = admin_client.post(reverse(CHANGELIST), {**data, "post": "yes"}, follow=True)
    assert messages_of(done) == ["Reverted geany: regex."]
    project.refresh_from_db()
    assert project.regex == GEANY["regex"]
    message = OutboxMessage.objects.filter(topic="project.edit").latest("pk")
    assert message.body["message"]["agent"] == "root"
    newest = AuditEntry.objects.latest("pk")
    assert (newest.agent, newest.reverts) == ("root", created.pk)
    logged = LogEntry.objects.get(object_id=str(project.pk))
    assert (logged.action_flag, logged.change_message) == (
        CHANGE,
        f"Reverted to audit entry {created.pk}",
    )


def test_revert_with_the_button_on_an_entrys_page(admin_client, edited):
    project, created = edited
    page = admin_client.get(reverse("admin:projects_auditentry_change", args=[created.pk]))
    assert 'id="object-action-revert_to_state"' in page.content.decode()
    url = reverse("admin:projects_auditentry_object_action", args=[created.pk, "revert_to_state"])
    assert admin_client.post(url).status_code == 200  # the confirmation
    admin_client.post(url, {"post": "yes"})
    project.refresh_from_db()
    assert project.regex == GEANY["regex"]


def test_reverting_to_the_current_state_or_several_states_changes_nothing(admin_client, edited):
    _, created = edited
    latest = AuditEntry.objects.latest("pk")
    count = AuditEntry.objects.count()
    data = {"action": "revert_to_state", "_selected_action": [str(latest.pk)], "post": "yes"}
    same = admin_client.post(reverse(CHANGELIST), data, follow=True)
    assert messages_of(same) == ["Nothing to revert: geany already is in this state."]
    both = {**data, "_selected_action": [str(latest.pk), str(created.pk)]}
    many = admin_client.post(reverse(CHANGELIST), both, follow=True)
    assert messages_of(many) == ["Select one state to revert to."]
    assert AuditEntry.objects.count() == count


def test_an_archived_project_is_refused_with_the_reason(admin_client, edited):
    project, created = edited
    services.project_set_archived(project, True, agent="root")
    data = {"action": "revert_to_state", "_selected_action": [str(created.pk)], "post": "yes"}
    answer = admin_client.post(reverse(CHANGELIST), data, follow=True)
    assert messages_of(answer) == ['geany: Project "geany" is archived and cannot be changed.']
    project.refresh_from_db()
    assert project.regex == r"geany_(\d+)"


def test_non_administrators_cannot_revert(client, edited):
    project, created = edited
    client.force_login(UserFactory())
    url = reverse("admin:projects_auditentry_object_action", args=[created.pk, "revert_to_state"])
    assert client.post(url, {"post": "yes"}).status_code == 302
    project.refresh_from_db()
    assert project.regex == r"geany_(\d+)"


def test_stream_definitions_show_and_are_restored(admin_client):
    project = services.project_create(agent="ada", validate=False, **GEANY)
    services.stream_create(project, services.StreamFields("16", "", dt.date(2025, 1, 1)), agent="b")
    defined = AuditEntry.objects.latest("pk")
    listing = admin_client.get(reverse(CHANGELIST), {"project_id": project.pk}).content.decode()
    assert "release_streams: (none) → 16: end of life 2025-01-01" in listing
    services.stream_delete(project.release_streams.get(), agent="b")

    data = {"action": "revert_to_state", "_selected_action": [str(defined.pk)], "index": "0"}
    asked = admin_client.post(reverse(CHANGELIST), data).content.decode()
    assert "release_streams: (none) → 16: end of life 2025-01-01" in asked
    done = admin_client.post(reverse(CHANGELIST), {**data, "post": "yes"}, follow=True)
    assert messages_of(done) == ["Reverted geany: release_streams."]
    assert [(r.name, r.end_of_life) for r in project.release_streams.all()] == [
        ("16", dt.date(2025, 1, 1))
    ]


def test_the_confirmation_says_how_the_versions_and_the_latest_change(admin_client):
    project = services.project_create(agent="ada", validate=False, **GEANY)
    for raw in ("1.0", "1.1", "2.0-rc1"):
        ProjectVersionFactory(project=project, version=raw)
    services.project_edit(project, agent="ada", version_filter="rc")
    filtered = AuditEntry.objects.latest("pk")
    services.project_edit(project, agent="ada", version_filter="1.0")

    data = {"action": "revert_to_state", "_selected_action": [str(filtered.pk)], "index": "0"}
    asked = admin_client.post(reverse(CHANGELIST), data).content.decode()

    assert "version_filter: 1.0 → rc" in asked
    assert "latest version: 2.0-rc1 → 1.1" in asked
    assert "versions hidden: 2.0-rc1" in asked and "versions revealed: 1.0" in asked
