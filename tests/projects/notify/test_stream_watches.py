"""A watch that follows one release stream: the fan-out, the rules page and API v2."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from messaging.outbox import emit_all
from messaging.topics import PROJECT_VERSION_UPDATE_V2
from projects import messages, services
from projects.models import Project, ProjectVersion
from projects.notify import fanout
from projects.notify import services as notify
from projects.notify.models import Delivery, Watch
from projects.services import InvalidInput, StreamFields
from tests.factories import DistroFactory, PackageFactory, ProjectFactory, UserFactory

from .factories import ChannelFactory, DistroWatchFactory, WatchFactory, release

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fast_passwords_and_fresh_caches(settings, fresh_caches):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def node():
    """Parallel lines 18 and 20, their history fanned out (to nobody)."""
    project = ProjectFactory(name="node", version_scheme="Semantic")
    for raw, day in [("18.0.0", 0), ("20.0.0", 360), ("18.19.0", 500), ("20.10.0", 520)]:
        ProjectVersion.objects.create(
            project=project, version=raw, created_on=DAY + dt.timedelta(day)
        )
    fanout.fan_out()
    return Project.objects.get(pk=project.pk)


def watcher(project, **rules) -> Watch:
    watch = WatchFactory(project=project, **rules)
    ChannelFactory(user=watch.user)
    return watch


def delivered(watch: Watch) -> list[list[str]]:
    return [d.payload["versions"] for d in Delivery.objects.filter(watch=watch).order_by("id")]


def test_a_stream_watch_hears_only_of_its_stream(node):
    eighteen, everything = watcher(node, stream="18"), watcher(node)
    release(node, "18.20.0", "20.11.0")
    fanout.fan_out()
    assert delivered(eighteen) == [["18.20.0"]]
    assert delivered(everything) == [["18.20.0", "20.11.0"]]


def test_a_watch_of_a_defined_stream_follows_its_pattern_ignoring_case(node):
    services.stream_create(node, StreamFields("LTS", r"^(18|20)\."), agent="ada")
    lts = watcher(node, stream="lts")
    release(node, "20.11.0", "21.0.0")
    fanout.fan_out()
    assert delivered(lts) == [["20.11.0"]]


def test_the_stream_an_event_recorded_is_the_one_that_counts(node):
    """A definition added after the check does not change who heard of it."""
    lts = watcher(node, stream="LTS")
    with transaction.atomic():
        ProjectVersion.objects.create(project=node, version="20.11.0")
        rows = emit_all(
            messages.version_update(
                node,
                upstream_version="20.11.0",
                old_version="20.10.0",
                upstream_versions=["20.11.0"],
                streams={"20.11.0": "LTS"},
            )
        )
    services.stream_create(node, StreamFields("Iron", r"^20\."), agent="ada")
    fanout.fan_out()
    (delivery,) = Delivery.objects.filter(watch=lts)
    event = next(row for row in rows if row.topic == PROJECT_VERSION_UPDATE_V2)
    assert delivery.event_id == event.pk
    assert delivery.payload["streams"] == {"20.11.0": "LTS"}


def test_a_watch_of_a_stream_that_does_not_exist_yet_waits_for_it(node):
    future = watcher(node, stream="22")
    release(node, "20.11.0")
    fanout.fan_out()
    assert delivered(future) == []
    release(node, "22.0.0")
    fanout.fan_out()
    assert delivered(future) == [["22.0.0"]]


def test_a_distribution_watch_follows_no_stream(node):
    distro = DistroFactory(name="Fedora")
    PackageFactory(project=node, distro=distro)
    watch = DistroWatchFactory(distro=distro)
    with pytest.raises(InvalidInput) as refused:
        notify.watch_set_rules(watch, notify.WatchRules(stream="18"))
    assert "Only a watch of one project" in refused.value.errors["stream"]


@pytest.mark.parametrize(("stream", "says"), [("x" * 41, "At most 40"), ("a\tb", "printable")])
def test_bad_stream_names_are_refused(node, stream, says):
    watch = WatchFactory(project=node)
    with pytest.raises(InvalidInput) as refused:
        notify.watch_set_rules(watch, notify.WatchRules(stream=stream))
    assert says in refused.value.errors["stream"]


# -- the rules page -------------------------------------------------------------------------


def test_the_rules_page_sets_a_stream_and_warns_when_the_project_has_none_of_that_name(node):
    ada = UserFactory(username="ada")
    client = Client()
    client.force_login(ada)
    watch = WatchFactory(user=ada, project=node)
    form = client.get(f"/watchlist/{watch.pk}/rules").content.decode()
    assert 'name="stream"' in form and '<option value="18">' in form
    rules = {"stable_only": "on", "min_change": "any", "hold_hours": "0"}
    saved = client.post(f"/watchlist/{watch.pk}/rules", {**rules, "stream": "18"}, follow=True)
    watch.refresh_from_db()
    assert watch.stream == "18"
    page = saved.content.decode()
    assert "stream 18" in page and "has no release stream" not in page
    later = client.post(f"/watchlist/{watch.pk}/rules", {**rules, "stream": "22"}, follow=True)
    assert "node has no release stream named &#x27;22&#x27; now" in later.content.decode()
    bad = client.post(f"/watchlist/{watch.pk}/rules", {**rules, "stream": "a\x1bb"})
    assert bad.status_code == 400 and "printable" in bad.content.decode()


# -- API v2 ---------------------------------------------------------------------------------


@pytest.fixture
def api() -> APIClient:
    _, secret = ApiToken.issue(UserFactory(email="alice@example.org"), "scripts")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_the_api_sets_a_stream_and_warns_of_an_unknown_one(api, node):
    created = api.post("/api/v2/watches/", {"project_id": node.pk, "stream": "20"}, format="json")
    assert created.status_code == 201
    assert created.json()["stream"] == "20" and "warnings" not in created.json()
    watch_id = created.json()["id"]
    edited = api.patch(f"/api/v2/watches/{watch_id}/", {"stream": "LTS"}, format="json")
    assert edited.status_code == 200
    assert edited.json()["stream"] == "LTS"
    assert edited.json()["warnings"] == [
        "node has no release stream named 'LTS' now (streams: 18, 20); the watch hears "
        "nothing until one holds a new version."
    ]
    assert "warnings" not in api.get(f"/api/v2/watches/{watch_id}/").json()


@pytest.mark.parametrize("stream", ["x" * 41, "a\nb", 7])
def test_the_api_refuses_bad_stream_names_with_400(api, node, stream):
    answer = api.post("/api/v2/watches/", {"project_id": node.pk, "stream": stream}, format="json")
    assert answer.status_code == 400
    assert "stream" in answer.json()["message"]
    assert not Watch.objects.exists()


def test_the_api_refuses_a_stream_on_a_distribution_watch(api, node):
    DistroFactory(name="Fedora")
    answer = api.post("/api/v2/watches/", {"distribution": "fedora", "stream": "18"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["message"] == {
        "stream": "Only a watch of one project can follow a release stream."
    }


def test_a_held_release_is_superseded_only_by_a_newer_one_of_its_stream(node):
    watcher(node, stream="18", hold_hours=1)
    release(node, "18.20.0")
    fanout.fan_out()
    release(node, "20.11.0")  # another stream: supersedes nothing
    fanout.fan_out()
    later = timezone.now() + dt.timedelta(hours=2)
    assert fanout.release_held(later) == (1, 0)
    release(node, "18.20.1")
    fanout.fan_out()
    (held,) = Delivery.objects.filter(payload__versions=["18.20.1"])
    release(node, "18.20.2")
    fanout.fan_out()
    assert fanout.release_held(later + dt.timedelta(hours=2)) == (1, 1)
    held.refresh_from_db()
    assert (held.state, held.error) == (Delivery.State.DROPPED, "superseded by 18.20.2")
