"""The project page anonymous visitors share: rendered once, never stale past a change.

These tests commit (``transaction=True``): inside a test's transaction nothing is cached.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from projects import services
from projects.site.page_cache import forget_pages
from tests.factories import ProjectFactory, ProjectVersionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    forget_pages()
    yield
    forget_pages()


@pytest.fixture
def project():
    project = ProjectFactory(name="geany", latest_version="1.0")
    ProjectVersionFactory(project=project, version="1.0")
    return project


def _page(client: Client, path: str) -> tuple[str, int]:
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_a_second_anonymous_visitor_gets_the_same_page_without_rendering_it(project):
    path = f"/project/{project.pk}/"
    first, rendered = _page(Client(), path)
    again, cached = _page(Client(), path)
    assert again == first
    assert cached == 1 < rendered  # the stamp and generation, in one statement


def test_a_new_version_shows_at_once(project):
    path = f"/project/{project.pk}/"
    assert "1.1" not in _page(Client(), path)[0]
    with transaction.atomic():
        ProjectVersionFactory(project=project, version="1.1")
        services.versions_delete(project, ["1.0"], agent="test")  # moves the stamp
    page = _page(Client(), path)[0]
    assert "1.1" in page and ">1.0<" not in page


def test_a_new_mapping_shows_at_once(project):
    path = f"/project/{project.pk}/"
    _page(Client(), path)
    with transaction.atomic():
        services.package_map(project, distro="Fedora", package_name="geany-ide", agent="test")
    assert "geany-ide" in _page(Client(), path)[0]


def test_each_page_of_versions_is_its_own(project):
    for number in range(2, 130):
        ProjectVersionFactory(project=project, version=f"1.{number}")
    first = _page(Client(), f"/project/{project.pk}/")[0]
    second = _page(Client(), f"/project/{project.pk}/?page=2")[0]
    assert first != second


def test_a_signed_in_user_never_gets_the_shared_page(project):
    path = f"/project/{project.pk}/"
    anonymous = _page(Client(), path)[0]
    user = Client()
    user.force_login(UserFactory(username="ada"))
    signed_in, queries = _page(user, path)
    assert "ada" in signed_in and "ada" not in anonymous
    assert queries > 1


def test_a_visitor_with_messages_gets_a_page_of_their_own(project):
    path = f"/project/{project.pk}/"
    _page(Client(), path)
    visitor = Client()
    visitor.cookies["messages"] = "anything"
    assert _page(visitor, path)[1] > 1  # rendered for them, not taken from the cache


def test_an_unknown_project_is_still_a_404():
    assert Client().get("/project/999999/").status_code == 404


# -- the project list and the search results -------------------------------------------------


@pytest.mark.parametrize("path", ["/projects/", "/projects/search/?pattern=gean"])
def test_a_list_page_is_rendered_once_for_anonymous_visitors(project, path):
    ProjectFactory(name="geany-plugins")
    first, rendered = _page(Client(), path)
    again, cached = _page(Client(), path)
    assert again == first and "geany-plugins" in first
    assert cached == 2 < rendered  # the generation, and the shown projects' stamps


@pytest.mark.parametrize("path", ["/projects/", "/projects/search/?pattern=gean"])
def test_a_checked_project_shows_its_new_version_on_the_list_at_once(project, path):
    ProjectFactory(name="geany-plugins")
    assert "1.7" not in _page(Client(), path)[0]
    with transaction.atomic():
        project.latest_version = "1.7"
        project.save()  # as a check that stores a version: the stamp moves
    assert "1.7" in _page(Client(), path)[0]


def test_a_new_project_shows_in_the_search_results_at_once(project):
    path = "/projects/search/?pattern=gean"
    ProjectFactory(name="geany-plugins")
    assert "geany-themes" not in _page(Client(), path)[0]
    with transaction.atomic():
        services.project_create(
            name="geany-themes",
            homepage="https://example.org/geany-themes",
            backend="custom",
            version_url="https://example.org/geany-themes/releases",
            agent="test",
            validate=False,
        )
    assert "geany-themes" in _page(Client(), path)[0]


def test_each_search_and_page_is_its_own(project):
    for number in range(60):
        ProjectFactory(name=f"geany-{number:02}")
    first = _page(Client(), "/projects/search/?pattern=gean")[0]
    second = _page(Client(), "/projects/search/?pattern=gean&page=2")[0]
    other = _page(Client(), "/projects/search/?pattern=geany-5")[0]
    assert len({first, second, other}) == 3
    assert "geany-59" in second and "geany-59" not in first and "geany-01" not in other


def test_a_signed_in_user_gets_search_results_with_watch_buttons(project):
    ProjectFactory(name="geany-plugins")
    path = "/projects/search/?pattern=gean"
    _page(Client(), path)
    user = Client()
    user.force_login(UserFactory(username="ada"))
    page, queries = _page(user, path)
    assert "ada" in page and queries > 2
