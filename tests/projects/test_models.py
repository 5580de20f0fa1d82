"""Model rules users notice: uniqueness, the derived ecosystem, cascades, Anitya's JSON."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from projects.models import Distro, Flag, Package, Project, ProjectVersion
from tests.factories import (
    DistroFactory,
    FlagFactory,
    PackageFactory,
    ProjectFactory,
    ProjectVersionFactory,
)

pytestmark = pytest.mark.django_db


def test_same_name_and_homepage_is_refused():
    ProjectFactory(name="geany", homepage="https://www.geany.org/", backend="custom")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(name="geany", homepage="https://www.geany.org/", backend="GitHub")


def test_same_name_in_one_ecosystem_is_refused():
    ProjectFactory(name="requests", homepage="https://pypi.org/project/requests", backend="PyPI")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(name="requests", homepage="https://requests.readthedocs.io", backend="PyPI")


def test_same_name_in_two_ecosystems_is_allowed():
    ProjectFactory(name="left-pad", homepage="https://npmjs.com/left-pad", backend="npmjs")
    ProjectFactory(name="left-pad", homepage="https://pypi.org/project/left-pad", backend="PyPI")
    assert Project.objects.filter(name="left-pad").count() == 2


@pytest.mark.parametrize(
    ("backend", "ecosystem"),
    [
        ("PyPI", "pypi"),
        ("npmjs", "npm"),
        ("Rubygems", "rubygems"),
        ("Maven Central", "maven"),
        ("crates.io", "crates.io"),
        ("GitHub", "https://example.org/home"),
        ("custom", "https://example.org/home"),
        ("PyPI simple", "https://example.org/home"),
    ],
)
def test_ecosystem_is_derived_from_backend_or_homepage(backend, ecosystem):
    project = ProjectFactory(name="thing", homepage="https://example.org/home", backend=backend)
    project.refresh_from_db()
    assert project.ecosystem_name == ecosystem


def test_ecosystem_follows_backend_and_homepage_changes():
    project = ProjectFactory(name="thing", homepage="https://example.org/a", backend="PyPI")
    project.backend = "GitHub"
    project.save(update_fields=["backend"])
    project.refresh_from_db()
    assert project.ecosystem_name == "https://example.org/a"
    project.homepage = "https://example.org/b"
    project.save()
    project.refresh_from_db()
    assert project.ecosystem_name == "https://example.org/b"


def test_deleting_a_project_deletes_its_versions_mappings_and_flags():
    project = ProjectFactory()
    ProjectVersionFactory(project=project, version="1.0")
    package = PackageFactory(project=project)
    FlagFactory(project=project)
    project.delete()
    assert not ProjectVersion.objects.exists()
    assert not Package.objects.exists()
    assert not Flag.objects.exists()
    assert Distro.objects.filter(pk=package.distro_id).exists()


def test_deleting_a_distro_deletes_its_mappings_but_not_the_projects():
    package = PackageFactory()
    package.distro.delete()
    assert not Package.objects.exists()
    assert Project.objects.filter(pk=package.project_id).exists()


def test_distro_names_are_unique_ignoring_case():
    DistroFactory(name="Fedora")
    with pytest.raises(IntegrityError), transaction.atomic():
        DistroFactory(name="fedora")


def test_a_package_name_maps_to_one_project_per_distro():
    package = PackageFactory(package_name="python-requests")
    with pytest.raises(IntegrityError), transaction.atomic():
        PackageFactory(distro=package.distro, package_name="python-requests")
    PackageFactory(package_name="python-requests")  # another distro is fine


def test_a_version_is_stored_once_per_project():
    project = ProjectFactory()
    ProjectVersionFactory(project=project, version="1.0")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectVersionFactory(project=project, version="1.0")


def test_project_json_matches_anitya_shape():
    created = dt.datetime(2014, 9, 5, 11, 40, 22, 500000, tzinfo=dt.UTC)
    project = ProjectFactory(
        name="geany",
        homepage="https://www.geany.org/",
        backend="custom",
        version_url="https://www.geany.org/Download/Releases",
        regex="DEFAULT",
        version_prefix="geany-",
        version_filter="nightly",
        latest_version="1.1",
        created_on=created,
        updated_on=created,
    )
    for raw in ["geany-1.0", "v1.1", "1.1rc1-nightly", "1.1-rc2"]:
        ProjectVersionFactory(project=project, version=raw)
    PackageFactory(project=project, distro=DistroFactory(name="Fedora"), package_name="geany")

    data = project.as_json(detailed=True)

    assert list(data) == sorted(data)
    assert data == {
        "backend": "custom",
        "created_on": 1409917222.0,
        "ecosystem": "https://www.geany.org/",
        "homepage": "https://www.geany.org/",
        "id": project.pk,
        "name": "geany",
        "packages": [{"distro": "Fedora", "package_name": "geany"}],
        "regex": "DEFAULT",
        "stable_versions": ["1.1", "1.0"],
        "updated_on": 1409917222.0,
        "version": "1.1",
        "version_url": "https://www.geany.org/Download/Releases",
        "versions": ["1.1", "1.1-rc2", "1.0"],
    }
    assert "packages" not in project.as_json()


def test_spec_carries_what_a_check_needs():
    project = ProjectFactory(backend="GitHub", version_url="owner/repo", releases_only=True)
    ProjectVersionFactory(project=project, version="v2.0")
    project.etag = '"abc"'
    spec = project.to_spec()
    assert spec.backend == "GitHub"
    assert spec.releases_only is True
    assert spec.etag == '"abc"'
    assert spec.last_modified is None
    assert spec.stored_versions == ("v2.0",)
    assert not spec.first_check
