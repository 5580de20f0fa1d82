"""The private Atom feed of a watchlist (``/watchlist/feed/<secret>/``) and its box on
/settings/notifications/: the URL is shown once, only its hash is stored, replacing or
removing it kills the old one, the watches' rules decide what is in it, and every secret
that opens nothing (unknown, replaced, removed, a banned owner's, hostile) gets the same 404.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.notify import services
from projects.notify.models import ChangeLevel, WatchlistFeed
from tests.factories import (
    DistroFactory,
    PackageFactory,
    ProjectFactory,
    ProjectVersionFactory,
    UserFactory,
)
from tests.projects.notify.factories import DistroWatchFactory, WatchFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SETTINGS = "/settings/notifications/"
FEED_URL = re.compile(r"http://testserver/watchlist/feed/([A-Za-z0-9_-]+)/")


@pytest.fixture
def ada():
    return UserFactory(username="ada", email="ada@example.org")


@pytest.fixture
def ada_client(ada):
    """Ada signed in, through a client that checks CSRF tokens like a browser's requests."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    return client


def post_with_csrf(client: Client, url: str):
    page = client.get(SETTINGS)
    assert page.status_code == 200
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else None
    token = token or client.cookies["csrftoken"].value
    return client.post(url, {"csrfmiddlewaretoken": token})


def feed_path(secret: str) -> str:
    return reverse("projects:watchlist_feed", args=[secret])


def entries(response) -> list[ET.Element]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None
    return root.findall(f"{ATOM}entry")


def titles(response) -> list[str]:
    return [entry.findtext(f"{ATOM}title") for entry in entries(response)]


def release(project, version: str, *, minutes_ago: int = 0, **fields):
    return ProjectVersionFactory(
        project=project,
        version=version,
        created_on=timezone.now() - dt.timedelta(minutes=minutes_ago),
        **fields,
    )


# -- the settings box ---------------------------------------------------------------------


def test_the_url_is_made_shown_once_and_stored_only_as_its_hash(ada, ada_client):
    page = ada_client.get(SETTINGS).content.decode()
    assert "Create feed URL" in page
    assert "You have no feed URL." in page

    response = post_with_csrf(ada_client, reverse("projects:feed_create"))
    assert response.status_code == 302
    assert response["Location"] == SETTINGS + "#watchlist-feed"

    shown = ada_client.get(SETTINGS).content.decode()
    secret = FEED_URL.search(shown).group(1)
    assert len(secret) == 43
    assert "it will not be shown again" in shown
    assert "Make a new URL (the old one stops working)" in shown
    feed = WatchlistFeed.objects.get(user=ada)
    assert feed.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {feed.key_hash, str(feed.pk)}

    again = ada_client.get(SETTINGS).content.decode()
    assert secret not in again
    assert FEED_URL.search(again) is None
    assert 'id="feed-status"' in again
    assert "never" in again

    assert ada_client.get(feed_path(secret)).status_code == 200
    read = ada_client.get(SETTINGS).content.decode()
    assert "never" not in read.split('id="feed-status"')[1].split("</dl>")[0]


def test_the_forms_need_a_csrf_token_and_a_signed_in_person(ada, ada_client):
    for name in ("feed_create", "feed_rotate", "feed_remove"):
        assert ada_client.post(reverse(f"projects:{name}")).status_code == 403
        anonymous = Client().post(reverse(f"projects:{name}"))
        assert anonymous.status_code == 302
        assert "login" in anonymous["Location"]
        assert ada_client.get(reverse(f"projects:{name}")).status_code == 405
    assert not WatchlistFeed.objects.exists()


def test_a_new_url_kills_the_old_one(ada, ada_client):
    project = ProjectFactory()
    WatchFactory(user=ada, project=project)
    release(project, "1.0")
    post_with_csrf(ada_client, reverse("projects:feed_create"))
    old = FEED_URL.search(ada_client.get(SETTINGS).content.decode()).group(1)
    Client().get(feed_path(old))
    assert WatchlistFeed.objects.get(user=ada).last_used is not None

    post_with_csrf(ada_client, reverse("projects:feed_rotate"))
    new = FEED_URL.search(ada_client.get(SETTINGS).content.decode()).group(1)
    assert new != old
    assert Client().get(feed_path(old)).status_code == 404
    assert titles(Client().get(feed_path(new))) == [f"{project.name} 1.0"]
    assert WatchlistFeed.objects.filter(user=ada).count() == 1


def test_removing_the_url_kills_it(ada, ada_client):
    post_with_csrf(ada_client, reverse("projects:feed_create"))
    secret = FEED_URL.search(ada_client.get(SETTINGS).content.decode()).group(1)
    response = post_with_csrf(ada_client, reverse("projects:feed_remove"))
    assert response.status_code == 302
    assert not WatchlistFeed.objects.exists()
    assert Client().get(feed_path(secret)).status_code == 404
    page = ada_client.get(SETTINGS).content.decode()
    assert "Feed URL removed" in page
    assert "Create feed URL" in page
    again = post_with_csrf(ada_client, reverse("projects:feed_remove"))
    assert again.status_code == 302
    assert "You had no feed URL." in ada_client.get(SETTINGS).content.decode()


def test_another_persons_feed_is_neither_shown_nor_guessable(ada, ada_client):
    bob = UserFactory(username="bob")
    bobs = services.watchlist_feed_new_secret(bob)
    page = ada_client.get(SETTINGS).content.decode()
    assert bobs not in page
    assert "You have no feed URL." in page
    # One character off, another case, one short, one long, and a fresh random one.
    off_by_one = bobs[:-1] + ("B" if bobs[-1] == "A" else "A")
    guesses = {off_by_one, bobs.swapcase(), bobs[:-1], bobs + "A", secrets.token_urlsafe(32)}
    for secret in guesses - {bobs}:
        assert Client().get(feed_path(secret)).status_code == 404
    assert Client().get(feed_path(bobs)).status_code == 200


# -- the feed ----------------------------------------------------------------------------


def test_the_feed_is_atom_newest_first_linking_each_project(ada):
    older, newer = ProjectFactory(name="older"), ProjectFactory(name="newer")
    WatchFactory(user=ada, project=older)
    WatchFactory(user=ada, project=newer)
    published = timezone.now() - dt.timedelta(days=3)
    release(older, "2.0", minutes_ago=30, published_at=published)
    release(newer, "5.1", minutes_ago=10)
    release(ProjectFactory(name="unwatched"), "9.0")
    secret = services.watchlist_feed_new_secret(ada)

    response = Client().get(feed_path(secret))
    found = entries(response)
    assert [entry.findtext(f"{ATOM}title") for entry in found] == ["newer 5.1", "older 2.0"]
    link = found[1].find(f"{ATOM}link").get("href")
    assert link == "http://testserver" + reverse("projects:project", args=[older.pk])
    assert found[1].findtext(f"{ATOM}published").startswith(published.strftime("%Y-%m-%dT%H:%M"))
    assert len({entry.findtext(f"{ATOM}id") for entry in found}) == 2
    root = ET.fromstring(response.content)
    assert root.findtext(f"{ATOM}title") == "releasemon: your watchlist"
    assert response["Cache-Control"] == "private, no-cache"
    assert "noindex" in response["X-Robots-Tag"]


def test_the_feed_applies_the_watches_rules(ada):
    stable_only = ProjectFactory(name="stable")
    WatchFactory(user=ada, project=stable_only)
    release(stable_only, "1.0", minutes_ago=50)
    release(stable_only, "1.1rc1", minutes_ago=40)

    majors = ProjectFactory(name="majors")
    WatchFactory(user=ada, project=majors, min_change=ChangeLevel.MAJOR)
    release(majors, "1.0", minutes_ago=50)
    release(majors, "1.1", minutes_ago=40)
    release(majors, "2.0", minutes_ago=30)

    patterned = ProjectFactory(name="patterned")
    WatchFactory(user=ada, project=patterned, include_pattern=r"^3\.", exclude_pattern="3\\.1")
    for version in ("2.9", "3.0", "3.1"):
        release(patterned, version, minutes_ago=20)

    held = ProjectFactory(name="held")
    WatchFactory(user=ada, project=held, hold_hours=2)
    release(held, "1.0", minutes_ago=180)
    release(held, "1.1", minutes_ago=60)

    filtered = ProjectFactory(name="filtered", version_filter="beta")
    WatchFactory(user=ada, project=filtered, stable_only=False)
    release(filtered, "1.0beta", minutes_ago=5)
    release(filtered, "0.9", minutes_ago=6)

    secret = services.watchlist_feed_new_secret(ada)
    assert sorted(titles(Client().get(feed_path(secret)))) == [
        "filtered 0.9",
        "held 1.0",
        "majors 1.0",
        "majors 2.0",
        "patterned 3.0",
        "stable 1.0",
    ]


def test_distribution_watches_count_and_a_direct_watch_decides_alone(ada):
    distro = DistroFactory(name="Fedora")
    DistroWatchFactory(user=ada, distro=distro)
    mapped, both = ProjectFactory(name="mapped"), ProjectFactory(name="both")
    PackageFactory(distro=distro, project=mapped)
    PackageFactory(distro=distro, project=both)
    PackageFactory(distro=DistroFactory(), project=ProjectFactory(name="elsewhere"))
    # Ada's own watch of "both" hears of majors only, whatever the distribution watch says.
    WatchFactory(user=ada, project=both, min_change=ChangeLevel.MAJOR)
    release(mapped, "1.0", minutes_ago=30)
    release(mapped, "1.1rc1", minutes_ago=20)
    release(both, "1.0", minutes_ago=25)
    release(both, "1.1", minutes_ago=15)

    secret = services.watchlist_feed_new_secret(ada)
    assert titles(Client().get(feed_path(secret))) == ["both 1.0", "mapped 1.0"]


def test_the_feed_has_at_most_50_entries_in_a_bounded_number_of_queries(
    ada, django_assert_max_num_queries
):
    distro = DistroFactory()
    DistroWatchFactory(user=ada, distro=distro)
    for index in range(30):
        project = ProjectFactory(name=f"p{index:02}")
        if index % 2:
            WatchFactory(user=ada, project=project, stable_only=False)
        else:
            PackageFactory(distro=distro, project=project)
        for minor in range(3):
            release(project, f"{index}.{minor}", minutes_ago=index * 3 + minor)
    secret = services.watchlist_feed_new_secret(ada)
    client = Client()
    client.get(feed_path(secret))  # the first read notes last_used

    with django_assert_max_num_queries(5):
        found = titles(client.get(feed_path(secret)))
    assert len(found) == 50
    assert found[:3] == ["p00 0.0", "p00 0.1", "p00 0.2"]


def test_an_empty_watchlist_is_an_empty_feed(ada):
    secret = services.watchlist_feed_new_secret(ada)
    assert entries(Client().get(feed_path(secret))) == []


# -- secrets that open nothing --------------------------------------------------------------


def test_a_banned_owner_gets_the_same_404_as_an_unknown_secret(ada):
    WatchFactory(user=ada)
    secret = services.watchlist_feed_new_secret(ada)
    ada.is_active = False
    ada.save()
    banned = Client().get(feed_path(secret))
    unknown_secret = "B" * 43
    unknown = Client().get(feed_path(unknown_secret))
    assert banned.status_code == unknown.status_code == 404
    assert banned.content.replace(secret.encode(), b"") == unknown.content.replace(
        unknown_secret.encode(), b""
    )
    assert services.watchlist_feed_owner(secret) is None
    ada.is_active = True
    ada.save()
    assert services.watchlist_feed_owner(secret) == ada


@pytest.mark.parametrize(
    "path_secret",
    [
        "x" * 100_000,
        "%00" * 43,
        "A" * 42 + "%00",
        "é" * 43,
        "%F0%9F%92%A5" * 43,
        "%ff%fe" * 30,
        "..%2F..%2Fetc%2Fpasswd",
        "A" * 42 + "%0A",
        " " * 43,
        "'%20OR%201=1--",
    ],
)
def test_hostile_secrets_are_not_found(ada, path_secret):
    """404, or the site's 400 for a path with a control character or that is not UTF-8
    (refused before any view, whatever the secret): never a 500, never the feed."""
    WatchFactory(user=ada)
    services.watchlist_feed_new_secret(ada)
    response = Client().get(f"/watchlist/feed/{path_secret}/")
    refused_by_the_site = any(bad in path_secret for bad in ("%00", "%0A", "%ff"))
    assert response.status_code == (400 if refused_by_the_site else 404)


def test_hostile_secrets_through_the_service():
    for secret in ("", "\x00" * 43, "\ud800" * 43, "é" * 43, "x" * 1_000_000):
        assert services.watchlist_feed_owner(secret) is None
