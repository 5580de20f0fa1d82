"""The audit log: each service writes one entry with who, when, before and after, in the
transaction of its change (none when it refuses), never credentials; a revert is an edit."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from backends.base import BackendError
from messaging.models import OutboxMessage
from projects import check, services
from projects.models import AuditEntry, Project
from tests.factories import (
    GEANY,
    DistroFactory,
    PackageFactory,
    ProjectFactory,
    ProjectVersionFactory,
    UserFactory,
)
from tests.projects.test_stream_services import schema_valid

pytestmark = pytest.mark.django_db

Kind = AuditEntry.Kind


def entries(project_id: int | None = None) -> list[AuditEntry]:
    rows = AuditEntry.objects.order_by("pk")
    return list(rows.filter(project_id=project_id) if project_id else rows)


def topics() -> list[str]:
    return list(OutboxMessage.objects.order_by("pk").values_list("topic", flat=True))


def test_creation_keeps_every_setting_and_names_the_user():
    ada = UserFactory(username="ada")
    project = services.project_create(agent="ada", validate=False, **GEANY)
    (entry,) = entries()
    assert entry.kind == Kind.PROJECT_ADD
    assert (entry.project_id, entry.project_name, entry.agent) == (project.pk, "geany", "ada")
    assert entry.user == ada
    assert entry.before is None
    assert entry.after["regex"] == GEANY["regex"]
    assert entry.after["version_prefix"] is None and entry.after["insecure"] is False
    assert entry.settings == entry.after
    assert set(entry.settings) == {*services.PROJECT_FIELDS, "release_streams"}
    assert entry.settings["release_streams"] == []


def test_an_api_user_is_found_by_email_and_an_ambiguous_username_names_nobody():
    api_user = UserFactory(email="api@example.org", username="twin")
    UserFactory(username="twin")
    project = ProjectFactory()
    services.project_edit(project, agent="api@example.org", regex="a(.*)")
    services.project_edit(project, agent="twin", regex="b(.*)")
    services.project_edit(project, agent="anitya", regex="c(.*)")
    assert [entry.user for entry in entries()] == [api_user, None, None]


def test_an_edit_keeps_only_the_changed_fields_and_the_settings_after():
    project = ProjectFactory(regex="old(.*)", version_prefix=None)
    services.project_edit(project, agent="ada", regex="new(.*)", version_prefix="v")
    (entry,) = entries()
    assert entry.kind == Kind.PROJECT_EDIT
    assert entry.before == {"regex": "old(.*)", "version_prefix": None}
    assert entry.after == {"regex": "new(.*)", "version_prefix": "v"}
    assert entry.settings["regex"] == "new(.*)" and entry.settings["name"] == project.name
    assert entry.reverts is None


def test_an_edit_that_changes_nothing_writes_nothing():
    project = ProjectFactory(regex="same(.*)")
    assert services.project_edit(project, agent="ada", regex="same(.*)") == {}
    assert entries() == []


@pytest.mark.parametrize(
    "fields",
    [
        {"regex": "(unclosed"},  # refused by validation
        {"backend": "NoSuchBackend"},
    ],
)
def test_a_refused_edit_writes_nothing(fields):
    project = ProjectFactory()
    with pytest.raises(services.InvalidInput):
        services.project_edit(project, agent="ada", **fields)
    assert entries() == [] and topics() == []


def test_a_clash_writes_nothing():
    ProjectFactory(name="taken", homepage="https://example.org/x")
    project = ProjectFactory(name="mine", homepage="https://example.org/x")
    with pytest.raises(services.ProjectExists):
        services.project_edit(project, agent="ada", name="taken")
    assert entries() == []


def test_an_archived_project_refuses_the_edit_and_writes_nothing():
    project = ProjectFactory(archived=True)
    with pytest.raises(services.ProjectArchived):
        services.project_edit(project, agent="ada", regex="x(.*)")
    assert entries() == []


def test_credentials_never_appear_only_that_they_changed():
    project = ProjectFactory(backend="custom", version_url="https://example.org/files/")
    services.project_edit(
        project,
        agent="ada",
        version_url="https://reader:s3cret-pass@example.org/files/",
    )
    project.refresh_from_db()
    assert project.spec_credentials  # stored
    services.project_edit(project, agent="ada", forget_credentials=True)
    logged = json.dumps([[e.before, e.after, e.settings] for e in entries()])
    assert "s3cret-pass" not in logged and "reader" not in logged
    first, second = entries()
    assert first.after["url_credentials"] == "(changed, not shown)"
    assert second.before["url_credentials"] == "(not shown)"
    assert "url_credentials" not in first.settings
    # A change of credentials alone is logged, though it is not announced.
    assert topics() == []


def test_archiving_and_unarchiving():
    project = ProjectFactory()
    services.project_set_archived(project, True, agent="root")
    services.project_set_archived(project, True, agent="root")  # unchanged: nothing
    services.project_set_archived(project, False, agent="root")
    archived, unarchived = entries()
    assert (archived.kind, archived.before, archived.after) == (
        Kind.PROJECT_ARCHIVE,
        {"archived": False},
        {"archived": True},
    )
    assert unarchived.kind == Kind.PROJECT_UNARCHIVE and not unarchived.revertable


def test_deletion_is_kept_after_the_project_is_gone():
    project = ProjectFactory(name="gone", latest_version="1.0", regex="g(.*)")
    pk = project.pk
    services.project_delete(project, agent="root")
    assert not Project.objects.filter(pk=pk).exists()
    (entry,) = entries(pk)
    assert (entry.kind, entry.project_name) == (Kind.PROJECT_REMOVE, "gone")
    assert entry.before["regex"] == "g(.*)" and entry.before["latest_version"] == "1.0"
    assert entry.after is None


def test_the_checker_deleting_a_failing_project_is_logged(settings):
    settings.CHECK_ERROR_THRESHOLD = 1
    project = ProjectFactory(name="failing")
    pk = project.pk
    result = check.record_failure(project, BackendError("gone"), trigger=check.Trigger.SCHEDULER)
    assert result.outcome is check.Outcome.DELETED
    (entry,) = entries(pk)
    assert (entry.kind, entry.agent, entry.user) == (Kind.PROJECT_REMOVE, "anitya", None)


def test_mappings_added_edited_and_removed():
    project = ProjectFactory()
    DistroFactory(name="Fedora")
    DistroFactory(name="Debian")
    package = services.package_map(project, distro="Fedora", package_name="geany", agent="ada")
    services.package_map(
        project, distro="Debian", package_name="geany-ide", agent="ada", previous=package
    )
    services.package_map(
        project, distro="Debian", package_name="geany-ide", agent="ada", previous=package
    )  # unchanged: nothing
    services.package_unmap(package, agent="root")
    added, edited, removed = entries()
    assert (added.kind, added.after) == (
        Kind.MAPPING_ADD,
        {"distro": "Fedora", "package_name": "geany"},
    )
    assert (edited.kind, edited.before, edited.after) == (
        Kind.MAPPING_EDIT,
        {"distro": "Fedora", "package_name": "geany"},
        {"distro": "Debian", "package_name": "geany-ide"},
    )
    assert (removed.kind, removed.before, removed.agent) == (
        Kind.MAPPING_REMOVE,
        {"distro": "Debian", "package_name": "geany-ide"},
        "root",
    )


def test_a_mapping_clash_writes_nothing():
    fedora = DistroFactory(name="Fedora")
    PackageFactory(distro=fedora, package_name="geany")
    project = ProjectFactory()
    with pytest.raises(services.MappingClash):
        services.package_map(project, distro="Fedora", package_name="geany", agent="ada")
    assert entries() == []


def test_deleting_a_distro_logs_the_mappings_it_takes():
    fedora = DistroFactory(name="Fedora")
    first, second = ProjectFactory(), ProjectFactory()
    PackageFactory(distro=fedora, project=first, package_name="one")
    PackageFactory(distro=fedora, project=second, package_name="two")
    assert services.distro_delete(fedora, agent="root") == 2
    logged = {(e.project_id, e.kind, e.before["package_name"]) for e in entries()}
    assert logged == {
        (first.pk, Kind.MAPPING_REMOVE, "one"),
        (second.pk, Kind.MAPPING_REMOVE, "two"),
    }


def test_version_deletion_lists_the_versions_and_the_latest_before_and_after():
    project = ProjectFactory(latest_version="2.0")
    for raw in ("1.0", "2.0"):
        ProjectVersionFactory(project=project, version=raw)
    services.versions_delete(project, ["2.0"], agent="root")
    services.versions_delete(project, ["9.9"], agent="root")  # none of them: nothing
    (entry,) = entries()
    assert entry.kind == Kind.VERSIONS_REMOVE
    assert entry.before == {"versions": ["2.0"], "latest_version": "2.0"}
    assert entry.after == {"latest_version": "1.0"}


# -- revert ----------------------------------------------------------------------------------


def test_revert_restores_the_settings_announces_and_logs_it():
    project = services.project_create(agent="ada", validate=False, **GEANY)
    created = entries()[0]
    services.project_edit(project, agent="bob", regex=r"geany_(\d+)", version_prefix="v")
    OutboxMessage.objects.all().delete()

    changes = services.project_revert(project, created, agent="root")

    assert set(changes) == {"regex", "version_prefix"}
    project.refresh_from_db()
    assert (project.regex, project.version_prefix) == (GEANY["regex"], None)
    (message,) = OutboxMessage.objects.all()
    assert message.topic == "project.edit"
    assert message.body["message"]["agent"] == "root"
    assert message.body["message"]["changes"]["regex"] == {
        "old": r"geany_(\d+)",
        "new": GEANY["regex"],
    }
    revert = entries()[-1]
    assert (revert.kind, revert.agent, revert.reverts) == (Kind.PROJECT_EDIT, "root", created.pk)
    assert revert.after == {"regex": GEANY["regex"], "version_prefix": None}


def test_revert_to_the_current_state_changes_sends_and_logs_nothing():
    project = services.project_create(agent="ada", validate=False, **GEANY)
    before = (len(entries()), topics())
    assert services.project_revert(project, entries()[0], agent="root") == {}
    assert (len(entries()), topics()) == before


def test_revert_leaves_credentials_as_they_are():
    project = services.project_create(agent="ada", validate=False, **GEANY)
    created = entries()[0]
    services.project_edit(
        project, agent="ada", version_url="https://u:p@www.geany.org/download/all"
    )
    services.project_revert(project, created, agent="root")
    project.refresh_from_db()
    assert project.version_url == GEANY["version_url"]
    assert project.spec_credentials == {"https://www.geany.org": ("u", "p")}


def test_revert_of_an_archived_project_is_refused():
    project = services.project_create(agent="ada", validate=False, **GEANY)
    created = entries()[0]
    services.project_edit(project, agent="ada", regex="x(.*)")
    services.project_set_archived(project, True, agent="root")
    count = len(entries())
    with pytest.raises(services.ProjectArchived):
        services.project_revert(project, created, agent="root")
    assert len(entries()) == count


def test_revert_refuses_another_projects_entry_and_a_mapping_entry():
    project = services.project_create(agent="ada", validate=False, **GEANY)
    other = ProjectFactory()
    services.project_edit(other, agent="ada", regex="o(.*)")
    DistroFactory(name="Fedora")
    services.package_map(project, distro="Fedora", package_name="geany", agent="ada")
    foreign = entries(other.pk)[0]
    mapping = entries(project.pk)[-1]
    for entry in (foreign, mapping):
        with pytest.raises(services.InvalidInput):
            services.project_revert(project, entry, agent="root")


def test_revert_to_a_name_taken_since_is_refused_as_an_edit_would_be():
    project = services.project_create(agent="ada", validate=False, **GEANY)
    created = entries()[0]
    services.project_edit(project, agent="ada", name="geany-ide")
    services.project_create(agent="bob", validate=False, **GEANY)
    with pytest.raises(services.ProjectExists):
        services.project_revert(project, created, agent="root")


# -- release stream definitions --------------------------------------------------------------

LTS = {"name": "LTS", "pattern": r"^1\.", "end_of_life": None}


def test_a_change_of_the_stream_definitions_is_a_logged_edit_with_the_definitions_kept():
    project = services.project_create(agent="ada", validate=False, **GEANY)
    row = services.stream_create(project, services.StreamFields("LTS", r"^1\."), agent="bob")
    services.stream_edit(
        row, services.StreamFields("LTS", r"^1\.", dt.date(2030, 1, 31)), agent="carol"
    )
    services.stream_delete(row, agent="dan")

    created, added, edited, deleted = entries(project.pk)
    assert [entry.kind for entry in (added, edited, deleted)] == [Kind.PROJECT_EDIT] * 3
    assert [entry.agent for entry in (added, edited, deleted)] == ["bob", "carol", "dan"]
    assert added.before == {"release_streams": []}
    assert added.after == {"release_streams": [LTS]}
    assert edited.after == {"release_streams": [{**LTS, "end_of_life": "2030-01-31"}]}
    assert deleted.after == {"release_streams": []}
    # Each entry keeps every setting and the definitions right after it: any can be restored.
    assert created.settings["release_streams"] == []
    assert added.settings["release_streams"] == [LTS]
    assert added.settings["regex"] == GEANY["regex"]
    assert deleted.settings["release_streams"] == []
    # Every other edit keeps the definitions of its moment too.
    services.stream_create(project, services.StreamFields("LTS", r"^1\."), agent="bob")
    services.project_edit(project, agent="ada", version_prefix="v")
    assert entries(project.pk)[-1].settings["release_streams"] == [LTS]


def test_revert_restores_the_stream_definitions_with_one_message_and_one_entry():
    project = services.project_create(agent="ada", validate=False, **GEANY)
    created = entries()[0]
    services.stream_create(project, services.StreamFields("LTS", r"^1\."), agent="bob")
    services.stream_create(
        project, services.StreamFields("2", "", dt.date(2029, 6, 1)), agent="bob"
    )
    with_streams = entries()[-1]
    services.project_edit(project, agent="bob", version_prefix="v")
    OutboxMessage.objects.all().delete()

    changes = services.project_revert(project, created, agent="root")

    assert set(changes) == {"version_prefix", "release_streams"}
    assert list(project.release_streams.all()) == []
    (message,) = OutboxMessage.objects.all()
    assert message.topic == "project.edit"
    assert sorted(message.body["message"]["fields"]) == ["release_streams", "version_prefix"]
    assert message.body["message"]["changes"]["release_streams"]["new"] == []
    schema_valid("project.edit", message.body)
    revert = entries()[-1]
    assert revert.reverts == created.pk
    assert revert.before["release_streams"] == with_streams.settings["release_streams"]
    assert revert.after["release_streams"] == []

    # And forward again: the definitions come back in their order, with their dates.
    changes = services.project_revert(project, with_streams, agent="root")
    assert set(changes) == {"release_streams"}
    assert [(r.name, r.pattern, r.end_of_life) for r in project.release_streams.all()] == [
        ("LTS", r"^1\.", None),
        ("2", "", dt.date(2029, 6, 1)),
    ]
    assert services.revert_changes(project, with_streams) == {}


def test_a_revert_keeps_a_definitions_row_of_the_same_name():
    project = services.project_create(agent="ada", validate=False, **GEANY)
    row = services.stream_create(project, services.StreamFields("LTS", r"^1\."), agent="bob")
    first = entries()[-1]
    services.stream_edit(row, services.StreamFields("LTS", r"^2\."), agent="bob")

    services.project_revert(project, first, agent="root")

    (kept,) = project.release_streams.all()
    assert (kept.pk, kept.pattern) == (row.pk, r"^1\.")


def test_an_entry_written_before_definitions_were_kept_leaves_them_alone():
    project = services.project_create(agent="ada", validate=False, **GEANY)
    services.project_edit(project, agent="bob", version_prefix="v")
    old = entries()[-1]
    del old.settings["release_streams"]  # as entries written before the log kept them
    old.save()
    services.stream_create(project, services.StreamFields("LTS", r"^1\."), agent="bob")
    services.project_edit(project, agent="bob", version_prefix="x")

    assert set(services.project_revert(project, old, agent="root")) == {"version_prefix"}
    assert [row.name for row in project.release_streams.all()] == ["LTS"]


def test_a_definition_the_rules_refuse_today_refuses_the_whole_revert():
    project = services.project_create(agent="ada", validate=False, **GEANY)
    services.project_edit(project, agent="bob", version_prefix="v")
    entry = entries()[-1]
    entry.settings["release_streams"] = [LTS, {"name": "lts", "pattern": "x", "end_of_life": None}]
    entry.save()
    services.project_edit(project, agent="bob", version_prefix="x")
    count = len(entries())

    with pytest.raises(services.InvalidInput) as refused:
        services.project_revert(project, entry, agent="root")

    assert "Two definitions are named 'lts'" in refused.value.errors["release_streams"]
    project.refresh_from_db()
    assert project.version_prefix == "x" and not project.release_streams.exists()
    assert len(entries()) == count


def test_the_history_api_shows_the_change_of_the_definitions(client):
    project = services.project_create(agent="ada", validate=False, **GEANY)
    services.stream_create(project, services.StreamFields("LTS", r"^1\."), agent="bob")

    items = client.get(f"/api/v2/projects/{project.pk}/history/").json()["items"]

    assert items[0]["kind"] == "project.edit"
    assert items[0]["before"] == {"release_streams": []}
    assert items[0]["after"] == {"release_streams": [LTS]}
    assert items[0]["settings"]["release_streams"] == [LTS]
    assert items[1]["settings"]["release_streams"] == []
