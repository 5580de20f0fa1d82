"""Atom feeds of new versions: per project, per distro, per ecosystem, and of everything."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import (
    DistroFactory,
    PackageFactory,
    ProjectFactory,
    ProjectVersionFactory,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def site_host(settings):
    settings.ALLOWED_HOSTS = ["releases.example.org", "testserver"]


def read_feed(client, url: str) -> ElementTree.Element:
    response = client.get(url, HTTP_HOST="releases.example.org")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ElementTree.fromstring(response.content)


def titles(feed: ElementTree.Element) -> list[str]:
    return [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]


def test_project_feed_lists_its_new_versions_newest_first(client):
    now = timezone.now()
    project = ProjectFactory(name="geany", version_prefix="geany-", version_filter="nightly")
    ProjectVersionFactory(project=project, version="geany-1.0", created_on=now - dt.timedelta(2))
    ProjectVersionFactory(
        project=project,
        version="geany-2.0",
        created_on=now,
        published_at=now - dt.timedelta(hours=3),
        commit_url="https://example.org/commit/1",
    )
    ProjectVersionFactory(project=project, version="geany-3.0-nightly", created_on=now)
    ProjectVersionFactory(project=ProjectFactory(name="other"), version="9.9")

    feed = read_feed(client, f"/project/{project.pk}/feed/")

    assert feed.findtext(f"{ATOM}title") == "geany: new versions"
    assert titles(feed) == ["geany 2.0", "geany 1.0"]  # parsed, filtered one left out
    entry = next(feed.iter(f"{ATOM}entry"))
    link = entry.find(f"{ATOM}link").get("href")
    assert link == f"http://releases.example.org/project/{project.pk}/"
    assert entry.findtext(f"{ATOM}id").startswith(link + "#version-geany-2.0")
    assert "https://example.org/commit/1" in entry.findtext(f"{ATOM}summary")
    self_link = [
        node.get("href") for node in feed.findall(f"{ATOM}link") if node.get("rel") == "self"
    ]
    assert self_link == [f"http://releases.example.org/project/{project.pk}/feed/"]


def test_project_feed_escapes_hostile_names(client):
    project = ProjectFactory(name="<script>alert(1)</script>")
    ProjectVersionFactory(project=project, version="1.0")
    response = client.get(f"/project/{project.pk}/feed/")
    assert b"<script>" not in response.content
    assert titles(ElementTree.fromstring(response.content)) == ["<script>alert(1)</script> 1.0"]


def test_distro_feed_has_the_versions_of_the_projects_mapped_in_it(client):
    fedora = DistroFactory(name="Fedora")
    mapped = ProjectFactory(name="mapped")
    PackageFactory(project=mapped, distro=fedora)
    ProjectVersionFactory(project=mapped, version="1.0")
    ProjectVersionFactory(project=ProjectFactory(name="unmapped"), version="2.0")

    feed = read_feed(client, "/distro/fedora/feed/")

    assert titles(feed) == ["mapped 1.0"]
    assert feed.findtext(f"{ATOM}title") == "Fedora: new versions"
    assert client.get("/distro/nowhere/feed/").status_code == 404


def test_ecosystem_feed_has_the_versions_of_that_index(client):
    pypi = ProjectFactory(name="requests", backend="PyPI", homepage="https://pypi.org/p/r")
    ProjectVersionFactory(project=pypi, version="2.32.0")
    ProjectVersionFactory(project=ProjectFactory(name="elsewhere"), version="1.0")

    assert titles(read_feed(client, "/ecosystem/pypi/feed/")) == ["requests 2.32.0"]
    assert titles(read_feed(client, "/ecosystem/PyPI/feed/")) == ["requests 2.32.0"]
    assert client.get("/ecosystem/nowhere/feed/").status_code == 404


def test_everything_feed_is_bounded_to_the_latest_50_in_fixed_queries(client):
    now = timezone.now()
    for index in range(5):
        ProjectVersionFactory(version=f"0.{index}", created_on=now - dt.timedelta(hours=1))
    read_feed(client, "/feed/")  # the site's domain is read once, then cached
    with CaptureQueriesContext(connection) as few:
        read_feed(client, "/feed/")
    for index in range(60):
        ProjectVersionFactory(version=f"1.{index}", created_on=now + dt.timedelta(seconds=index))

    with CaptureQueriesContext(connection) as many:
        feed = read_feed(client, "/feed/")

    assert len(titles(feed)) == 50
    assert titles(feed)[0].endswith(" 1.59")
    assert len(many) == len(few) == 1  # the versions with their projects


def test_pages_link_their_feeds(client):
    project = ProjectFactory(backend="PyPI", homepage="https://pypi.org/project/x")
    DistroFactory(name="Fedora")
    project_page = client.get(f"/project/{project.pk}/").content.decode()
    distro_page = client.get("/distro/Fedora/").content.decode()
    home = client.get("/").content.decode()

    assert f'type="application/atom+xml" title="New versions of {project.name}"' in project_page
    assert 'href="/ecosystem/pypi/feed/"' in project_page
    assert 'href="/distro/Fedora/feed/"' in distro_page
    assert 'href="/feed/"' in home
