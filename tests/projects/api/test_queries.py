"""Lists cost a fixed number of queries, whatever the number of projects, versions and
mappings on the page (or in the answer, for v1's unpaginated lists)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import representations
from projects.models import Distro, Project
from tests.factories import PackageFactory, ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _without_throttling(settings):
    """The counts here are the lists' own; the throttle's (a counter in the shared cache) are
    pinned in test_throttling.py."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "none", "user": "none"},
    }


# (url, most queries) with nothing cached: the database's generation (2, for the list cache),
# then the count, the page (or ids), the project rows and their versions; package pages also
# look the distribution up and name the distros.
URLS = [
    ("/api/v2/projects/?items_per_page=25", 6),
    ("/api/v2/projects/?items_per_page=25&name=PY001", 6),
    ("/api/v2/packages/?distribution=fedora", 8),
    ("/api/v2/packages/", 7),
    ("/api/projects/?pattern=py", 5),
    ("/api/projects/?distro=Debian", 6),
    ("/api/project/{id}", 3),
    ("/api/v2/versions/?project_id={id}", 2),
]


def populate(first: int, count: int) -> None:
    """``count`` projects, each with 4 versions and a package in two distros."""
    fedora, _ = Distro.objects.get_or_create(name="Fedora")
    debian, _ = Distro.objects.get_or_create(name="Debian")
    for index in range(first, first + count):
        project = ProjectFactory(name=f"py{index:03d}", version_prefix="v")
        for number in range(4):
            ProjectVersionFactory(project=project, version=f"v1.{number}")
        for distro in (fedora, debian):
            PackageFactory(project=project, distro=distro, package_name=f"python-{index:03d}")


def cold_queries(api, url: str) -> int:
    representations.clear_caches()
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(("url", "most"), URLS)
def test_queries_do_not_grow_with_the_data(api, url, most, django_assert_max_num_queries):
    populate(0, 5)
    url = url.format(id=Project.objects.order_by("pk").first().pk)
    with django_assert_max_num_queries(most):
        with_5 = cold_queries(api, url)
    populate(5, 45)
    with django_assert_max_num_queries(most):
        with_50 = cold_queries(api, url)
    assert with_5 == with_50


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # the catalogue generation, then the stamps of the answer's projects
        ("/api/projects/?pattern=py", 2),
        ("/api/v2/projects/?page=2&items_per_page=10", 2),
        # ... and the page's mappings, read by primary key
        ("/api/v2/packages/?page=3&items_per_page=10", 3),
    ],
)
@pytest.mark.django_db(transaction=True)
def test_a_repeated_list_costs_a_few_primary_key_lookups(api, url, queries):
    populate(0, 30)
    first = api.get(url)
    with CaptureQueriesContext(connection) as captured:
        again = api.get(url)
    assert again.content == first.content
    assert len(captured) == queries, [query["sql"] for query in captured.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_every_page_costs_the_same_once_the_list_was_read(api):
    """No COUNT and no OFFSET: the list's ids are remembered, a page is a slice of them."""
    populate(0, 30)
    api.get("/api/v2/projects/?items_per_page=5")
    for page in (2, 6):
        with CaptureQueriesContext(connection) as captured:
            response = api.get(f"/api/v2/projects/?items_per_page=5&page={page}")
        assert response.json()["total_items"] == 30
        assert response.json()["items"][0]["name"] == f"py{(page - 1) * 5:03d}"
        sql = " ".join(query["sql"] for query in captured.captured_queries).upper()
        assert "COUNT(" not in sql
        assert "OFFSET" not in sql
