"""The History tab of a project page and its "Revert to this state" (issue #20)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from messaging.models import OutboxMessage
from projects import services
from projects.models import AuditEntry, Project
from projects.site.page_cache import forget_pages
from tests.factories import GEANY, AdminFactory, DistroFactory, ProjectVersionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user_client():
    signed_in = Client()
    signed_in.force_login(UserFactory(username="ada"))
    return signed_in


@pytest.fixture
def edited():
    """A project created, then edited: its creation entry is the state to go back to."""
    project = services.project_create(agent="ada", validate=False, **GEANY)
    created = AuditEntry.objects.get(project_id=project.pk)
    services.project_edit(project, agent="bob", regex=r"geany_(\d+)", version_prefix="v")
    return project, created


def history(project: Project) -> str:
    return reverse("projects:history", args=[project.pk])


def revert(project: Project, entry: AuditEntry) -> str:
    return reverse("projects:revert", args=[project.pk, entry.pk])


def project_edits() -> int:
    return OutboxMessage.objects.filter(topic="project.edit").count()


def test_the_project_page_links_to_its_history(client, edited):
    project, _ = edited
    page = client.get(reverse("projects:project", args=[project.pk])).content.decode()
    assert f'href="{history(project)}"' in page


def test_the_history_lists_who_when_and_before_after_newest_first(client, edited):
    project, _ = edited
    DistroFactory(name="Fedora")
    services.package_map(project, distro="Fedora", package_name="geany", agent="carol")
    response = client.get(history(project))
    assert response.status_code == 200
    page = response.content.decode()
    mapped, edit, added = (
        page.index(words) for words in ("Mapping added", "Project edited", "Project added")
    )
    assert mapped < edit < added
    assert 'by <span class="agent">bob</span>' in page
    assert r"<del>geany-([\d.]+)\.tar</del> → <ins>geany_(\d+)</ins>" in page
    assert "<del>(unset)</del> → <ins>v</ins>" in page
    assert "<ins>Fedora</ins>" in page
    # Anonymous visitors read it but are offered no revert.
    assert "Revert to this state" not in page


def test_the_history_is_paginated(client):
    project = services.project_create(agent="ada", validate=False, **GEANY)
    for number in range(30):
        services.project_edit(project, agent="ada", version_prefix=f"v{number}")
    first = client.get(history(project)).content.decode()
    second = client.get(history(project) + "?page=2").content.decode()
    assert "<ins>v29</ins>" in first and "Page 1 of 2" in first
    assert "Project added" in second and "<ins>v29</ins>" not in second


def test_an_unknown_project_has_no_history(client):
    assert client.get(reverse("projects:history", args=[999999])).status_code == 404


def test_revert_buttons_are_offered_where_they_change_something(user_client, edited):
    project, created = edited
    page = user_client.get(history(project)).content.decode()
    latest = AuditEntry.objects.filter(project_id=project.pk).latest("pk")
    assert f'action="{revert(project, created)}"' in page
    assert f'action="{revert(project, latest)}"' not in page  # it is the current state


def test_a_user_reverts_after_confirming(user_client, edited):
    project, created = edited
    edits = project_edits()

    asked = user_client.post(revert(project, created))  # the button: a confirmation first
    assert asked.status_code == 200
    question = asked.content.decode()
    assert r"Regex: <del>geany_(\d+)</del> → <ins>geany-([\d.]+)\.tar</ins>" in question
    assert 'name="confirm"' in question
    project.refresh_from_db()
    assert project.regex == r"geany_(\d+)"

    done = user_client.post(revert(project, created), {"confirm": "1"}, follow=True)
    assert done.redirect_chain[-1][0] == history(project)
    assert "Settings reverted to their state of" in done.content.decode()
    project.refresh_from_db()
    assert (project.regex, project.version_prefix) == (GEANY["regex"], None)
    assert project_edits() == edits + 1
    newest = AuditEntry.objects.filter(project_id=project.pk).latest("pk")
    assert (newest.agent, newest.reverts) == ("ada", created.pk)
    assert "revert to" in done.content.decode()


def test_reverting_to_the_current_state_says_so(user_client, edited):
    project, _ = edited
    latest = AuditEntry.objects.filter(project_id=project.pk).latest("pk")
    count = AuditEntry.objects.count()
    answer = user_client.post(revert(project, latest), {"confirm": "1"}, follow=True)
    assert "Nothing to revert" in answer.content.decode()
    assert AuditEntry.objects.count() == count


def test_anonymous_visitors_cannot_revert(client, edited):
    project, created = edited
    for answer in (
        client.get(revert(project, created)),
        client.post(revert(project, created), {"confirm": "1"}),
    ):
        assert answer.status_code == 302 and "login" in answer["Location"]
    project.refresh_from_db()
    assert project.regex == r"geany_(\d+)"


def test_a_banned_user_cannot_revert(edited):
    project, created = edited
    banned = UserFactory(username="mallory")
    visitor = Client()
    visitor.force_login(banned)
    banned.is_active = False
    banned.save()
    answer = visitor.post(revert(project, created), {"confirm": "1"})
    assert answer.status_code == 302 and "login" in answer["Location"]
    project.refresh_from_db()
    assert project.regex == r"geany_(\d+)"


def test_revert_needs_the_csrf_token(edited):
    project, created = edited
    visitor = Client(enforce_csrf_checks=True)
    visitor.force_login(UserFactory(username="eve"))
    assert visitor.post(revert(project, created), {"confirm": "1"}).status_code == 403
    project.refresh_from_db()
    assert project.regex == r"geany_(\d+)"


def test_an_archived_project_is_not_reverted_and_the_page_says_why(user_client, edited):
    project, created = edited
    services.project_set_archived(project, True, agent="root")
    page = user_client.get(history(project)).content.decode()
    assert "Revert to this state" not in page and "is archived" in page
    answer = user_client.post(revert(project, created), {"confirm": "1"}, follow=True)
    assert "is archived: unarchive it before reverting" in answer.content.decode()
    project.refresh_from_db()
    assert project.regex == r"geany_(\d+)"


def test_entries_of_another_project_or_of_a_mapping_are_not_found(user_client, edited):
    project, _ = edited
    other = services.project_create(
        agent="ada", validate=False, **{**GEANY, "name": "other", "homepage": "https://o.org/"}
    )
    foreign = AuditEntry.objects.get(project_id=other.pk)
    DistroFactory(name="Fedora")
    services.package_map(project, distro="Fedora", package_name="geany", agent="ada")
    mapping = AuditEntry.objects.filter(project_id=project.pk).latest("pk")
    assert user_client.get(revert(project, foreign)).status_code == 404
    assert user_client.get(revert(project, mapping)).status_code == 404


def test_a_refused_revert_is_explained(user_client, edited):
    project, created = edited
    services.project_edit(project, agent="ada", name="geany-ide")
    services.project_create(agent="bob", validate=False, **GEANY)  # the old name is taken
    answer = user_client.post(revert(project, created), {"confirm": "1"}, follow=True)
    assert "Not reverted:" in answer.content.decode()
    project.refresh_from_db()
    assert project.name == "geany-ide"


def test_the_cached_project_page_shows_the_revert(client, user_client, edited):
    project, created = edited
    forget_pages()
    url = reverse("projects:project", args=[project.pk])
    assert r"geany_(\d+)" in client.get(url).content.decode()  # kept for anonymous visitors
    user_client.post(revert(project, created), {"confirm": "1"})
    page = client.get(url).content.decode()
    assert r"geany_(\d+)" not in page and r"geany-([\d.]+)\.tar" in page


def test_an_administrator_sees_the_same_history(edited):
    project, _ = edited
    root = Client()
    root.force_login(AdminFactory(username="root"))
    assert "Revert to this state" in root.get(history(project)).content.decode()


def test_stream_definitions_show_in_the_history_and_a_revert_restores_them(user_client):
    project = services.project_create(agent="ada", validate=False, **GEANY)
    created = AuditEntry.objects.get(project_id=project.pk)
    services.stream_create(project, services.StreamFields("LTS", r"^1\."), agent="bob")
    page = user_client.get(history(project)).content.decode()
    shown = r"Release streams defined</span>: <del>(none)</del> → <ins>LTS: ^1\.</ins>"
    assert shown in page
    # A creation lists no empty definitions.
    assert page.count("Release streams defined") == 1

    asked = user_client.post(revert(project, created)).content.decode()
    assert r"Release streams defined: <del>LTS: ^1\.</del> → <ins>(none)</ins>" in asked
    user_client.post(revert(project, created), {"confirm": "1"})
    assert not project.release_streams.exists()
    message = OutboxMessage.objects.filter(topic="project.edit").latest("pk")
    assert message.body["message"]["changes"]["release_streams"]["new"] == []


def test_the_confirmation_shows_the_versions_as_the_revert_would_leave_them(user_client):
    project = services.project_create(agent="ada", validate=False, **GEANY)
    for raw in ("1.0", "1.1", "2.0-rc1"):
        ProjectVersionFactory(project=project, version=raw)
    services.project_edit(project, agent="ada", version_filter="rc")  # 2.0-rc1 hidden
    filtered = AuditEntry.objects.filter(project_id=project.pk).latest("pk")
    services.project_edit(project, agent="ada", version_filter="1.0")  # 1.0 hidden instead

    question = user_client.get(revert(project, filtered)).content.decode()

    assert "Versions once reverted" in question
    latest = '<span class="version">2.0-rc1</span> now, <strong class="version">1.1</strong>'
    assert f"{latest} once reverted" in question
    assert 'Hidden (1): <span class="version">2.0-rc1</span>.' in question
    assert 'Revealed (1): <span class="version">1.0</span>.' in question
    user_client.post(revert(project, filtered), {"confirm": "1"})
    project.refresh_from_db()
    assert project.latest_version == "1.1"  # as the confirmation said
