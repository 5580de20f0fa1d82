"""The audit log: each service writes one entry with who, when, before and after, in the
transaction of its change (none when it refuses), never credentials; a revert is an edit."""

from __future__ import annotations

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
    assert set(entry.settings) == set(services.PROJECT_FIELDS)


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
