"""The project search as the site and API v1 run it: a name or a package name, each project
once, whichever way the query is built (trigram-indexed UNION for patterns with three
letters or more, the plain OR for shorter ones), and PostgreSQL's trigram indexes in place."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from projects.selectors.search import search_projects, site_search, trigram_searchable
from tests.factories import DistroFactory, PackageFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    fedora = DistroFactory(name="Fedora")
    by_name = ProjectFactory(name="gefufi")
    by_package = ProjectFactory(name="widget")
    PackageFactory(project=by_package, distro=fedora, package_name="python-GEFx")
    both = ProjectFactory(name="libgef")
    PackageFactory(project=both, distro=fedora, package_name="libgef-devel")
    ProjectFactory(name="unrelated")
    return {"by_name": by_name, "by_package": by_package, "both": both}


@pytest.mark.parametrize("pattern", ["gef", "GEF", "ge", "g", "*f*x*"])
def test_a_name_or_a_package_name_finds_each_project_once(catalogue, pattern):
    found = list(site_search(pattern).order_by("name").values_list("name", flat=True))
    expected = {
        "gef": ["gefufi", "libgef", "widget"],
        "GEF": ["gefufi", "libgef", "widget"],
        "ge": ["gefufi", "libgef", "widget"],
        "g": ["gefufi", "libgef", "widget"],
        "*f*x*": ["widget"],
    }[pattern]
    assert found == expected
    assert site_search(pattern).count() == len(expected)


def test_an_exact_pattern_without_a_star_is_the_exact_name(catalogue):
    assert list(search_projects("gefufi").values_list("name", flat=True)) == ["gefufi"]
    assert not search_projects("GEFUFI").exists()


@pytest.mark.parametrize(
    ("pattern", "indexable"),
    [("*gef*", True), ("py*", False), ("*a*b*c*", False), ("*abc*", True), ("*", False)],
)
def test_which_patterns_the_trigram_indexes_serve(pattern, indexable):
    assert trigram_searchable(pattern) is indexable


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's trigram indexes")
def test_the_trigram_indexes_exist():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname IN "
            "('project_name_trgm_idx', 'package_name_trgm_idx') ORDER BY indexname"
        )
        names = [row[0] for row in cursor.fetchall()]
    assert names == ["package_name_trgm_idx", "project_name_trgm_idx"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_a_search_looks_its_projects_up_whatever_the_planner_guesses():
    """PostgreSQL guesses from the pattern's length how many projects a trigram search finds
    (1% of them for ``%pipe%`` at 100,000, where 24 match) and then joined every project to
    the ids found: 25 ms instead of 1. The ids found are looked up by primary key, whatever
    the guess; here a join is made to look cheap by taking nested loops, the plan for a small
    guess, off the table."""
    ProjectFactory(name="the-pipe-tool")
    ProjectFactory(name="other")
    found = site_search("pipe").order_by("name")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_nestloop = off")
        plan = found.values_list("id", flat=True).explain()
        assert list(found.values_list("name", flat=True)) == ["the-pipe-tool"]
    assert "Join" not in plan  # the ids found, then their rows (by key, on a large table)
