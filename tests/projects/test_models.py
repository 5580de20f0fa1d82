"""Model rules users notice: uniqueness, the derived ecosystem, cascades, Anitya's JSON."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import IntegrityError, connection, models, transaction

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


# -- the trigger that keeps updated_on honest (migration 0005) ------------------------------

#: Values that change how the sample project's versions show, where a generic new value would
#: not: an unknown scheme is refused, a pattern must be one the Calendar scheme can read, and
#: filters must match one of the versions.
OTHER_VALUES: dict[str, Any] = {
    "version_scheme": "RPM",
    "version_pattern": "YYYY.MMMODIFIER",
    "version_filter": "2024.1",
    "pre_release_filter": "2024.2",
}
#: Shown by the JSON but not watched, by design: ``updated_on`` is what the trigger moves, and
#: ``created_on`` is written once, when the row is inserted (the trigger watches updates).
NOT_WATCHED = {"updated_on", "created_on"}


def _other_value(field: models.Field, current: Any) -> Any:
    """A value of ``field``'s type different from ``current``."""
    if field.name in OTHER_VALUES:
        return OTHER_VALUES[field.name]
    if isinstance(field, models.BooleanField):
        return not current
    if isinstance(field, models.IntegerField):
        return (current or 0) + 1
    if isinstance(field, models.DateTimeField):
        return (current or dt.datetime(2020, 1, 1, tzinfo=dt.UTC)) + dt.timedelta(days=1)
    if isinstance(field, models.JSONField):
        return {"https://changed.example": {"username": "u", "password": "p"}}
    if isinstance(field, models.CharField | models.TextField):
        return f"{current or ''}changed"
    raise AssertionError(f"no other value known for Project.{field.name}: add one to OTHER_VALUES")


def _json_columns(project: Project) -> set[str]:
    """The project columns whose value ``as_json()`` shows, found by changing each in turn."""

    def shown() -> dict[str, Any]:
        project.__dict__.pop("sorted_versions", None)
        return project.as_json()

    before, columns = shown(), set()
    for field in Project._meta.concrete_fields:
        if field.primary_key:
            continue
        current = getattr(project, field.attname)
        setattr(project, field.attname, _other_value(field, current))
        if shown() != before:
            columns.add(field.column)
        setattr(project, field.attname, current)
    assert shown() == before
    return columns


def _trigger_columns(name: str) -> set[str]:
    """The columns the installed trigger ``name`` compares (``OLD.<column>``), updated_on aside."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [name]
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = %s", [name]
            )
        else:
            pytest.skip(f"no catalogue triggers on {connection.vendor}")
        (definition,) = cursor.fetchone()
    return {column.lower() for column in re.findall(r"\bOLD\.(\w+)", definition, re.I)} - {
        "updated_on"
    }


def test_the_updated_on_trigger_watches_every_column_the_json_shows():
    """A column added to the project's JSON without the trigger (migration 0005) fails here: a
    writer that does not move updated_on (the admin, raw SQL) would leave every cache keyed by
    it stale. The trigger also watches what decides list membership (the catalogue trigger's
    columns, such as archived), which the JSON does not show."""
    project = ProjectFactory(
        name="geany",
        homepage="https://www.geany.org/",
        version_url="https://www.geany.org/download/",
        regex="geany-(.*)",
        version_scheme="Calendar",
        version_pattern="YYYY.MM",
        version_prefix="geany-",
        latest_version="2024.10",
    )
    for raw in ("geany-2024.1", "geany-2024.2", "geany-2024.10", "geany-2024.10rc1"):
        ProjectVersionFactory(project=project, version=raw)
    project = Project.objects.get(pk=project.pk)

    shown = _json_columns(project)
    watched = _trigger_columns("projects_project_touch")
    listed = _trigger_columns("projects_project_catalogue_update")

    assert set(OTHER_VALUES) <= shown, "the sample no longer shows these values"
    assert shown - NOT_WATCHED - watched == set(), "shown by the JSON, not moving updated_on"
    assert watched - shown - listed == set(), "moving updated_on, yet neither shown nor listed"
