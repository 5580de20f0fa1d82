"""The catalogue generation moves with every change of what lists hold, and never with a check;
the lists remembered under it (API and site) follow such changes at once."""

from __future__ import annotations

import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects import catalogue, representations
from projects.models import Catalogue, Distro, Package, Project
from projects.representations import answer_cache
from tests.factories import DistroFactory, PackageFactory, ProjectFactory, ProjectVersionFactory

# The generation is what committed transactions did: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _without_throttling(settings):
    """The counts here are the lists' own; the throttle's (a counter in the shared cache) are
    pinned in test_throttling.py."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "none", "user": "none"},
    }


@pytest.fixture(autouse=True)
def _fresh_caches():
    representations.clear_caches()
    yield
    representations.clear_caches()


def moves(change) -> bool:
    before = catalogue.generation()
    change()
    return catalogue.generation() != before


@pytest.fixture
def project() -> Project:
    return ProjectFactory(name="geany", homepage="https://www.geany.org/")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "geany-ide"),
        ("ecosystem_name", "elsewhere"),
        ("homepage", "https://geany.org/"),
        ("backend", "GitHub"),
        ("archived", True),
        ("regex", "geany-(.*)"),
        ("version_url", "https://download.geany.org/"),
    ],
)
def test_a_project_field_that_lists_show_or_sort_by_moves_it(project, field, value):
    assert moves(lambda: Project.objects.filter(pk=project.pk).update(**{field: value}))


def test_adding_and_deleting_projects_mappings_and_distros_move_it(project):
    assert moves(lambda: ProjectFactory(name="other"))
    distro = DistroFactory(name="Fedora")
    assert moves(lambda: Distro.objects.filter(pk=distro.pk).update(name="fedora"))
    package = PackageFactory(project=project, distro=distro, package_name="geany")
    assert moves(lambda: Package.objects.filter(pk=package.pk).update(package_name="geany2"))
    assert moves(lambda: Package.objects.filter(pk=package.pk).delete())
    assert moves(lambda: PackageFactory(project=project, distro=distro))
    assert moves(lambda: Distro.objects.filter(pk=distro.pk).delete())
    assert moves(lambda: Project.objects.filter(pk=project.pk).delete())


def test_what_a_check_writes_does_not_move_it(project):
    def check_found_nothing():
        now = timezone.now()
        Project.objects.filter(pk=project.pk).update(
            updated_on=now, last_check=now, next_check=now, error_counter=0, logs="ok"
        )

    def check_found_a_version():
        ProjectVersionFactory(project=project, version="2.0")
        project.latest_version = "2.0"
        project.save()

    assert not moves(check_found_nothing)
    assert not moves(check_found_a_version)


def test_it_is_not_trusted_inside_a_transaction(project):
    with transaction.atomic():
        assert catalogue.generation() is None


def test_a_lost_row_comes_back_with_a_value_never_used(project):
    old = catalogue.generation()
    Catalogue.objects.all().delete()
    new = catalogue.generation()
    assert new is not None
    assert new != old
    assert catalogue.generation() == new


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's commit-time trigger")
def test_on_postgresql_it_moves_once_per_transaction(project):
    before = catalogue.generation()
    with transaction.atomic():
        for name in ("a", "b", "c"):
            project.name = name
            project.save()
        ProjectFactory(name="d")
    assert catalogue.generation() == before + 1


# -- the lists follow ---------------------------------------------------------------------------


def names(client, url: str) -> list[str]:
    body = client.get(url).json()
    return [item.get("name") or item.get("project") for item in body.get("items", [])] or [
        item["name"] for item in body.get("projects", [])
    ]


@pytest.mark.parametrize("url", ["/api/v2/projects/?items_per_page=2&page=2", "/api/projects/"])
def test_lists_follow_additions_renames_and_deletions(client, url):
    for name in ("a", "b", "c", "d"):
        ProjectFactory(name=name)
    before = names(client, url)
    assert names(client, url) == before  # now from the caches
    ProjectFactory(name="aa")
    assert names(client, url) != before
    Project.objects.filter(name="aa").update(name="zz")
    assert "zz" in names(client, "/api/projects/")
    Project.objects.filter(name="zz").delete()
    assert names(client, url) == before


def test_the_package_list_follows_mappings(client, project):
    fedora = DistroFactory(name="Fedora")
    assert names(client, "/api/v2/packages/?distribution=fedora") == []
    PackageFactory(project=project, distro=fedora, package_name="geany")
    assert names(client, "/api/v2/packages/?distribution=fedora") == ["geany"]
    Distro.objects.filter(pk=fedora.pk).update(name="Fedora Linux")
    assert names(client, "/api/v2/packages/?distribution=fedora") == []


def test_a_check_shows_at_once_on_a_page(client, project):
    url = "/api/v2/projects/?name=geany"
    first = client.get(url).json()["items"][0]
    ProjectVersionFactory(project=project, version="2.0")
    Project.objects.filter(pk=project.pk).update(latest_version="2.0", updated_on=timezone.now())
    again = client.get(url).json()["items"][0]
    assert again["version"] == "2.0"
    assert again["updated_on"] >= first["updated_on"]


def test_a_long_list_shows_a_check_at_once(client, project, monkeypatch):
    """Long lists look up only the projects changed lately, late commits included."""
    monkeypatch.setattr(answer_cache, "EXACT_LIMIT", 0)
    ProjectFactory(name="other")
    assert client.get("/api/projects/").json()["projects"][0]["version"] is None
    ProjectVersionFactory(project=project, version="2.0")
    # Stamped before the answer was checked, committed after: within the commit margin.
    stamped = timezone.now() - representations.COMMIT_MARGIN / 2
    Project.objects.filter(pk=project.pk).update(latest_version="2.0", updated_on=stamped)
    with CaptureQueriesContext(connection) as captured:
        projects = client.get("/api/projects/").json()["projects"]
    assert [item["version"] for item in projects] == ["2.0", None]
    assert len(captured) == 4  # generation, changes, then the changed project's row and versions
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/projects/").json()["projects"] == projects
    assert len(captured) == 2  # generation, changes
    Project.objects.filter(name="other").update(latest_version="0.1", updated_on=timezone.now())
    projects = client.get("/api/projects/").json()["projects"]
    assert [(item["name"], item["version"]) for item in projects] == [
        ("geany", "2.0"),
        ("other", "0.1"),
    ]


def test_a_change_the_json_shows_moves_updated_on_whoever_writes_it(project):
    before = Project.objects.get(pk=project.pk).updated_on
    time.sleep(0.002)  # SQLite's trigger writes whole milliseconds
    Project.objects.filter(pk=project.pk).update(version_prefix="v")  # no auto_now here
    assert Project.objects.get(pk=project.pk).updated_on > before
    kept = timezone.now()
    Project.objects.filter(pk=project.pk).update(name="geany2", updated_on=kept)
    assert Project.objects.get(pk=project.pk).updated_on == kept  # the writer's own value


def test_the_site_list_follows_changes_and_repeats_in_two_lookups(client):
    for name in ("a", "b", "c"):
        ProjectFactory(name=name)
    client.get("/projects/")
    with CaptureQueriesContext(connection) as captured:
        again = client.get("/projects/")
    # The catalogue generation and the page's stamps: the whole page is kept (its footer's
    # latest check run for 30 s at most, projects/site/page_cache.py).
    assert len(captured) == 2, [query["sql"][:90] for query in captured.captured_queries]
    assert again.content.decode().count('<td class="name">') == 3
    Project.objects.filter(name="b").update(latest_version="9.9")  # updated_on moves itself
    assert "<td>9.9</td>" in client.get("/projects/").content.decode()
    ProjectFactory(name="aa")
    assert ">aa</a>" in client.get("/projects/").content.decode()
