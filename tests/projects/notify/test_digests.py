"""Daily and weekly e-mail digests, through a real SMTP server on loopback (aiosmtpd).

Time is driven by the ``now`` given to :func:`digests.send_due_digests` and the deliveries'
``due_at``: no test waits for an hour to come.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from email.message import EmailMessage

import pytest
from django.utils import timezone

from projects.notify import delivery as notify
from projects.notify import digests, tasks
from projects.notify.delivery import email, mailer
from projects.notify.models import Channel, Delivery
from releasemon.schedules import SCHEDULES
from tests.factories import ProjectFactory
from tests.projects.notify.factories import ChannelFactory, DeliveryFactory, WatchFactory

SITE_URL = "https://releasemon.example"
UTC = dt.UTC


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


# -- when a digest is due (no database) --------------------------------------------------------


def channel(zone: str, hour: int, schedule: str = Channel.Schedule.DAILY) -> Channel:
    return Channel(kind=Channel.Kind.EMAIL, schedule=schedule, digest_hour=hour, time_zone=zone)


@pytest.mark.parametrize(
    ("zone", "hour", "now", "expected"),
    [
        # Berlin in winter (UTC+1) and in summer (UTC+2).
        ("Europe/Berlin", 8, at(2026, 1, 15, 7, 0), at(2026, 1, 15, 7, 0)),
        ("Europe/Berlin", 8, at(2026, 1, 15, 6, 59), at(2026, 1, 14, 7, 0)),
        ("Europe/Berlin", 8, at(2026, 7, 15, 6, 5), at(2026, 7, 15, 6, 0)),
        # Los Angeles (UTC-8 / UTC-7): 21:00 local is the next UTC day.
        ("America/Los_Angeles", 21, at(2026, 6, 2, 3, 0), at(2026, 6, 1, 4, 0)),
        ("America/Los_Angeles", 21, at(2026, 6, 2, 4, 0), at(2026, 6, 2, 4, 0)),
        ("America/Los_Angeles", 8, at(2026, 1, 15, 16, 10), at(2026, 1, 15, 16, 0)),
        # Kolkata (UTC+5:30): midnight local is the previous UTC day, on the half hour.
        ("Asia/Kolkata", 0, at(2026, 6, 1, 20, 0), at(2026, 6, 1, 18, 30)),
        ("Asia/Kolkata", 8, at(2026, 6, 1, 2, 29), at(2026, 5, 31, 2, 30)),
        ("Asia/Kolkata", 8, at(2026, 6, 1, 2, 30), at(2026, 6, 1, 2, 30)),
        # Berlin springs forward on 29 March 2026: 08:00 is 06:00 UTC, the day before 07:00.
        ("Europe/Berlin", 8, at(2026, 3, 29, 6, 0), at(2026, 3, 29, 6, 0)),
        ("Europe/Berlin", 8, at(2026, 3, 29, 5, 59), at(2026, 3, 28, 7, 0)),
        # 02:00 does not exist that night: the digest leaves when the clocks jump (01:00 UTC).
        ("Europe/Berlin", 2, at(2026, 3, 29, 1, 0), at(2026, 3, 29, 1, 0)),
        ("Europe/Berlin", 2, at(2026, 3, 29, 0, 59), at(2026, 3, 28, 1, 0)),
        # It falls back on 25 October 2026: 02:00 happens twice, the first one counts.
        ("Europe/Berlin", 2, at(2026, 10, 25, 0, 0), at(2026, 10, 25, 0, 0)),
        ("Europe/Berlin", 2, at(2026, 10, 25, 1, 30), at(2026, 10, 25, 0, 0)),
        ("Europe/Berlin", 8, at(2026, 10, 25, 7, 0), at(2026, 10, 25, 7, 0)),
        # Los Angeles springs forward on 8 March 2026: 08:00 PDT is 15:00 UTC.
        ("America/Los_Angeles", 8, at(2026, 3, 8, 15, 0), at(2026, 3, 8, 15, 0)),
        ("America/Los_Angeles", 8, at(2026, 3, 8, 14, 59), at(2026, 3, 7, 16, 0)),
    ],
)
def test_the_daily_digest_time_in_the_channels_time_zone(zone, hour, now, expected):
    assert digests.digest_time(channel(zone, hour), now) == expected


def test_the_weekly_digest_time_is_on_mondays():
    weekly = channel("Europe/Berlin", 8, Channel.Schedule.WEEKLY)
    # Monday 2 March 2026, 08:00 in Berlin is 07:00 UTC.
    monday = at(2026, 3, 2, 7, 0)
    assert digests.digest_time(weekly, monday) == monday
    assert digests.digest_time(weekly, monday - dt.timedelta(minutes=1)) == at(2026, 2, 23, 7, 0)
    for days in range(1, 7):
        assert digests.digest_time(weekly, monday + dt.timedelta(days=days)) == monday
    # Kolkata's Monday 06:00 is Monday 00:30 UTC; Sunday 23:00 UTC is already Monday there.
    kolkata = channel("Asia/Kolkata", 3, Channel.Schedule.WEEKLY)
    assert digests.digest_time(kolkata, at(2026, 3, 1, 23, 0)) == at(2026, 3, 1, 21, 30)


def test_an_unknown_time_zone_is_read_as_utc():
    assert digests.digest_time(channel("Mars/Olympus", 8), at(2026, 1, 1, 9)) == at(2026, 1, 1, 8)


# -- digests through a real SMTP server --------------------------------------------------------


@pytest.fixture
def inbox(smtp_server):
    """The mail the real SMTP server on loopback received (tests/projects/notify/conftest.py)."""
    return smtp_server


def payload(project, versions: list[str], previous: str = "") -> dict:
    """A release payload as the fan-out writes it."""
    url = f"{SITE_URL}/project/{project.pk}/"
    return {
        "type": "release",
        "event_id": 1,
        "project": {"id": project.pk, "name": project.name, "homepage": project.homepage},
        "versions": versions,
        "latest": versions[-1],
        "previous": previous,
        "published_at": {versions[-1]: "2026-01-14T10:00:00+00:00"},
        "links": {"project": url, "release": f"https://up.example/{project.name}/{versions[-1]}"},
        "packages": [{"distro": "Fedora", "package_name": f"python-{project.name}"}],
    }


def pending(channel: Channel, project, versions: list[str], due_at: dt.datetime, **kw) -> Delivery:
    watch = channel.user.watches.filter(project=project).first() or WatchFactory(
        user=channel.user, project=project
    )
    return DeliveryFactory(
        channel=channel,
        watch=watch,
        project=project,
        payload=payload(project, versions, **kw),
        due_at=due_at,
    )


def fresh(delivery: Delivery) -> Delivery:
    delivery.refresh_from_db()
    return delivery


def text_of(message: EmailMessage) -> tuple[str, str]:
    return (
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


@pytest.mark.django_db
def test_a_days_releases_arrive_as_one_mail_after_the_hour_and_only_once(inbox):
    daily = ChannelFactory(
        schedule=Channel.Schedule.DAILY, digest_hour=8, time_zone="Europe/Berlin"
    )
    widget = ProjectFactory(name="widget", homepage="https://widget.example/")
    gadget = ProjectFactory(name="gadget", homepage="https://gadget.example/")
    evening = at(2026, 1, 14, 20, 0)
    first = pending(daily, widget, ["2.0"], evening, previous="1.9")
    second = pending(daily, widget, ["2.0.1"], evening + dt.timedelta(hours=1), previous="2.0")
    third = pending(daily, gadget, ["3.1"], evening, previous="3.0")
    # After 08:00 in Berlin (07:00 UTC): tomorrow's digest.
    late = pending(daily, gadget, ["3.2"], at(2026, 1, 15, 7, 2))

    assert digests.send_due_digests(at(2026, 1, 15, 6, 59)) == 0
    assert inbox.messages == []

    assert digests.send_due_digests(at(2026, 1, 15, 7, 5)) == 1
    assert digests.send_due_digests(at(2026, 1, 15, 7, 10)) == 0
    assert digests.send_due_digests(at(2026, 1, 15, 23, 0)) == 0

    (message,) = inbox.messages
    assert message["To"] == daily.target
    assert message["Subject"] == "[releasemon] daily digest: gadget 3.1, widget 2.0.1"
    assert message["List-Unsubscribe"].strip() == f"<{notify.unsubscribe_url(daily)}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for part in text_of(message):
        # Grouped by project (by name), each project's versions in order.
        assert part.index("gadget") < part.index("widget") < part.index("2.0") < part.index("2.0.1")
        assert "3.2" not in part
        assert "1.9" in part and "3.0" in part
        assert f"{SITE_URL}/project/{widget.pk}/" in part
        assert f"{SITE_URL}/project/{gadget.pk}/" in part
        assert "https://up.example/widget/2.0.1" in part
        assert "https://up.example/widget/2.0" in part
        assert "https://up.example/gadget/3.1" in part
        assert "2026-01-14 10:00 UTC" in part
        assert "python-widget" in part and "Fedora" in part
        assert notify.unsubscribe_url(daily) in part
    for delivery in (first, second, third):
        delivery = fresh(delivery)
        assert delivery.state == Delivery.State.SENT and delivery.delivered_at is not None
        assert delivery.attempts == 1 and delivery.error == ""
    assert fresh(late).state == Delivery.State.PENDING

    # The next morning, the release that came after the hour.
    assert digests.send_due_digests(at(2026, 1, 16, 7, 0)) == 1
    assert fresh(late).state == Delivery.State.SENT
    assert inbox.messages[1]["Subject"] == "[releasemon] daily digest: gadget 3.2"


def queue_into(queued: list) -> Callable:
    """A stand-in for django-q2's async_task that keeps what it is asked to run."""
    return lambda func, *args, **kw: queued.append((func, args))


@pytest.mark.django_db
def test_the_task_shares_the_digests_among_workers_and_sends_each_once(
    inbox, monkeypatch, settings
):
    settings.NOTIFY_DIGEST_WORKERS = 2
    queued: list = []
    monkeypatch.setattr(tasks, "async_task", queue_into(queued))
    now = timezone.now()
    # Consecutive ids: one channel in each share.
    channels = [
        ChannelFactory(schedule=Channel.Schedule.DAILY, digest_hour=now.hour) for _ in range(2)
    ]
    for each in channels:
        pending(each, ProjectFactory(), ["1.0"], now - dt.timedelta(days=2))

    assert tasks.notify_digests() == 1
    assert queued == [("projects.notify.tasks.notify_digests", (1, 2))]
    # A second q2 worker runs the other share.
    assert tasks.notify_digests(1, 2) == 1
    assert sorted(m["To"] for m in inbox.messages) == sorted(c.target for c in channels)

    queued.clear()
    assert tasks.notify_digests() == 0
    assert tasks.notify_digests(*queued[0][1]) == 0
    assert len(inbox.messages) == 2
    assert notify.deliver_due() == 0


@pytest.mark.django_db
def test_a_task_out_of_time_leaves_the_rest_to_one_it_queues(inbox, monkeypatch, settings):
    settings.NOTIFY_DIGEST_WORKERS = 1
    queued: list = []
    monkeypatch.setattr(tasks, "async_task", queue_into(queued))
    monkeypatch.setattr(tasks, "DIGEST_TASK_SECONDS", 0)
    now = timezone.now()
    daily = ChannelFactory(schedule=Channel.Schedule.DAILY, digest_hour=now.hour)
    pending(daily, ProjectFactory(name="widget"), ["1.0"], now - dt.timedelta(days=2))

    assert tasks.notify_digests() == 0
    assert queued == [("projects.notify.tasks.notify_digests", (0, 1))]
    assert inbox.messages == []

    monkeypatch.undo()
    assert tasks.notify_digests(0, 1) == 1


@pytest.mark.django_db
def test_a_weekly_digest_leaves_on_mondays_only(inbox):
    weekly = ChannelFactory(
        schedule=Channel.Schedule.WEEKLY, digest_hour=9, time_zone="America/Los_Angeles"
    )
    # Tuesday 3 March 2026; Monday 9 March 09:00 PDT is 16:00 UTC.
    delivery = pending(weekly, ProjectFactory(name="widget"), ["1.0"], at(2026, 3, 3, 12, 0))
    for day in range(3, 9):
        assert digests.send_due_digests(at(2026, 3, day, 17, 0)) == 0
    assert digests.send_due_digests(at(2026, 3, 9, 15, 59)) == 0
    assert inbox.messages == []

    assert digests.send_due_digests(at(2026, 3, 9, 16, 0)) == 1
    assert digests.send_due_digests(at(2026, 3, 10, 16, 0)) == 0
    (message,) = inbox.messages
    assert message["Subject"] == "[releasemon] weekly digest: widget 1.0"
    assert fresh(delivery).state == Delivery.State.SENT


@pytest.mark.django_db
def test_a_kolkata_digest_leaves_on_the_local_day(inbox):
    daily = ChannelFactory(schedule=Channel.Schedule.DAILY, digest_hour=7, time_zone="Asia/Kolkata")
    # 7:00 IST on 15 January is 01:30 UTC.
    pending(daily, ProjectFactory(name="widget"), ["1.0"], at(2026, 1, 14, 23, 0))
    assert digests.send_due_digests(at(2026, 1, 15, 1, 29)) == 0
    assert digests.send_due_digests(at(2026, 1, 15, 1, 30)) == 1


@pytest.mark.django_db
def test_a_refused_digest_stays_pending_and_is_sent_at_the_next_run(inbox, caplog):
    daily = ChannelFactory(schedule=Channel.Schedule.DAILY, digest_hour=8, time_zone="UTC")
    delivery = pending(daily, ProjectFactory(name="widget"), ["1.0"], at(2026, 1, 14, 20, 0))
    inbox.refuse.add(daily.target)

    with caplog.at_level(logging.WARNING, logger="projects.notify.digests"):
        assert digests.send_due_digests(at(2026, 1, 15, 8, 0)) == 0
    (line,) = [r for r in caplog.records if r.name == "projects.notify.digests"]
    assert f"channel {daily.pk}" in line.getMessage()
    failed = fresh(delivery)
    assert failed.state == Delivery.State.PENDING and failed.attempts == 1
    assert "550" in failed.error and failed.delivered_at is None
    daily.refresh_from_db()
    assert daily.failing_since is not None and daily.enabled

    inbox.refuse.clear()
    assert digests.send_due_digests(at(2026, 1, 15, 8, 5)) == 1
    sent = fresh(delivery)
    assert sent.state == Delivery.State.SENT and sent.attempts == 2 and sent.error == ""
    assert len(inbox.messages) == 1
    daily.refresh_from_db()
    assert daily.failing_since is None


@pytest.mark.django_db
def test_one_run_sends_every_digest_over_one_connection_past_a_refused_one(inbox):
    channels = [
        ChannelFactory(schedule=Channel.Schedule.DAILY, digest_hour=8, time_zone="UTC")
        for _ in range(3)
    ]
    widget = ProjectFactory(name="widget")
    deliveries = [pending(each, widget, ["1.0"], at(2026, 1, 14, 20, 0)) for each in channels]
    inbox.refuse.add(channels[1].target)

    assert digests.send_due_digests(at(2026, 1, 15, 8, 0)) == 2
    assert sorted(message["To"] for message in inbox.messages) == sorted(
        [channels[0].target, channels[2].target]
    )
    assert inbox.connections_used == 1
    states = [fresh(delivery).state for delivery in deliveries]
    assert states == [Delivery.State.SENT, Delivery.State.PENDING, Delivery.State.SENT]


@pytest.mark.django_db(transaction=True)
def test_a_digests_commit_does_not_wait_for_the_disk_and_the_connection_does_again_after(
    inbox, monkeypatch
):
    """Only the digest's own transaction commits asynchronously (its mail has already left;
    a commit lost in a crash means a second copy, as at-least-once allows)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return str(cursor.fetchone()[0])

    seen: list[str] = []
    send = mailer.send
    monkeypatch.setattr(mailer, "send", lambda *args: seen.append(setting()) or send(*args))
    daily = ChannelFactory(schedule=Channel.Schedule.DAILY, digest_hour=8, time_zone="UTC")
    delivery = pending(daily, ProjectFactory(name="widget"), ["1.0"], at(2026, 1, 14, 20, 0))

    assert digests.send_due_digests(at(2026, 1, 15, 8, 0)) == 1
    assert seen == ["off"]
    assert setting() == "on"
    assert fresh(delivery).state == Delivery.State.SENT
    assert len(inbox.messages) == 1


@pytest.mark.django_db
def test_a_connection_the_mail_server_hung_up_is_opened_again_for_the_next_mail(inbox):
    first, second = (
        ChannelFactory(schedule=Channel.Schedule.DAILY, digest_hour=8) for _ in range(2)
    )
    with mailer.MailSession() as session:
        assert mailer.send(email.test_mail(first, "1"), session).ok
        inbox.hang_up()
        assert mailer.send(email.test_mail(second, "2"), session).ok
    assert [message["To"] for message in inbox.messages] == [first.target, second.target]
    assert inbox.connections_used == 2


@pytest.mark.django_db
def test_people_with_different_releases_of_one_project_each_read_their_own(inbox):
    early, late = (
        ChannelFactory(schedule=Channel.Schedule.DAILY, digest_hour=8, time_zone="UTC")
        for _ in range(2)
    )
    widget = ProjectFactory(name="widget")
    evening = at(2026, 1, 14, 20, 0)
    pending(early, widget, ["2.0"], evening, previous="1.9")
    pending(late, widget, ["2.0"], evening, previous="1.9")
    pending(late, widget, ["2.1"], evening + dt.timedelta(hours=1), previous="2.0")

    assert digests.send_due_digests(at(2026, 1, 15, 8, 0)) == 2
    mails = {message["To"]: text_of(message) for message in inbox.messages}
    for part in mails[early.target]:
        assert "2.0" in part and "2.1" not in part
    for part in mails[late.target]:
        assert "2.0" in part and "2.1" in part


@pytest.mark.django_db
def test_a_failing_digest_waits_longer_each_time_then_is_given_up(inbox, settings):
    settings.NOTIFY_RETRY_HOURS = 1
    daily = ChannelFactory(schedule=Channel.Schedule.DAILY, digest_hour=8, time_zone="UTC")
    delivery = pending(daily, ProjectFactory(name="widget"), ["1.0"], at(2026, 1, 14, 20, 0))
    inbox.refuse.add(daily.target)

    tries = []
    for minute in range(0, 24 * 60, 5):  # the task runs every 5 minutes, for a day
        digests.send_due_digests(at(2026, 1, 15, 8, 0) + dt.timedelta(minutes=minute))
        tries.append(fresh(delivery).attempts)
        if fresh(delivery).state != Delivery.State.PENDING:
            break

    given_up = fresh(delivery)
    assert given_up.state == Delivery.State.FAILED and "550" in given_up.error
    # Waits of 30 s, 1, 2, 4, 8, 16 and 32 min (the runs every 5 minutes round them up)
    # cover the hour: 8 attempts, the last one about 70 minutes after the first.
    assert given_up.attempts == 8
    assert len(tries) < 24
    assert inbox.messages == []


@pytest.mark.django_db
def test_banned_owners_and_switched_off_channels_get_no_digest(inbox):
    banned = ChannelFactory(schedule=Channel.Schedule.DAILY, digest_hour=8)
    off = ChannelFactory(schedule=Channel.Schedule.WEEKLY, digest_hour=8, enabled=False)
    dropped = [
        pending(banned, ProjectFactory(), ["1.0"], at(2026, 1, 1)),
        pending(off, ProjectFactory(), ["1.0"], at(2026, 1, 1)),
    ]
    banned.user.is_active = False
    banned.user.save()

    assert digests.send_due_digests(at(2026, 1, 12, 9, 0)) == 0
    assert inbox.messages == []
    assert [fresh(d).state for d in dropped] == [Delivery.State.DROPPED] * 2


@pytest.mark.django_db
def test_an_immediate_channel_is_not_a_digest(inbox):
    immediate = ChannelFactory()
    pending(immediate, ProjectFactory(), ["1.0"], at(2026, 1, 1))
    assert digests.send_due_digests(at(2026, 1, 12, 9, 0)) == 0
    assert inbox.messages == []


def test_the_digests_are_scheduled_every_five_minutes():
    declared = {periodic.name: periodic for periodic in SCHEDULES}
    assert declared["notify-digests"].func == "projects.notify.tasks.notify_digests"
    assert declared["notify-digests"].minutes == 5
