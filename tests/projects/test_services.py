"""The services: every user-visible write validates, writes, and announces once, or does nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from backends import registry
from backends.base import Backend, BackendError, Release
from messaging.models import OutboxMessage
from projects import services
from projects.models import Distro, Flag, Package, Project, ProjectVersion
from tests.factories import (
    DistroFactory,
    FlagFactory,
    PackageFactory,
    ProjectFactory,
    ProjectVersionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def sent() -> list[tuple[str, dict]]:
    return [(m.topic, m.body) for m in OutboxMessage.objects.order_by("id")]


def topics() -> list[str]:
    return [topic for topic, _ in sent()]


class FixedBackend(Backend):
    name = "custom"

    def __init__(self, answer):
        self.answer = answer

    def fetch(self, spec, http):
        if isinstance(self.answer, BaseException):
            raise self.answer
        return [Release(version) for version in self.answer]


@pytest.fixture
def upstream(monkeypatch):
    def answer(result):
        backend = FixedBackend(result)
        real = registry.get_backend
        monkeypatch.setattr(
            registry, "get_backend", lambda name: backend if name == "custom" else real(name)
        )

    return answer


NEW = {
    "name": "geany",
    "homepage": "https://www.geany.org/",
    "backend": "custom",
    "version_url": "https://www.geany.org/download/releases/",
}


# -- projects -----------------------------------------------------------------------------


def test_create_validates_upstream_then_stores_and_announces(upstream):
    upstream([])  # an upstream listing nothing yet is a valid configuration
    project = services.project_create(agent="alice", **NEW)

    assert Project.objects.get() == project
    assert project.ecosystem_name == "https://www.geany.org/"
    assert project.versions.count() == 0
    [(topic, body)] = sent()
    assert topic == "project.add"
    assert body["message"] == {"agent": "alice", "project": "geany"}


def test_create_records_the_validating_check_as_the_first_check(monkeypatch):
    """Anitya's "check latest release on submit": what the validation found is stored, with
    one request upstream, and announced after the project itself."""
    backend = FixedBackend(["1.0", "2.0", "1.5"])
    calls = []
    fetch = backend.fetch
    monkeypatch.setattr(backend, "fetch", lambda spec, http: calls.append(1) or fetch(spec, http))
    monkeypatch.setattr(registry, "get_backend", lambda name: backend)
    before = timezone.now()

    project = services.project_create(agent="alice", **NEW)

    after = timezone.now()
    project = Project.objects.get(pk=project.pk)
    assert len(calls) == 1  # the validation's answer is recorded, not fetched again
    assert sorted(project.versions.values_list("version", flat=True)) == ["1.0", "1.5", "2.0"]
    assert project.latest_version == "2.0"
    assert project.check_successful is True
    assert project.logs == "Version retrieved correctly"
    assert before <= project.last_check <= after
    assert project.next_check > after  # an honest next check: one interval later
    assert project.next_check_reason == "Checked every hour"
    assert topics() == ["project.add", "project.version.update", "project.version.update.v2"]
    (_, v1), (_, v2) = sent()[1:]
    assert v1["message"]["upstream_version"] == "2.0"
    assert v1["message"]["old_version"] == ""  # Anitya sends "" when there was none
    assert v1["message"]["agent"] == "anitya"
    assert v2["message"]["upstream_versions"] == ["1.0", "1.5", "2.0"]


def test_create_without_validation_is_not_checked(monkeypatch):
    backend = FixedBackend(["1.0"])
    monkeypatch.setattr(registry, "get_backend", lambda name: backend)

    project = services.project_create(agent="alice", validate=False, **NEW)

    assert project.last_check is None and project.latest_version is None
    assert topics() == ["project.add"]


def test_create_refuses_a_configuration_that_finds_nothing(upstream):
    upstream(BackendError("geany: no upstream version found."))

    with pytest.raises(services.ProjectCheckFailed) as error:
        services.project_create(agent="alice", **NEW)

    assert str(error.value) == (
        "The check failed: could not retrieve versions. Error: geany: no upstream version "
        "found.. Please verify the project configuration (backend, homepage, version URL, "
        "etc.) and try again."
    )
    assert not Project.objects.exists()
    assert sent() == []


def test_create_names_every_bad_field_and_stores_nothing():
    with pytest.raises(services.InvalidInput) as error:
        services.project_create(
            agent="alice",
            validate=False,
            name="  ",
            homepage="ftp://nowhere",
            backend="Nope",
            version_scheme="Roman",
            regex="(",
        )

    assert set(error.value.errors) == {
        "name",
        "homepage",
        "backend",
        "version_scheme",
        "regex",
    }
    assert error.value.errors["backend"] == 'No backend was found for "Nope"'
    assert not Project.objects.exists()


def test_create_needs_a_version_url_where_the_backend_does():
    with pytest.raises(services.InvalidInput) as error:
        services.project_create(
            agent="alice", validate=False, name="x", homepage="https://x.org", backend="folder"
        )
    assert error.value.errors == {"version_url": "Chosen backend requires version_url"}


def test_create_takes_the_stored_spelling_of_backend_and_scheme():
    project = services.project_create(
        agent="alice",
        validate=False,
        name="requests",
        homepage="https://pypi.org/project/requests",
        backend="pypi",
        version_scheme="python (pep 440)",
    )
    assert (project.backend, project.version_scheme) == ("PyPI", "Python (PEP 440)")
    assert project.ecosystem_name == "pypi"


def test_create_refuses_a_duplicate_in_the_same_ecosystem():
    existing = ProjectFactory(name="requests", backend="PyPI", homepage="https://a.org")

    with pytest.raises(services.ProjectExists) as error:
        services.project_create(
            agent="alice",
            validate=False,
            name="requests",
            homepage="https://b.org",
            backend="PyPI",
        )

    assert error.value.existing == existing
    assert error.value.requested.pk is None
    assert Project.objects.count() == 1
    assert sent() == []


def test_edit_announces_only_real_changes_and_makes_the_project_due():
    project = ProjectFactory(name="geany", etag='"abc"', version_prefix=None)

    assert services.project_edit(project, agent="bob", version_prefix="") == {}
    changes = services.project_edit(
        project, agent="bob", version_prefix="geany-", version_url="https://example.org/new/"
    )

    assert set(changes) == {"version_prefix", "version_url"}
    project.refresh_from_db()
    assert project.version_prefix == "geany-"
    assert project.etag == ""  # the upstream question changed: ask it in full
    [(topic, body)] = sent()
    assert topic == "project.edit"
    assert body["message"]["changes"]["version_prefix"] == {"old": None, "new": "geany-"}
    assert body["message"]["agent"] == "bob"


def test_edit_refuses_archived_projects_but_unarchiving_works():
    project = ProjectFactory(archived=True)

    with pytest.raises(services.ProjectArchived):
        services.project_edit(project, agent="bob", name="renamed")
    assert services.project_set_archived(project, False, agent="admin")

    project.refresh_from_db()
    assert project.archived is False
    assert topics() == ["project.edit"]


def test_archiving_keeps_the_filters():
    project = ProjectFactory(version_filter="rc", pre_release_filter="beta")

    services.project_set_archived(project, True, agent="admin")

    project.refresh_from_db()
    assert (project.archived, project.version_filter, project.pre_release_filter) == (
        True,
        "rc",
        "beta",
    )


def test_edit_into_a_clash_is_refused():
    ProjectFactory(name="taken", homepage="https://x.org/")
    project = ProjectFactory(name="free", homepage="https://x.org/")

    with pytest.raises(services.ProjectExists):
        services.project_edit(project, agent="bob", name="taken")
    project.refresh_from_db()
    assert project.name == "free"


def test_delete_removes_everything_and_announces():
    project = ProjectFactory(name="gone")
    ProjectVersionFactory(project=project, version="1.0")
    PackageFactory(project=project)
    FlagFactory(project=project)

    services.project_delete(project, agent="admin")

    assert not Project.objects.exists()
    assert not ProjectVersion.objects.exists() and not Package.objects.exists()
    assert not Flag.objects.exists()
    [(topic, body)] = sent()
    assert topic == "project.remove"
    assert body["project"]["versions"] == ["1.0"]


def test_deleting_versions_recomputes_the_latest_and_lists_strings():
    project = ProjectFactory(latest_version="2.0")
    for version in ("1.0", "2.0", "versions"):
        ProjectVersionFactory(project=project, version=version)

    assert services.versions_delete(project, ["2.0", "versions"], agent="admin") == [
        "2.0",
        "versions",
    ]
    project.refresh_from_db()
    assert project.latest_version == "1.0"
    assert services.versions_delete(project, None, agent="admin") == ["1.0"]
    project.refresh_from_db()
    assert project.latest_version is None
    bodies = [body["message"]["versions"] for _, body in sent()]
    assert bodies == [["2.0", "versions"], ["1.0"]]


def test_deleting_no_version_sends_nothing():
    project = ProjectFactory()
    assert services.versions_delete(project, ["9.9"], agent="admin") == []
    assert sent() == []


# -- distros and mappings -----------------------------------------------------------------


def test_distro_names_are_unique_ignoring_case():
    services.distro_create(" Fedora ", agent="alice")

    with pytest.raises(services.DistroExists):
        services.distro_create("FEDORA", agent="alice")
    assert list(Distro.objects.values_list("name", flat=True)) == ["Fedora"]
    assert topics() == ["distro.add"]


def test_rename_and_delete_a_distro():
    distro = DistroFactory(name="Fedora")
    DistroFactory(name="Debian")
    PackageFactory(distro=distro)

    with pytest.raises(services.DistroExists):
        services.distro_rename(distro, "debian", agent="admin")
    assert services.distro_rename(distro, "fedora", agent="admin")
    assert services.distro_delete(distro, agent="admin") == 1

    assert list(Distro.objects.values_list("name", flat=True)) == ["Debian"]
    assert [body["message"] for _, body in sent()] == [
        {"agent": "admin", "old": "Fedora", "new": "fedora"},
        {"agent": "admin", "distro": "fedora"},
    ]


def test_mapping_creates_the_distro_when_asked():
    project = ProjectFactory(name="geany")

    package = services.package_map(project, distro="Arch", package_name="geany", agent="alice")

    assert package.distro.name == "Arch"
    assert topics() == ["distro.add", "project.map.new"]
    with pytest.raises(services.DistroNotFound):
        services.package_map(
            project, distro="Gentoo", package_name="geany", agent="x", create_distro=False
        )


def test_a_package_name_maps_to_one_project_per_distro():
    owner = PackageFactory(distro=DistroFactory(name="Fedora"), package_name="geany").project
    project = ProjectFactory()

    with pytest.raises(services.MappingClash) as error:
        services.package_map(project, distro="fedora", package_name="geany", agent="alice")

    assert error.value.owner == owner
    assert owner.name in str(error.value)
    assert sent() == []


def test_editing_a_mapping_reports_what_changed_and_unchanged_sends_nothing():
    package = PackageFactory(distro=DistroFactory(name="Fedora"), package_name="geany")
    project = package.project

    same = services.package_map(
        project, distro="fedora", package_name="geany", agent="alice", previous=package
    )
    assert same.pk == package.pk and sent() == []

    services.package_map(
        project, distro="Fedora", package_name="geany-ide", agent="alice", previous=package
    )
    [(topic, body)] = sent()
    assert topic == "project.map.update"
    assert body["message"]["prev"] == "geany"
    assert body["message"]["new"] == "geany-ide"
    assert body["message"]["edited"] == ["package_name"]


def test_archived_projects_cannot_be_mapped_but_can_be_flagged():
    project = ProjectFactory(archived=True)

    with pytest.raises(services.ProjectArchived):
        services.package_map(project, distro="Fedora", package_name="x", agent="alice")
    services.flag_create(project, author=UserFactory(username="carol"), reason="Alive again")

    assert topics() == ["project.flag"]


def test_unmapping_announces_the_removed_mapping():
    package = PackageFactory(distro=DistroFactory(name="Fedora"))

    services.package_unmap(package, agent="admin")

    assert not Package.objects.exists()
    [(topic, body)] = sent()
    assert topic == "project.map.remove"
    assert body["message"]["distro"] == "Fedora"


# -- flags --------------------------------------------------------------------------------


def test_flags_need_a_reason_and_change_state_once():
    project = ProjectFactory()
    author = UserFactory(username="carol")

    with pytest.raises(services.InvalidInput):
        services.flag_create(project, author=author, reason="   ")
    flag = services.flag_create(project, author=author, reason=" Wrong homepage ")

    assert flag.reason == "Wrong homepage"
    assert services.flag_set_state(flag, "closed", agent="admin")
    assert not services.flag_set_state(flag, "closed", agent="admin")
    with pytest.raises(services.InvalidInput):
        services.flag_set_state(flag, "maybe", agent="admin")
    assert [body["message"] for _, body in sent()][1] == {
        "agent": "admin",
        "flag": flag.pk,
        "state": "closed",
    }
    assert topics() == ["project.flag", "project.flag.set"]
