"""The moderation console, walked through the Django test client: each action changes the
database, sends its message (the outbox) and is recorded in the admin log. Also: the admin
refuses non-administrators and stays cheap on big tables."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from messaging.models import OutboxMessage
from projects.models import Distro, Flag, Package, Project, ProjectVersion
from tests.factories import (
    AdminFactory,
    DistroFactory,
    FlagFactory,
    PackageFactory,
    ProjectFactory,
    ProjectVersionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MODELS = [
    "projects_project",
    "projects_projectversion",
    "projects_distro",
    "projects_package",
    "projects_flag",
    "projects_checkrun",
    "projects_auditentry",
    "accounts_user",
    "accounts_apitoken",
]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def moderator():
    return AdminFactory(username="moderator")


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def some_data():
    project = ProjectFactory(name="geany")
    ProjectVersionFactory(project=project, version="1.0")
    PackageFactory(project=project)
    FlagFactory(project=project)
    return project


def outbox() -> list[tuple[str, dict]]:
    return [(message.topic, message.body) for message in OutboxMessage.objects.order_by("id")]


def log_entries(obj=None) -> list[tuple[int, str, str]]:
    entries = LogEntry.objects.order_by("id")
    if obj is not None:
        entries = entries.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
    return [(entry.action_flag, entry.object_repr, entry.change_message) for entry in entries]


def run_action(client, model: str, action: str, objects, **extra):
    """Select ``objects`` on the changelist of ``model`` and run ``action``."""
    data = {
        "action": action,
        "_selected_action": [str(obj.pk) for obj in objects],
        "index": "0",
        **extra,
    }
    return client.post(reverse(f"admin:{model}_changelist"), data, follow=True)


def confirm_action(client, model: str, action: str, objects):
    """Submit an action's confirmation page (as its "Yes" button does)."""
    data = {
        "action": action,
        "_selected_action": [str(obj.pk) for obj in objects],
        "post": "yes",
    }
    return client.post(reverse(f"admin:{model}_changelist"), data, follow=True)


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# -- access and cost --------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_opens_for_an_administrator(admin_client, some_data, model):
    response = admin_client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200


def test_project_pages_open_and_search_finds_by_name_homepage_and_package(admin_client, some_data):
    other = ProjectFactory(name="other", homepage="https://elsewhere.example.net/")
    assert admin_client.get(reverse("admin:projects_project_add")).status_code == 200
    change = admin_client.get(reverse("admin:projects_project_change", args=[some_data.pk]))
    assert change.status_code == 200
    assert b"1.0" in change.content
    changelist = reverse("admin:projects_project_changelist")
    package_name = some_data.packages.get().package_name
    for query, expected in [
        ("geany", some_data),
        (package_name, some_data),
        ("elsewhere.example.net", other),
    ]:
        found = list(admin_client.get(changelist, {"q": query}).context["cl"].result_list)
        assert found == [expected], query


def test_non_administrators_are_sent_to_the_login_page(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:projects_project_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_non_administrators_cannot_run_an_object_action(client):
    flag = FlagFactory()
    client.force_login(UserFactory())
    url = reverse("admin:projects_flag_object_action", args=[flag.pk, "close_flags"])
    assert client.post(url).status_code == 302
    assert Flag.objects.get().state == "open"
    assert not OutboxMessage.objects.exists()


def test_banned_administrator_loses_the_admin(client):
    client.force_login(AdminFactory(is_active=False))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def _changelist_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "model", ["projects_project", "projects_package", "projects_flag", "accounts_user"]
)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model):
    url = reverse(f"admin:{model}_changelist")
    FlagFactory.create_batch(3)
    PackageFactory.create_batch(3)
    few = _changelist_queries(admin_client, url)
    FlagFactory.create_batch(30)
    PackageFactory.create_batch(30)
    many = _changelist_queries(admin_client, url)
    assert many == few


# -- flags ------------------------------------------------------------------------------------


def test_flags_list_open_flags_first_then_newest(admin_client):
    now = timezone.now()
    old_open = FlagFactory(created_on=now - dt.timedelta(days=3))
    new_closed = FlagFactory(state="closed", created_on=now)
    new_open = FlagFactory(created_on=now - dt.timedelta(days=1))
    response = admin_client.get(reverse("admin:projects_flag_changelist"))
    assert list(response.context["cl"].result_list) == [new_open, old_open, new_closed]


def test_flags_filter_by_state_project_author_and_date(admin_client):
    ada = UserFactory(email="ada@example.org", username="ada")
    geany = ProjectFactory(name="geany")
    wanted = FlagFactory(project=geany, author=ada)
    FlagFactory(project=geany)  # someone else's
    FlagFactory(author=ada)  # another project
    closed = FlagFactory(project=geany, author=ada, state="closed")
    old = FlagFactory(project=geany, author=ada, created_on=timezone.now() - dt.timedelta(days=40))
    url = reverse("admin:projects_flag_changelist")

    def found(**params):
        return set(admin_client.get(url, params).context["cl"].result_list)

    assert found(project="geany", author="ADA@example.org", state="open") == {wanted, old}
    assert found(project="geany", author="ada", state="closed") == {closed}
    since = (timezone.now() - dt.timedelta(days=7)).isoformat()
    assert found(project="geany", author="ada", created_on__gte=since) == {wanted, closed}
    page = admin_client.get(url, {"project": "geany"}).content.decode()
    assert 'name="project" value="geany"' in page  # the box shows the current filter
    with_counts = admin_client.get(url, {"project": "geany", "_facets": "True"})
    assert with_counts.status_code == 200
    assert 'type="hidden" name="_facets" value="True"' in with_counts.content.decode()


def test_close_a_flag_from_the_list(admin_client, moderator):
    flag = FlagFactory()
    response = run_action(admin_client, "projects_flag", "close_flags", [flag])
    assert response.status_code == 200
    assert Flag.objects.get(pk=flag.pk).state == "closed"
    assert outbox() == [
        (
            "project.flag.set",
            {
                "project": None,
                "distro": None,
                "message": {"agent": "moderator", "flag": flag.pk, "state": "closed"},
            },
        )
    ]
    assert log_entries(flag) == [(CHANGE, str(flag), "Closed")]
    assert LogEntry.objects.get().user == moderator
    assert page_messages(response) == [f"Closed 1 flag: #{flag.pk}."]


def test_closing_a_closed_flag_changes_and_sends_nothing(admin_client):
    flag = FlagFactory(state="closed")
    response = run_action(admin_client, "projects_flag", "close_flags", [flag])
    assert page_messages(response) == ["Flag state unchanged."]
    assert outbox() == []
    assert log_entries() == []


def test_reopen_a_flag_with_the_button_on_its_page(admin_client):
    flag = FlagFactory(state="closed")
    page = admin_client.get(reverse("admin:projects_flag_change", args=[flag.pk]))
    url = reverse("admin:projects_flag_object_action", args=[flag.pk, "reopen_flags"])
    assert f'action="{url}"' in page.content.decode()
    response = admin_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:projects_flag_change", args=[flag.pk])
    assert Flag.objects.get(pk=flag.pk).state == "open"
    assert [topic for topic, _ in outbox()] == ["project.flag.set"]
    assert outbox()[0][1]["message"]["state"] == "open"
    assert log_entries(flag) == [(CHANGE, str(flag), "Reopened")]


def test_object_actions_refuse_get_and_unknown_actions(admin_client):
    flag = FlagFactory()
    url = reverse("admin:projects_flag_object_action", args=[flag.pk, "close_flags"])
    assert admin_client.get(url).status_code == 405
    unknown = reverse("admin:projects_flag_object_action", args=[flag.pk, "delete_selected"])
    assert admin_client.post(unknown).status_code == 404
    missing = reverse("admin:projects_flag_object_action", args=[flag.pk + 100, "close_flags"])
    assert admin_client.post(missing).status_code == 404
    assert Flag.objects.get().state == "open"


def test_flag_pages_link_to_the_project_page(admin_client):
    flag = FlagFactory()
    listing = admin_client.get(reverse("admin:projects_flag_changelist")).content.decode()
    assert f'href="/project/{flag.project_id}/"' in listing
    page = admin_client.get(reverse("admin:projects_flag_change", args=[flag.pk]))
    assert f'href="/project/{flag.project_id}/"' in page.content.decode()


def test_flags_cannot_be_edited_or_deleted_behind_the_services(admin_client):
    flag = FlagFactory()
    page = admin_client.get(reverse("admin:projects_flag_change", args=[flag.pk]))
    assert not page.context["has_change_permission"]
    delete = admin_client.post(reverse("admin:projects_flag_delete", args=[flag.pk]), {"post": 1})
    assert delete.status_code == 403
    assert Flag.objects.filter(pk=flag.pk).exists()


def test_archive_the_flagged_project(admin_client):
    flag = FlagFactory(project=ProjectFactory(name="dead"))
    response = run_action(admin_client, "projects_flag", "archive_flagged_projects", [flag])
    assert Project.objects.get(name="dead").archived is True
    [(topic, body)] = outbox()
    assert topic == "project.edit"
    assert body["message"]["agent"] == "moderator"
    assert body["message"]["fields"] == ["archived"]
    assert body["message"]["changes"] == {"archived": {"old": False, "new": True}}
    assert log_entries(flag.project) == [(CHANGE, "dead", "Archived")]
    assert page_messages(response) == ["Archived 1 project: dead."]


def test_delete_the_flagged_project_after_a_confirmation_listing_what_goes(admin_client):
    project = ProjectFactory(name="spam")
    ProjectVersionFactory(project=project, version="1.0")
    ProjectVersionFactory(project=project, version="2.0")
    PackageFactory(project=project)
    flag = FlagFactory(project=project)
    FlagFactory(project=project)

    confirmation = run_action(admin_client, "projects_flag", "delete_flagged_projects", [flag])
    page = confirmation.content.decode()
    assert "Delete 1 project with 2 versions, 1 mapping and 2 flags" in page
    assert f"Project spam (id {project.pk}): 2 versions, 1 mapping, 2 flags" in page
    assert Project.objects.filter(pk=project.pk).exists()
    assert outbox() == []

    done = confirm_action(admin_client, "projects_flag", "delete_flagged_projects", [flag])
    assert not Project.objects.filter(pk=project.pk).exists()
    assert not Flag.objects.exists()
    [(topic, body)] = outbox()
    assert topic == "project.remove"
    assert body["message"] == {"agent": "moderator", "project": "spam"}
    assert body["project"]["name"] == "spam"
    assert log_entries(project) == [(DELETION, "spam", "")]
    assert page_messages(done) == ["Deleted 1 project: spam."]


def test_delete_the_flagged_project_from_the_flag_page(admin_client):
    flag = FlagFactory(project=ProjectFactory(name="spam"))
    url = reverse("admin:projects_flag_object_action", args=[flag.pk, "delete_flagged_projects"])
    confirmation = admin_client.post(url)
    assert confirmation.status_code == 200
    assert "Project spam" in confirmation.content.decode()
    assert Project.objects.exists()
    done = admin_client.post(url, {"post": "yes", "action": "delete_flagged_projects"})
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:projects_flag_changelist")
    assert not Project.objects.exists()
    assert [topic for topic, _ in outbox()] == ["project.remove"]


# -- projects ---------------------------------------------------------------------------------


def test_archive_and_unarchive_projects(admin_client):
    project = ProjectFactory(name="tool", version_filter="rc")
    run_action(admin_client, "projects_project", "archive_projects", [project])
    project.refresh_from_db()
    assert project.archived is True
    assert project.version_filter == "rc"  # archiving keeps the filters (design.md §4)
    again = run_action(admin_client, "projects_project", "archive_projects", [project])
    assert page_messages(again) == ["Nothing to do: the selected projects already were archived."]
    run_action(admin_client, "projects_project", "unarchive_projects", [project])
    project.refresh_from_db()
    assert project.archived is False
    assert [(topic, body["message"]["changes"]) for topic, body in outbox()] == [
        ("project.edit", {"archived": {"old": False, "new": True}}),
        ("project.edit", {"archived": {"old": True, "new": False}}),
    ]
    assert log_entries(project) == [(CHANGE, "tool", "Archived"), (CHANGE, "tool", "Unarchived")]


def test_archive_with_the_button_on_the_project_page(admin_client):
    project = ProjectFactory()
    page = admin_client.get(reverse("admin:projects_project_change", args=[project.pk]))
    assert 'value="Archive" id="object-action-archive_projects"' in page.content.decode()
    assert f'href="/project/{project.pk}/"' in page.content.decode()
    url = reverse("admin:projects_project_object_action", args=[project.pk, "archive_projects"])
    assert admin_client.post(url)["Location"] == reverse(
        "admin:projects_project_change", args=[project.pk]
    )
    assert Project.objects.get().archived
    assert [topic for topic, _ in outbox()] == ["project.edit"]


def test_delete_all_versions_of_a_project(admin_client):
    project = ProjectFactory(name="tool", latest_version="2.0")
    for version in ("1.0", "2.0"):
        ProjectVersionFactory(project=project, version=version)
    confirmation = run_action(admin_client, "projects_project", "delete_all_versions", [project])
    assert "tool: 2 versions" in confirmation.content.decode()
    assert ProjectVersion.objects.count() == 2

    confirm_action(admin_client, "projects_project", "delete_all_versions", [project])
    project.refresh_from_db()
    assert not ProjectVersion.objects.exists()
    assert project.latest_version is None
    [(topic, body)] = outbox()
    assert topic == "project.version.remove.v2"
    assert body["message"] == {"agent": "moderator", "project": "tool", "versions": ["1.0", "2.0"]}
    assert log_entries(project) == [(CHANGE, "tool", "Deleted all versions: 1.0, 2.0")]


def test_delete_selected_versions_from_the_version_list(admin_client):
    project = ProjectFactory(name="tool")
    old, bad, _kept = (
        ProjectVersionFactory(project=project, version=version) for version in ("1.0", "9.9", "2.0")
    )
    run_action(admin_client, "projects_projectversion", "delete_selected", [old, bad])
    confirm_action(admin_client, "projects_projectversion", "delete_selected", [old, bad])
    assert list(ProjectVersion.objects.values_list("version", flat=True)) == ["2.0"]
    project.refresh_from_db()
    assert project.latest_version == "2.0"
    [(topic, body)] = outbox()
    assert topic == "project.version.remove.v2"
    assert sorted(body["message"]["versions"]) == ["1.0", "9.9"]
    assert {entry[0] for entry in log_entries()} == {DELETION}


def _project_form(project=None, **fields):
    data = {
        "name": "demo",
        "homepage": "https://example.org/demo",
        "backend": "custom",
        "version_url": "https://example.org/demo/releases/",
        "packages-TOTAL_FORMS": "0",
        "packages-INITIAL_FORMS": "0",
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
    }
    if project is not None:
        data.update(
            name=project.name,
            homepage=project.homepage,
            backend=project.backend,
            version_url=project.version_url or "",
        )
    data.update(fields)
    return data


def test_delete_selected_versions_on_the_project_page(admin_client):
    project = ProjectFactory(name="tool")
    bad = ProjectVersionFactory(project=project, version="9.9")
    ProjectVersionFactory(project=project, version="1.0")
    data = _project_form(
        project,
        **{
            "versions-TOTAL_FORMS": "1",
            "versions-INITIAL_FORMS": "1",
            "versions-0-id": str(bad.pk),
            "versions-0-project": str(project.pk),
            "versions-0-DELETE": "on",
        },
    )
    response = admin_client.post(reverse("admin:projects_project_change", args=[project.pk]), data)
    assert response.status_code == 302
    assert list(ProjectVersion.objects.values_list("version", flat=True)) == ["1.0"]
    assert [(t, b["message"]["versions"]) for t, b in outbox()] == [
        ("project.version.remove.v2", ["9.9"])
    ]
    [entry] = LogEntry.objects.filter(object_id=str(project.pk))
    assert entry.action_flag == CHANGE
    assert entry.get_change_message() == "Deleted project version “9.9”."


def test_full_check_now_records_versions_and_announces_them(admin_client, upstream):
    project = ProjectFactory(
        name="tool",
        homepage="https://tool.example.org/",
        version_url=upstream.publish("tool", "1.0", "1.1"),
    )
    response = run_action(admin_client, "projects_project", "check_now", [project])
    project.refresh_from_db()
    assert sorted(project.versions.values_list("version", flat=True)) == ["1.0", "1.1"]
    assert project.latest_version == "1.1"
    assert [topic for topic, _ in outbox()] == [
        "project.version.update",
        "project.version.update.v2",
    ]
    assert page_messages(response) == ["tool: new versions 1.0, 1.1."]
    assert log_entries(project) == [(CHANGE, "tool", "Checked now: tool: new versions 1.0, 1.1.")]


def test_full_check_now_reports_failures_and_skips_archived_projects(admin_client, upstream):
    broken = ProjectFactory(name="broken", version_url=upstream.publish("broken", "1.0"))
    upstream.fail("/broken/")
    archived = ProjectFactory(name="frozen", archived=True)
    response = run_action(admin_client, "projects_project", "check_now", [broken, archived])
    messages = page_messages(response)
    assert any(message.startswith("broken: check failed:") for message in messages)
    assert "frozen: Project is archived, can't check new versions" in messages
    assert outbox() == []
    broken.refresh_from_db()
    assert broken.check_successful is False
    assert broken.error_counter == 0  # a person's check: never counted (issue #13)


def test_full_check_now_refuses_too_many_projects_at_once(admin_client):
    projects = ProjectFactory.create_batch(21)
    response = run_action(admin_client, "projects_project", "check_now", projects)
    assert page_messages(response) == ["Select at most 20 projects to check at once."]


def test_a_broken_regex_is_refused_where_it_is_entered(admin_client):
    response = admin_client.post(
        reverse("admin:projects_project_add"),
        _project_form(regex="demo-(\\d+"),
    )
    assert response.status_code == 200
    assert "regex" in response.context["adminform"].form.errors
    assert not Project.objects.exists()


def test_an_unusable_calendar_pattern_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:projects_project_add"),
        _project_form(version_scheme="Calendar", version_pattern="MODIFIER.YYYY"),
    )
    assert "version_pattern" in response.context["adminform"].form.errors


def test_adding_a_project_in_the_admin_announces_it(admin_client):
    response = admin_client.post(
        reverse("admin:projects_project_add"),
        _project_form(regex="demo-([0-9.]+)\\.tar", version_scheme="Semantic"),
    )
    assert response.status_code == 302
    project = Project.objects.get()
    assert project.regex == "demo-([0-9.]+)\\.tar"
    assert project.version_scheme == "Semantic"
    assert [(t, b["message"]) for t, b in outbox()] == [
        ("project.add", {"agent": "moderator", "project": "demo"})
    ]
    assert log_entries(project)[0][0] == 1  # ADDITION


def test_editing_a_project_in_the_admin_announces_the_changes(admin_client):
    project = ProjectFactory(name="demo", homepage="https://example.org/demo", backend="custom")
    response = admin_client.post(
        reverse("admin:projects_project_change", args=[project.pk]),
        _project_form(project, version_prefix="release-"),
    )
    assert response.status_code == 302
    assert Project.objects.get().version_prefix == "release-"
    [(topic, body)] = outbox()
    assert topic == "project.edit"
    assert body["message"]["fields"] == ["version_prefix"]


def test_a_duplicate_project_is_a_form_error(admin_client):
    ProjectFactory(name="demo", homepage="https://example.org/demo", backend="custom")
    response = admin_client.post(reverse("admin:projects_project_add"), _project_form())
    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors["name"])
    assert Project.objects.count() == 1


def test_an_archived_project_must_be_unarchived_before_changes(admin_client):
    project = ProjectFactory(archived=True)
    response = admin_client.post(
        reverse("admin:projects_project_change", args=[project.pk]),
        _project_form(project, archived="on", version_prefix="v"),
    )
    assert response.status_code == 200
    assert "unarchive it" in str(response.context["adminform"].form.non_field_errors())
    assert outbox() == []


def test_adding_a_mapping_inline_announces_it(admin_client):
    project = ProjectFactory(name="tool")
    fedora = DistroFactory(name="Fedora")
    data = _project_form(
        project,
        **{
            "packages-TOTAL_FORMS": "1",
            "packages-0-distro": str(fedora.pk),
            "packages-0-package_name": "python-tool",
            "packages-0-project": str(project.pk),
        },
    )
    response = admin_client.post(reverse("admin:projects_project_change", args=[project.pk]), data)
    assert response.status_code == 302
    assert Package.objects.get().package_name == "python-tool"
    [(topic, body)] = outbox()
    assert topic == "project.map.new"
    assert body["message"] == {
        "agent": "moderator",
        "project": "tool",
        "distro": "Fedora",
        "new": "python-tool",
    }


def test_deleting_a_project_in_the_admin_counts_what_goes_and_announces_it(admin_client):
    project = ProjectFactory(name="tool")
    ProjectVersionFactory.create_batch(3, project=project)
    url = reverse("admin:projects_project_delete", args=[project.pk])
    page = admin_client.get(url).content.decode()
    assert f"Project tool (id {project.pk}): 3 versions, 0 mappings, 0 flags" in page
    admin_client.post(url, {"post": "yes"})
    assert not Project.objects.exists()
    assert [topic for topic, _ in outbox()] == ["project.remove"]
    assert log_entries(project) == [(DELETION, "tool", "")]


def test_project_page_shows_only_the_newest_versions(admin_client):
    project = ProjectFactory()
    for number in range(60):
        ProjectVersionFactory(project=project, version=f"0.{number}")
    page = admin_client.get(reverse("admin:projects_project_change", args=[project.pk]))
    assert page.status_code == 200
    shown = {form.instance.version for form in page.context["inline_admin_formsets"][1].formset}
    assert len(shown) == 50
    assert "0.59" in shown
    assert "0.5" not in shown


# -- distros and mappings ---------------------------------------------------------------------


def test_rename_a_distro(admin_client):
    distro = DistroFactory(name="fedora")
    PackageFactory(distro=distro)
    response = admin_client.post(
        reverse("admin:projects_distro_change", args=[distro.pk]), {"name": "Fedora"}
    )
    assert response.status_code == 302
    assert Distro.objects.get().name == "Fedora"
    assert outbox() == [
        (
            "distro.edit",
            {
                "project": None,
                "distro": {"name": "fedora"},
                "message": {"agent": "moderator", "old": "fedora", "new": "Fedora"},
            },
        )
    ]
    assert len(log_entries(distro)) == 1


def test_renaming_a_distro_to_an_existing_name_is_refused_ignoring_case(admin_client):
    DistroFactory(name="Fedora")
    other = DistroFactory(name="Debian")
    response = admin_client.post(
        reverse("admin:projects_distro_change", args=[other.pk]), {"name": "FEDORA"}
    )
    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors["name"])
    assert Distro.objects.get(pk=other.pk).name == "Debian"
    assert outbox() == []


def test_adding_a_distro_announces_it(admin_client):
    admin_client.post(reverse("admin:projects_distro_add"), {"name": "Arch"})
    assert [(t, b["message"]) for t, b in outbox()] == [
        ("distro.add", {"agent": "moderator", "distro": "Arch"})
    ]


def test_delete_a_distro_shows_how_many_mappings_go(admin_client):
    distro = DistroFactory(name="Mageia")
    PackageFactory.create_batch(3, distro=distro)
    url = reverse("admin:projects_distro_delete", args=[distro.pk])
    assert "Distribution Mageia: 3 mappings" in admin_client.get(url).content.decode()
    admin_client.post(url, {"post": "yes"})
    assert not Distro.objects.exists()
    assert not Package.objects.exists()
    assert [(t, b["message"]) for t, b in outbox()] == [
        ("distro.remove", {"agent": "moderator", "distro": "Mageia"})
    ]
    assert log_entries(distro) == [(DELETION, "Mageia", "")]


def test_delete_selected_distros_from_the_list(admin_client):
    distros = [DistroFactory(name="A"), DistroFactory(name="B")]
    PackageFactory(distro=distros[0])
    confirmation = run_action(admin_client, "projects_distro", "delete_selected", distros)
    assert "Distribution A: 1 mapping" in confirmation.content.decode()
    confirm_action(admin_client, "projects_distro", "delete_selected", distros)
    assert not Distro.objects.exists()
    assert sorted(b["message"]["distro"] for _, b in outbox()) == ["A", "B"]


def test_deleting_a_mapping_announces_it(admin_client):
    package = PackageFactory(distro=DistroFactory(name="Debian"), project=ProjectFactory(name="x"))
    admin_client.post(reverse("admin:projects_package_delete", args=[package.pk]), {"post": "yes"})
    assert not Package.objects.exists()
    assert [(t, b["message"]) for t, b in outbox()] == [
        ("project.map.remove", {"agent": "moderator", "project": "x", "distro": "Debian"})
    ]


# -- the admin index --------------------------------------------------------------------------


def test_the_admin_index_footer_and_run_list_show_the_last_check_run(admin_client, client):
    from projects.models import CheckRun

    assert "No check has run yet." in admin_client.get("/admin/").content.decode()
    CheckRun.objects.create(
        total_count=7,
        success_count=5,
        error_count=1,
        ratelimit_count=1,
        new_version_count=3,
        ended_at=timezone.now(),
    )
    index = admin_client.get("/admin/").content.decode()
    assert 'id="last-check-run"' in index
    assert "7 checked, 5 ok," in index and "3 new version(s)." in index
    footer = " ".join(client.get("/").content.decode().split())
    assert "7 checked, 5 ok, 1 failed, 1 rate-limited, 3 new versions" in footer
    runs = admin_client.get("/admin/projects/checkrun/").content.decode()
    assert "column-new_version_count" in runs
