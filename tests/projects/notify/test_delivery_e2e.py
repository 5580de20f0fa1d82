"""Deliveries end to end: a real webhook receiver on loopback that checks every signature with
the Standard Webhooks reference library, and a real SMTP server on loopback (aiosmtpd).

The address guard refuses loopback; the ``receiver`` fixture allows 127.0.0.1 for the test
that uses it only (``FETCH_ALLOWED_NETWORKS``). Time is driven by moving ``due_at``: no test
waits for a backoff.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from projects.notify import delivery as notify
from projects.notify import fanout
from projects.notify.delivery import claims
from projects.notify.models import Channel, Delivery
from tests.factories import ProjectFactory
from tests.projects.notify.factories import (
    ChannelFactory,
    DeliveryFactory,
    WatchFactory,
    release,
)
from tests.projects.notify.http_receiver import Receiver

pytestmark = pytest.mark.django_db

SITE_URL = "https://releasemon.example"


# -- a webhook receiver ------------------------------------------------------------------------


def webhook_channel(receiver: Receiver, **kw) -> Channel:
    return ChannelFactory(webhook=True, target=receiver.url, secret=receiver.secret, **kw)


def make_due(*deliveries: Delivery) -> None:
    """Bring the next retry forward to now (instead of waiting for it)."""
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        due_at=timezone.now() - dt.timedelta(seconds=1)
    )


SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_a_release_reaches_the_receiver_signed_with_the_event_id(start_receiver, allow_loopback):
    receiver = start_receiver(SECRET)
    channel = webhook_channel(receiver)
    delivery = DeliveryFactory(channel=channel, watch=WatchFactory(user=channel.user))

    assert notify.deliver_due() == 1

    (request,) = receiver.requests
    assert request.verified
    assert request.headers["webhook-id"] == str(delivery.message_id)
    assert request.headers["content-type"] == "application/json"
    assert request.payload == delivery.payload
    assert b" " not in request.body  # compact JSON
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT
    assert delivery.status_code == 202
    assert delivery.response_excerpt == '{"ok":true}'
    assert delivery.latency_ms is not None and delivery.attempts == 1
    assert delivery.delivered_at is not None and delivery.error == ""
    assert notify.deliver_due() == 0


def test_a_receiver_failing_three_times_gets_the_delivery_once_it_recovers(
    start_receiver, allow_loopback
):
    receiver = start_receiver(SECRET, fail_first=3)
    channel = webhook_channel(receiver)
    delivery = DeliveryFactory(channel=channel, watch=WatchFactory(user=channel.user))

    waits = []
    for attempt in range(1, 4):
        before = timezone.now()
        assert notify.deliver_due() == 1
        delivery.refresh_from_db()
        assert delivery.state == Delivery.State.PENDING
        assert delivery.attempts == attempt
        assert delivery.status_code == 500
        assert delivery.response_excerpt == "down for maintenance"
        assert "500" in delivery.error
        waits.append(delivery.due_at - before)
        # Not due before its retry: another run sends nothing.
        assert notify.deliver_due() == 0
        make_due(delivery)
    channel.refresh_from_db()
    assert channel.failing_since is not None and channel.enabled

    # 30 s, then 60 s, then 120 s, each stretched by up to a fifth.
    for wait, planned in zip(waits, (30, 60, 120), strict=True):
        assert dt.timedelta(seconds=planned) <= wait <= dt.timedelta(seconds=planned * 1.2 + 5)

    assert notify.deliver_due() == 1
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT and delivery.attempts == 4
    assert delivery.status_code == 202 and delivery.error == ""
    channel.refresh_from_db()
    assert channel.failing_since is None

    # Four signed requests with one id; the receiver accepted exactly one.
    assert len(receiver.requests) == 4
    assert all(r.verified for r in receiver.requests)
    assert {r.headers["webhook-id"] for r in receiver.requests} == {str(delivery.message_id)}
    assert len(receiver.delivered) == 1
    make_due(delivery)
    assert notify.deliver_due() == 0
    assert len(receiver.requests) == 4


def test_a_private_address_is_refused_at_delivery_without_a_request(start_receiver, settings):
    settings.FETCH_ALLOWED_NETWORKS = []
    receiver = start_receiver(SECRET)
    channel = webhook_channel(receiver)
    delivery = DeliveryFactory(channel=channel, watch=WatchFactory(user=channel.user))

    assert notify.deliver_due() == 1

    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PENDING  # a name can move: it is tried again
    assert delivery.status_code is None
    assert "refusing to connect to 127.0.0.1" in delivery.error
    assert "private, loopback" in delivery.error


def test_a_redirect_is_not_followed_and_a_huge_answer_not_read(start_receiver, allow_loopback):
    moved = start_receiver(SECRET)
    moved.redirect = "http://127.0.0.1:9/login"
    huge = start_receiver(SECRET)
    huge.big_answer = 1024 * 1024
    first, second = (
        DeliveryFactory(channel=channel, watch=WatchFactory(user=channel.user))
        for channel in (webhook_channel(moved), webhook_channel(huge))
    )

    assert notify.deliver_due() == 2

    first.refresh_from_db()
    assert len(moved.requests) == 1 and first.state == Delivery.State.PENDING
    assert "redirect, which webhooks do not follow" in first.error
    second.refresh_from_db()
    assert len(huge.requests) == 1 and second.state == Delivery.State.PENDING
    assert "more than 64 KiB" in second.error


def test_order_per_watch_follows_event_order_even_across_retries(
    start_receiver, allow_loopback, settings
):
    # One sending thread: the receiver fails the first request it gets, which must be event 10.
    settings.NOTIFY_DELIVERY_THREADS = 1
    receiver = start_receiver(SECRET, fail_first=1)
    channel = webhook_channel(receiver)
    watch = WatchFactory(user=channel.user)
    first = DeliveryFactory(channel=channel, watch=watch, event_id=10)
    second = DeliveryFactory(channel=channel, watch=watch, event_id=11)
    elsewhere = WatchFactory(user=channel.user)
    other_watch = DeliveryFactory(channel=channel, watch=elsewhere, event_id=12)

    # The first event fails: the second waits behind it; another watch's event goes on.
    assert notify.deliver_due() == 2
    assert [r.payload["event_id"] for r in receiver.requests] == [10, 12]
    second.refresh_from_db()
    assert second.state == Delivery.State.PENDING and second.attempts == 0

    make_due(first)
    assert notify.deliver_due() == 2
    assert [r.payload["event_id"] for r in receiver.requests] == [10, 12, 10, 11]
    for delivery in (first, second, other_watch):
        delivery.refresh_from_db()
        assert delivery.state == Delivery.State.SENT


def test_a_banned_owners_deliveries_are_dropped(start_receiver, allow_loopback):
    receiver = start_receiver(SECRET)
    channel = webhook_channel(receiver)
    delivery = DeliveryFactory(channel=channel, watch=WatchFactory(user=channel.user))
    channel.user.is_active = False
    channel.user.save()

    assert notify.deliver_due() == 0

    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.DROPPED
    assert delivery.error == claims.OWNER_BANNED


def test_a_test_ping_is_signed_sent_now_and_logged(start_receiver, allow_loopback):
    receiver = start_receiver(SECRET)
    channel = webhook_channel(receiver)

    ping = notify.send_test(channel)

    (request,) = receiver.requests
    assert request.verified
    assert request.payload["type"] == "ping" and request.payload["test"] is True
    assert request.headers["webhook-id"] == str(ping.message_id)
    assert ping.pk is not None and ping.channel == channel and ping.watch is None
    assert ping.event_id < 0 and ping.is_test
    assert ping.state == Delivery.State.SENT and ping.status_code == 202
    assert channel.deliveries.get() == ping


# -- e-mail through a real SMTP server ---------------------------------------------------------


def release_payload(project) -> dict:
    """A payload as the fan-out writes it."""
    url = f"{SITE_URL}/project/{project.pk}/"
    return {
        "type": "release",
        "event_id": 41,
        "project": {
            "id": project.pk,
            "name": "widget",
            "homepage": "https://widget.example/",
            "ecosystem": "https://widget.example/",
            "url": url,
        },
        "versions": ["2.0", "2.0.1"],
        "latest": "2.0.1",
        "previous": "1.9",
        "published_at": {"2.0": "2026-03-01T10:00:00+00:00"},
        "links": {"project": url, "release": "https://widget.example/releases/2.0.1"},
        "packages": [{"distro": "Fedora", "package_name": "python-widget"}],
    }


def test_a_release_mail_with_one_click_unsubscribe_that_works(client, smtp_server):
    channel = ChannelFactory()
    watch = WatchFactory(user=channel.user)
    payload = release_payload(watch.project)
    delivery = DeliveryFactory(channel=channel, watch=watch, payload=payload)

    assert notify.deliver_due() == 1

    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT, delivery.error
    (message,) = smtp_server.messages
    assert message["To"] == channel.target
    assert message["From"] == "releasemon@releasemon.example"
    assert message["Subject"] == "[releasemon] widget 2.0, 2.0.1 released"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    message_id = f"<notify.{delivery.message_id}.{channel.pk}@releasemon.example>"
    assert message["Message-ID"].strip() == message_id  # a long header may be folded
    link = message["List-Unsubscribe"].strip().strip("<>")
    assert link == notify.unsubscribe_url(channel)
    assert link.startswith(f"{SITE_URL}/notifications/unsubscribe/")

    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "widget" in part and "2.0.1" in part and "1.9" in part
        assert f"{SITE_URL}/project/{watch.project.pk}/" in part
        assert "https://widget.example/releases/2.0.1" in part
        assert "2026-03-01 10:00 UTC" in part
        assert "Fedora" in part and "python-widget" in part
        assert link in part

    # The link: a page asking to confirm (GET changes nothing), then the one-click POST.
    path = urlsplit(link).path
    page = client.get(path)
    assert page.status_code == 200
    assert 'name="List-Unsubscribe" value="One-Click"' in page.content.decode()
    channel.refresh_from_db()
    assert channel.enabled

    done = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "Unsubscribed" in done.content.decode()
    channel.refresh_from_db()
    assert not channel.enabled and channel.disabled_reason == "unsubscribed"

    # Nothing more reaches the address.
    later = DeliveryFactory(channel=channel, watch=watch, payload=payload)
    assert notify.deliver_due() == 0
    later.refresh_from_db()
    assert later.state == Delivery.State.DROPPED and "unsubscribed" in later.error
    assert len(smtp_server.messages) == 1


def test_a_refused_recipient_is_retried_like_a_webhook(smtp_server):
    channel = ChannelFactory(target="gone@example.org")
    smtp_server.refuse.add("gone@example.org")
    delivery = DeliveryFactory(channel=channel, watch=WatchFactory(user=channel.user))

    assert notify.deliver_due() == 1

    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PENDING and delivery.attempts == 1
    assert "gone@example.org: 550" in delivery.error
    assert delivery.due_at > timezone.now()

    smtp_server.refuse.clear()
    make_due(delivery)
    assert notify.deliver_due() == 1
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT
    assert len(smtp_server.messages) == 1


def test_a_test_mail_goes_through_smtp(smtp_server):
    channel = ChannelFactory()

    result = notify.send_test(channel)

    assert result.state == Delivery.State.SENT
    assert result.pk is not None and result.is_test  # logged, though its owner watches nothing
    assert result.watch is None and result.project is None
    (message,) = smtp_server.messages
    assert message["Subject"] == f"[releasemon] test message for your channel {channel.name}"
    assert message["List-Unsubscribe"].strip() == f"<{notify.unsubscribe_url(channel)}>"


def test_a_release_fanned_out_reaches_a_webhook_and_a_mailbox(
    start_receiver, allow_loopback, smtp_server
):
    receiver = start_receiver(SECRET)
    hook = webhook_channel(receiver)
    mailbox = ChannelFactory(user=hook.user)
    project = ProjectFactory(name="widget", homepage="https://widget.example/")
    WatchFactory(user=hook.user, project=project)
    published = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    event = release(project, "2.0", published_at={"2.0": published})

    assert fanout.catch_up() == 2
    assert notify.deliver_due() == 2

    (request,) = receiver.requests
    assert request.verified and request.headers["webhook-id"] == str(event.message_id)
    payload = request.payload
    assert payload["type"] == "release" and payload["versions"] == ["2.0"]
    (message,) = smtp_server.messages
    assert message["To"] == mailbox.target
    assert message["Subject"] == "[releasemon] widget 2.0 released"
    text = message.get_body(("plain",)).get_content()
    assert "2026-03-01 10:00 UTC" in text
    assert f"{SITE_URL}/project/{project.pk}/" in text
    assert "https://widget.example/releases/tag/2.0" in text
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.SENT}
