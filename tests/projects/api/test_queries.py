"""Lists cost a fixed number of queries, whatever the number of projects, versions and
mappings on the page (or in the answer, for v1's unpaginated lists)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.api import representations
from projects.models import Distro, Project
from tests.factories import PackageFactory, ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db

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
    "url", ["/api/projects/?pattern=py", "/api/v2/projects/?page=2", "/api/v2/packages/"]
)
def test_a_repeated_list_costs_two_queries(api, url):
    populate(0, 30)
    first = api.get(url)
    with CaptureQueriesContext(connection) as captured:
        again = api.get(url)
    assert again.content == first.content
    assert len(captured) == 2  # the database's generation: nothing changed
