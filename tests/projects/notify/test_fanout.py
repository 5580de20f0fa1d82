"""The fan-out: version events into deliveries, once; the maturity delay."""

import datetime as dt
import threading

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from messaging.models import OutboxMessage
from messaging.outbox import emit
from messaging.topics import project_add
from projects.models import Project, ProjectVersion
from projects.notify import fanout, tasks
from projects.notify.models import Channel, Delivery, FanOutCursor, Watch
from releasemon.schedules import SCHEDULES
from tests.factories import DistroFactory, PackageFactory, ProjectFactory

from .factories import ChannelFactory, DistroWatchFactory, WatchFactory, release

pytestmark = pytest.mark.django_db

HELD, PENDING, DROPPED = Delivery.State.HELD, Delivery.State.PENDING, Delivery.State.DROPPED


@pytest.fixture
def project():
    """A project with one version, its event already fanned out (to nobody)."""
    project = ProjectFactory(name="tool", homepage="https://tool.example.org/")
    release(project, "1.0.0")
    fanout.fan_out()
    return project


def watcher(project, channels=1, **rules):
    """A user watching ``project`` with ``channels`` e-mail channels."""
    watch = WatchFactory(project=project, **rules)
    for _ in range(channels):
        ChannelFactory(user=watch.user)
    return watch


def cursor() -> int:
    return FanOutCursor.objects.get(pk=fanout.CURSOR_ID).last_event_id


# -- one event, once -------------------------------------------------------------------------


def test_an_event_fans_out_to_every_channel_of_every_watcher(project, settings):
    settings.SITE_URL = "https://releases.example.org"
    first, second = watcher(project, channels=2), watcher(project)
    PackageFactory(project=project, distro=DistroFactory(name="Fedora"), package_name="tool")
    published = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
    event = release(project, "1.0.1", "1.1.0", published_at={"1.1.0": published})

    assert fanout.fan_out() == 3

    deliveries = Delivery.objects.order_by("id")
    assert [(d.watch_id, d.channel.user_id) for d in deliveries] == [
        (first.pk, first.user_id),
        (first.pk, first.user_id),
        (second.pk, second.user_id),
    ]
    delivery = deliveries[0]
    assert delivery.event_id == event.pk
    assert delivery.message_id == event.message_id
    assert delivery.project_id == project.pk
    assert delivery.state == PENDING
    assert delivery.due_at <= timezone.now()
    url = f"https://releases.example.org/project/{project.pk}/"
    assert delivery.payload == {
        "type": "release",
        "event_id": event.pk,
        "project": {
            "id": project.pk,
            "name": "tool",
            "homepage": "https://tool.example.org/",
            "ecosystem": project.ecosystem_name,
            "url": url,
        },
        "versions": ["1.0.1", "1.1.0"],
        "latest": "1.1.0",
        "previous": "1.0.0",
        "published_at": {"1.1.0": "2024-05-01T12:00:00+00:00"},
        "links": {"project": url, "release": "https://tool.example.org/releases/tag/1.1.0"},
        "packages": [{"distro": "Fedora", "package_name": "tool"}],
    }
    assert cursor() == event.pk


def test_fanning_out_twice_writes_nothing_twice(project):
    watcher(project, channels=2)
    release(project, "1.1.0")
    assert fanout.fan_out() == 2
    assert fanout.fan_out() == 0
    assert Delivery.objects.count() == 2


def test_a_second_run_that_read_the_same_events_writes_nothing(project):
    """Two runs that overlap (where the cursor's lock is a no-op, SQLite) read the same
    events: the unique (event, watch, channel) key keeps each delivery single."""
    watcher(project, channels=2)
    read_before = cursor()
    release(project, "1.1.0")
    assert fanout.fan_out() == 2
    FanOutCursor.objects.update(last_event_id=read_before)  # what the second run read
    assert fanout.fan_out() == 0
    assert Delivery.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_overlapping_runs_wait_for_the_cursor():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises whole transactions; the row lock is PostgreSQL's")
    project = ProjectFactory()
    release(project, "1.0")
    watcher(project, channels=3)
    release(project, "1.1")
    start = threading.Barrier(2)
    written = []

    def run():
        try:
            start.wait()
            written.append(fanout.fan_out())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One run wrote both events to the three channels; the other waited, then found nothing.
    assert sorted(written) == [0, 6]
    assert Delivery.objects.count() == 6


def test_the_cursor_row_is_made_when_missing(project):
    FanOutCursor.objects.all().delete()
    release(project, "1.1.0")
    fanout.fan_out()
    assert cursor() == OutboxMessage.objects.latest("id").pk


# -- who hears of it -------------------------------------------------------------------------


def test_banned_users_get_nothing(project):
    banned = watcher(project)
    User.objects.filter(pk=banned.user_id).update(is_active=False)
    kept = watcher(project)
    release(project, "1.1.0")
    fanout.fan_out()
    assert list(Delivery.objects.values_list("watch_id", flat=True)) == [kept.pk]


def test_disabled_channels_get_nothing(project):
    watch = watcher(project)
    off = ChannelFactory(user=watch.user, enabled=False)
    release(project, "1.1.0")
    fanout.fan_out()
    assert Delivery.objects.count() == 1
    assert not Delivery.objects.filter(channel=off).exists()


def test_a_watcher_without_channels_gets_nothing(project):
    WatchFactory(project=project)
    release(project, "1.1.0")
    assert fanout.fan_out() == 0


def test_watchers_of_other_projects_get_nothing(project):
    watcher(ProjectFactory())
    release(project, "1.1.0")
    assert fanout.fan_out() == 0


def test_distribution_watchers_hear_of_the_projects_mapped_there(project):
    fedora, debian, arch = (DistroFactory(name=name) for name in ("Fedora", "Debian", "Arch"))
    PackageFactory(project=project, distro=fedora, package_name="tool")
    PackageFactory(project=project, distro=debian, package_name="tool-utils")
    packager = DistroWatchFactory(distro=fedora)
    ChannelFactory(user=packager.user)
    both = DistroWatchFactory(distro=fedora)
    DistroWatchFactory(user=both.user, distro=debian)
    ChannelFactory(user=both.user)
    elsewhere = DistroWatchFactory(distro=arch)
    ChannelFactory(user=elsewhere.user)
    release(project, "1.1.0")

    assert fanout.fan_out() == 2
    by_user = {d.channel.user_id: d for d in Delivery.objects.select_related("channel")}
    assert set(by_user) == {packager.user_id, both.user_id}
    assert by_user[packager.user_id].payload["packages"] == [
        {"distro": "Fedora", "package_name": "tool"}
    ]
    assert by_user[both.user_id].watch_id == both.pk  # the first distribution watch
    assert by_user[both.user_id].payload["packages"] == [
        {"distro": "Debian", "package_name": "tool-utils"},
        {"distro": "Fedora", "package_name": "tool"},
    ]


def test_a_user_watching_a_project_twice_hears_of_it_once_through_the_project_watch(project):
    fedora = DistroFactory(name="Fedora")
    debian = DistroFactory(name="Debian")
    PackageFactory(project=project, distro=fedora, package_name="tool")
    PackageFactory(project=project, distro=debian, package_name="tool")
    direct = watcher(project)
    DistroWatchFactory(user=direct.user, distro=fedora)
    release(project, "1.1.0")
    assert fanout.fan_out() == 1
    delivery = Delivery.objects.get()
    assert delivery.watch_id == direct.pk
    assert len(delivery.payload["packages"]) == 2  # every mapping, for a project watch


def test_the_project_watch_decides_alone(project):
    fedora = DistroFactory()
    PackageFactory(project=project, distro=fedora)
    direct = watcher(project, min_change="major")
    DistroWatchFactory(user=direct.user, distro=fedora)  # would allow the patch
    release(project, "1.0.1")
    assert fanout.fan_out() == 0


def test_a_later_distribution_watch_counts_when_the_first_allows_nothing(project):
    fedora, debian = DistroFactory(), DistroFactory()
    PackageFactory(project=project, distro=fedora)
    PackageFactory(project=project, distro=debian)
    strict = DistroWatchFactory(distro=fedora, min_change="major")
    lenient = DistroWatchFactory(user=strict.user, distro=debian)
    ChannelFactory(user=strict.user)
    release(project, "1.0.1")
    fanout.fan_out()
    assert Delivery.objects.get().watch_id == lenient.pk


def test_each_watch_gets_the_versions_its_rules_allow(project):
    everything = watcher(project, stable_only=False)
    minor = watcher(project, min_change="minor")
    major = watcher(project, min_change="major")
    release(project, "1.0.1", "1.1.0rc1", "1.1.0")
    assert fanout.fan_out() == 2
    versions = dict(Delivery.objects.values_list("watch_id", "payload__versions"))
    assert versions == {everything.pk: ["1.0.1", "1.1.0rc1", "1.1.0"], minor.pk: ["1.1.0"]}
    assert major.pk not in versions


# -- the cursor ------------------------------------------------------------------------------


def test_the_cursor_moves_past_every_topic(project):
    watcher(project)
    other = ProjectFactory()
    last = emit(project_add(other.as_json(), "someone"))
    assert fanout.fan_out() == 0
    assert cursor() == last.pk
    event = release(project, "1.1.0")  # v1 and v2 rows: only v2 is fanned out
    assert fanout.fan_out() == 1
    assert cursor() == event.pk
    assert Delivery.objects.get().event_id == event.pk


def test_batches_read_at_most_batch_size_rows(project):
    watcher(project)
    events = [release(project, f"1.{n}.0") for n in range(1, 4)]  # 6 rows: v1 and v2
    assert fanout.fan_out(batch_size=2) == 1
    assert cursor() == events[0].pk
    assert fanout.catch_up(batch_size=2) == 2
    assert cursor() == events[-1].pk


def test_events_of_deleted_projects_and_unreadable_bodies_are_passed(project, caplog):
    watcher(project)
    gone = ProjectFactory()
    watcher(gone)
    release(gone, "2.0")
    gone.delete()
    broken = OutboxMessage.objects.create(topic="project.version.update.v2", body={"x": 1})
    assert fanout.fan_out() == 0
    assert cursor() == broken.pk
    assert f"Event {broken.pk} is not a version event" in caplog.text


def test_the_task_catches_up_then_releases_held_deliveries(project):
    watcher(project)
    watcher(project, hold_hours=1)
    event = release(project, "1.1.0")
    two_hours_ago = timezone.now() - dt.timedelta(hours=2)
    OutboxMessage.objects.filter(pk=event.pk).update(created=two_hours_ago)
    assert tasks.notify_fan_out() == {"written": 2, "released": 1, "dropped": 0}
    assert set(Delivery.objects.values_list("state", flat=True)) == {PENDING}


def test_the_task_runs_every_minute():
    declared = {periodic.name: periodic for periodic in SCHEDULES}
    assert declared["notify-fan-out"].func == "projects.notify.tasks.notify_fan_out"
    assert declared["notify-fan-out"].minutes == 1


# -- the maturity delay ------------------------------------------------------------------------


def test_a_held_delivery_waits_until_its_delay_is_over(project):
    watch = watcher(project, hold_hours=6)
    event = release(project, "1.1.0")
    fanout.fan_out()
    delivery = Delivery.objects.get()
    assert delivery.state == HELD
    assert delivery.due_at == event.created + dt.timedelta(hours=6)
    assert delivery.watch_id == watch.pk
    assert fanout.release_held(event.created + dt.timedelta(hours=5)) == (0, 0)
    assert fanout.release_held(event.created + dt.timedelta(hours=6)) == (1, 0)
    delivery.refresh_from_db()
    assert delivery.state == PENDING
    assert delivery.error == ""


def test_a_withdrawn_version_drops_the_delivery(project):
    watcher(project, hold_hours=1)
    release(project, "1.1.0", "1.2.0")
    fanout.fan_out()
    ProjectVersion.objects.filter(project=project, version="1.1.0").delete()
    assert fanout.release_held(timezone.now() + dt.timedelta(hours=2)) == (0, 1)
    assert Delivery.objects.get().state == DROPPED
    assert Delivery.objects.get().error == "withdrawn"


def test_a_release_the_upstream_withdrew_during_the_delay_is_not_told(project):
    watcher(project, hold_hours=1)
    release(project, "1.1.0")
    fanout.fan_out()
    release(project, "1.2.0")  # yanked before the first delay ends: supersedes nothing
    fanout.fan_out()
    ProjectVersion.objects.filter(project=project, version="1.2.0").update(
        withdrawn_on=timezone.now()
    )
    assert fanout.release_held(timezone.now() + dt.timedelta(hours=2)) == (1, 1)
    first, second = Delivery.objects.order_by("event_id")
    assert (first.state, first.error) == (PENDING, "")
    assert (second.state, second.error) == (DROPPED, "withdrawn")


def test_a_version_the_version_filter_now_hides_is_withdrawn(project):
    watcher(project, hold_hours=1)
    release(project, "1.1.0-bad")
    fanout.fan_out()
    project.version_filter = "bad"
    project.save()
    assert fanout.release_held(timezone.now() + dt.timedelta(hours=2)) == (0, 1)


def test_a_newer_version_the_watch_is_told_about_supersedes_the_delivery(project):
    watcher(project, hold_hours=1)
    release(project, "1.1.0")
    fanout.fan_out()
    release(project, "1.1.1", "1.2.0")
    fanout.fan_out()
    first, second = Delivery.objects.order_by("event_id")
    assert fanout.release_held(timezone.now() + dt.timedelta(hours=2)) == (1, 1)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.error) == (DROPPED, "superseded by 1.2.0")
    assert second.state == PENDING


def test_a_newer_version_the_watch_would_not_be_told_about_supersedes_nothing(project):
    watcher(project, hold_hours=1, min_change="minor")
    release(project, "1.1.0")
    fanout.fan_out()
    release(project, "1.1.1", "1.2.0rc1")  # a patch, and a pre-release
    fanout.fan_out()
    assert Delivery.objects.count() == 1
    assert fanout.release_held(timezone.now() + dt.timedelta(hours=2)) == (1, 0)
    assert Delivery.objects.get().state == PENDING


def test_an_older_version_found_later_supersedes_nothing(project):
    watcher(project, hold_hours=1)
    release(project, "1.2.0")
    fanout.fan_out()
    release(project, "1.1.5")  # a backport
    fanout.fan_out()
    assert fanout.release_held(timezone.now() + dt.timedelta(hours=2)) == (2, 0)


def test_release_held_leaves_other_states_alone(project):
    watcher(project)
    release(project, "1.1.0")
    fanout.fan_out()
    ProjectVersion.objects.filter(version="1.1.0").delete()
    assert fanout.release_held(timezone.now() + dt.timedelta(days=1)) == (0, 0)
    assert Delivery.objects.get().state == PENDING


def test_release_held_works_in_batches(project):
    for _ in range(5):
        watcher(project, hold_hours=1)
    release(project, "1.1.0")
    fanout.fan_out()
    assert fanout.release_held(timezone.now() + dt.timedelta(hours=2), batch_size=2) == (5, 0)


# -- at scale --------------------------------------------------------------------------------


def _watchers(project: Project, first: int, count: int) -> None:
    password = make_password("x")
    users = User.objects.bulk_create(
        User(email=f"watcher{n}@example.org", username=f"watcher{n}", password=password)
        for n in range(first, first + count)
    )
    Watch.objects.bulk_create(Watch(user=user, project=project) for user in users)
    Channel.objects.bulk_create(
        Channel(user=user, kind=Channel.Kind.EMAIL, name="mail", target=user.email)
        for user in users
    )


def _reads_of_a_fan_out() -> tuple[int, int]:
    """(deliveries written, statements other than the inserts) of one fan-out."""
    with CaptureQueriesContext(connection) as queries:
        written = fanout.fan_out()
    reads = [q for q in queries.captured_queries if not q["sql"].startswith("INSERT")]
    return written, len(reads)


def test_a_release_to_many_watchers_reads_as_much_as_to_a_few(project):
    """Every watcher gets one delivery, and only the inserts grow with their number (the
    time for 10,000 is measured by bench/notify, not here)."""
    _watchers(project, 0, 5)
    release(project, "1.1.0")
    few = _reads_of_a_fan_out()
    _watchers(project, 5, 1_995)
    release(project, "1.2.0")
    many = _reads_of_a_fan_out()

    assert (few[0], many[0]) == (5, 2_000)
    assert many[1] == few[1]
