"""The site's search of a word answered from ``projects_search_names`` (PostgreSQL): the same
projects in the same order as searching the projects and their packages, and the names kept
true by the database whoever writes (the ORM, a queryset update, a bulk insert, TRUNCATE, two
transactions at once)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from projects.models import Package, Project
from projects.selectors.projects import PROJECT_SORTS, sorted_projects
from projects.selectors.search import (
    contained_word,
    search_projects,
    site_glob,
    site_search_ids,
)
from tests.factories import DistroFactory, PackageFactory, ProjectFactory

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the search names are PostgreSQL's"
)


def found_names(word: str, sort: str = "name_asc") -> list[str]:
    names = dict(Project.objects.values_list("id", "name"))
    return [names[project_id] for project_id in site_search_ids(word, sort=sort)]


def stored_names() -> dict[int, tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT project_id, sort_name, names FROM projects_search_names")
        return {project_id: (sort_name, names) for project_id, sort_name, names in cursor}


def names_worked_out() -> dict[int, tuple[str, str]]:
    """What the table should hold, from the projects and packages as the ORM reads them."""
    expected = {}
    for project in Project.objects.order_by("pk"):
        packages = project.packages.order_by("pk").values_list("package_name", flat=True)
        lines = [project.name.lower(), *(name.lower() for name in packages)]
        expected[project.pk] = (project.name.lower(), "\n".join(lines))
    return expected


@pytest.fixture
def fedora():
    return DistroFactory(name="Fedora")


@pytest.mark.parametrize(
    ("glob", "word"),
    [
        ("*gef*", "gef"),
        ("*g*", "g"),
        ("*a_b%*", "a_b%"),
        ("**", None),  # every project: no word
        ("*", None),
        ("gef*", None),  # a prefix: the names' other lines would match too
        ("*gef", None),
        ("*py*th*", None),
        ("*foo\nbar*", None),  # would run from a name into the next line
    ],
)
def test_which_globs_are_a_word_the_search_names_answer(glob, word):
    assert contained_word(glob) == word


@pytest.mark.parametrize("sort", sorted(PROJECT_SORTS))
@pytest.mark.parametrize("typed", ["gef", "GeF", "g", "a_b", "50%", "py*th", "x", "  gef "])
def test_the_ids_found_are_the_searchs_in_the_lists_order(fedora, typed, sort):
    for name, homepage, packages in [
        ("gefufi", "https://b.example.org", []),
        ("Gefufi", "https://a.example.org", ["other"]),
        ("widget", "https://c.example.org", ["python-GEFx", "gef-devel"]),
        ("a_b", "https://d.example.org", []),
        ("axb", "https://e.example.org", ["50%-off"]),
        ("python-thing", "https://f.example.org", []),
        ("unrelated", "https://g.example.org", []),
    ]:
        project = ProjectFactory(name=name, homepage=homepage)
        for package in packages:
            PackageFactory(project=project, distro=fedora, package_name=package)
    expected = sorted_projects(search_projects(site_glob(typed)), sort)
    assert site_search_ids(typed, sort=sort) == list(expected.values_list("id", flat=True))


def test_a_line_break_typed_does_not_join_a_name_to_its_package(fedora):
    project = ProjectFactory(name="foo")
    PackageFactory(project=project, distro=fedora, package_name="bar")
    assert found_names("foo\nbar") == []
    assert found_names("bar") == ["foo"]


@postgresql_only
def test_the_search_names_follow_every_change(fedora):
    debian = DistroFactory(name="Debian")
    gefufi = ProjectFactory(name="Gefufi")
    widget = ProjectFactory(name="widget")
    assert stored_names() == names_worked_out()

    package = PackageFactory(project=widget, distro=fedora, package_name="python-Zork")
    assert found_names("zork") == ["widget"]
    package.package_name = "python-quux"
    package.save()
    assert found_names("zork") == []
    assert found_names("quux") == ["widget"]
    package.project = gefufi
    package.save()
    assert found_names("quux") == ["Gefufi"]

    Package.objects.bulk_create(
        [
            Package(project=widget, distro=debian, package_name="blorp"),
            Package(project=gefufi, distro=fedora, package_name="blorp-gef"),
        ]
    )
    assert found_names("blorp") == ["Gefufi", "widget"]
    Package.objects.filter(package_name__startswith="blorp").update(package_name="plugh")
    assert found_names("blorp") == []
    assert found_names("plugh") == ["Gefufi", "widget"]

    Project.objects.filter(pk=widget.pk).update(name="Gadget")
    assert found_names("widg") == []
    assert found_names("gadg") == ["Gadget"]
    assert stored_names() == names_worked_out()

    Package.objects.filter(project=gefufi).delete()
    assert found_names("quux") == []
    assert found_names("plugh") == ["Gadget"]
    gefufi.delete()
    widget.refresh_from_db()
    widget.delete()
    assert stored_names() == {} == names_worked_out()


@postgresql_only
def test_the_checkers_updates_leave_the_search_names_alone(fedora):
    project = ProjectFactory(name="gefufi")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE projects_search_names SET names = 'stale'")
    Project.objects.filter(pk=project.pk).update(latest_version="1.0", error_counter=3)
    project.refresh_from_db()
    project.save()  # every column set, the name among them, unchanged
    assert stored_names() == {project.pk: ("gefufi", "stale")}


@postgresql_only
def test_truncating_either_table_keeps_the_search_names_true(fedora):
    project = ProjectFactory(name="gefufi")
    PackageFactory(project=project, distro=fedora, package_name="python-gefufi")
    with connection.cursor() as cursor:
        # The test's transaction holds the foreign keys' deferred checks, which TRUNCATE
        # refuses to run beside.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE projects_package CASCADE")
        assert stored_names() == {project.pk: ("gefufi", "gefufi")}
        cursor.execute("TRUNCATE projects_project CASCADE")
    assert stored_names() == {}


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_transactions_mapping_one_project_at_once_both_count(fedora):
    """One transaction has added a package and not committed when another adds one to the
    same project: the second waits for the first's row of names, then works the row out
    again from what the first committed, so both packages are found."""
    debian = DistroFactory(name="Debian")
    project = ProjectFactory(name="gefufi")
    errors: list[BaseException] = []

    def other_transaction() -> None:
        try:
            with transaction.atomic():
                Package.objects.create(project=project, distro=debian, package_name="second")
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    with transaction.atomic():
        Package.objects.create(project=project, distro=fedora, package_name="first")
        thread = threading.Thread(target=other_transaction)
        thread.start()
        time.sleep(0.5)  # the other transaction now waits for this one's row of names
    thread.join(30)
    assert errors == []
    assert found_names("first") == found_names("second") == ["gefufi"]
    assert stored_names() == names_worked_out()
