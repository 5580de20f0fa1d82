"""The delivery task's rules: claims and leases, order, drops, retries and giving up, channel
health, tests, redelivery and the unsubscribe page. Webhook requests are replaced by a
recorder here (tests/projects/notify/test_delivery_e2e.py sends real ones); mails go to
Django's in-memory outbox."""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from projects.notify import delivery as notify
from projects.notify import services
from projects.notify.delivery import backoff, claims, mailer, run, sending, webhook
from projects.notify.delivery.outcome import Outcome
from projects.notify.models import Channel, Delivery
from tests.projects.notify.factories import ChannelFactory, DeliveryFactory, WatchFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://releasemon.example"


class FakeWebhook:
    """Stands in for :func:`webhook.post`: records each call, answers ``outcome``."""

    def __init__(self) -> None:
        self.outcome = Outcome(ok=True, status_code=200, latency_ms=3, response_excerpt="ok")
        self.calls: list[tuple[str, str, dict]] = []
        self.lock = threading.Lock()

    def __call__(self, url, secret, msg_id, payload, *, timeout) -> Outcome:
        with self.lock:
            self.calls.append((url, msg_id, payload))
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome

    @property
    def event_ids(self) -> list[int]:
        return [payload["event_id"] for _, _, payload in self.calls]


FAILURE = Outcome(ok=False, status_code=503, latency_ms=5, error="The receiver answered 503.")


@pytest.fixture
def hook(monkeypatch) -> FakeWebhook:
    fake = FakeWebhook()
    monkeypatch.setattr(webhook, "post", fake)
    return fake


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE_URL


def webhook_delivery(**kw) -> Delivery:
    channel = kw.pop("channel", None) or ChannelFactory(webhook=True)
    watch = kw.pop("watch", None) or WatchFactory(user=channel.user)
    return DeliveryFactory(channel=channel, watch=watch, **kw)


def fresh(row):
    row.refresh_from_db()
    return row


# -- the backoff -------------------------------------------------------------------------------


def test_waits_double_from_30_seconds_up_to_6_hours():
    assert [backoff.planned_wait(n).total_seconds() for n in range(1, 6)] == [30, 60, 120, 240, 480]
    assert backoff.planned_wait(10) == dt.timedelta(seconds=30 * 512)
    assert backoff.planned_wait(11) == backoff.planned_wait(500) == dt.timedelta(hours=6)


def test_retries_cover_at_least_the_window_then_give_up(settings):
    settings.NOTIFY_RETRY_HOURS = 26
    now = timezone.now()
    attempts = 1
    while backoff.next_try(attempts, now) is not None:
        attempts += 1
    # The last attempt comes at least NOTIFY_RETRY_HOURS after the first.
    assert backoff.waited(attempts) >= dt.timedelta(hours=26)
    assert backoff.waited(attempts - 1) < dt.timedelta(hours=26)
    assert attempts == 14
    settings.NOTIFY_RETRY_HOURS = 1
    assert backoff.next_try(7, now) is not None  # 31.5 minutes waited so far
    assert backoff.next_try(8, now) is None  # 63.5 minutes


def test_jitter_only_lengthens_a_wait_by_up_to_a_fifth():
    now = timezone.now()
    rng = random.Random(7)
    waits = {backoff.next_try(3, now, rng) - now for _ in range(200)}
    assert min(waits) >= dt.timedelta(seconds=120)
    assert max(waits) <= dt.timedelta(seconds=144)
    assert len(waits) > 100


# -- claims, order and drops -------------------------------------------------------------------


def test_a_claim_leases_its_deliveries_away_from_other_workers():
    channel = ChannelFactory(webhook=True)
    first, second = webhook_delivery(channel=channel), webhook_delivery(channel=channel)
    now = timezone.now()

    taken = claims.claim(10, now, dt.timedelta(minutes=5))

    assert [d.pk for d in taken] == [first.pk, second.pk]
    assert claims.claim(10, now, dt.timedelta(minutes=5)) == []  # a second worker
    assert fresh(first).due_at > now + dt.timedelta(minutes=4)
    assert fresh(first).state == Delivery.State.PENDING
    # A worker that died: its deliveries are due again when the lease ends (at least once).
    later = now + dt.timedelta(minutes=6)
    assert {d.pk for d in claims.claim(10, later, dt.timedelta(minutes=5))} == {
        first.pk,
        second.pk,
    }


def test_deliveries_go_in_event_order_and_not_before_they_are_due(hook):
    channel = ChannelFactory(webhook=True)
    watch = WatchFactory(user=channel.user)
    webhook_delivery(channel=channel, watch=watch, event_id=30)
    webhook_delivery(channel=channel, watch=WatchFactory(user=channel.user), event_id=20)
    webhook_delivery(channel=channel, watch=watch, event_id=31)
    future = webhook_delivery(channel=channel, due_at=timezone.now() + dt.timedelta(hours=1))

    assert notify.deliver_due() == 3

    assert hook.event_ids == [20, 30, 31]
    assert fresh(future).attempts == 0


def test_a_held_earlier_event_keeps_a_later_one_of_its_watch_waiting(hook):
    channel = ChannelFactory(webhook=True)
    watch = WatchFactory(user=channel.user)
    held = webhook_delivery(
        channel=channel,
        watch=watch,
        event_id=1,
        state=Delivery.State.HELD,
        due_at=timezone.now() + dt.timedelta(hours=2),
    )
    later = webhook_delivery(channel=channel, watch=watch, event_id=2)

    assert notify.deliver_due() == 0
    assert fresh(later).state == Delivery.State.PENDING

    Delivery.objects.filter(pk=held.pk).update(state=Delivery.State.PENDING, due_at=timezone.now())
    assert notify.deliver_due() == 2
    assert hook.event_ids == [1, 2]


def test_digest_deliveries_are_left_for_the_digest(hook):
    channel = ChannelFactory(schedule=Channel.Schedule.DAILY)
    digest = DeliveryFactory(channel=channel, watch=WatchFactory(user=channel.user))

    assert notify.deliver_due() == 0

    assert fresh(digest).state == Delivery.State.PENDING and fresh(digest).attempts == 0
    assert mail.outbox == []


def test_a_switched_off_channel_drops_what_comes_due_saying_why(hook):
    delivery = webhook_delivery()
    services.channel_set_enabled(delivery.channel, False, reason="unsubscribed")

    assert notify.deliver_due() == 0

    assert hook.calls == []
    delivery = fresh(delivery)
    assert delivery.state == Delivery.State.DROPPED
    assert delivery.error == "Not sent: the channel is switched off (unsubscribed)."


def test_the_limit_bounds_the_attempts_of_one_run(hook, settings):
    settings.NOTIFY_DELIVERY_THREADS = 2
    channel = ChannelFactory(webhook=True)
    for _ in range(5):
        webhook_delivery(channel=channel)

    assert notify.deliver_due(limit=3) == 3
    assert notify.deliver_due(limit=3) == 2
    assert notify.deliver_due(limit=3) == 0
    assert len(hook.calls) == 5


def test_a_channel_switched_off_or_an_owner_banned_mid_run_is_not_claimed():
    delivery = webhook_delivery()
    services.channel_set_enabled(delivery.channel, False, reason="by hand")
    assert claims.claim(10, timezone.now(), dt.timedelta(minutes=5)) == []
    services.channel_set_enabled(delivery.channel, True)
    delivery.channel.user.is_active = False
    delivery.channel.user.save()
    assert claims.claim(10, timezone.now(), dt.timedelta(minutes=5)) == []


def test_an_outcome_does_not_revive_a_delivery_dropped_during_its_attempt():
    delivery = webhook_delivery()
    (claimed,) = claims.claim(10, timezone.now(), dt.timedelta(minutes=5))
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.DROPPED)

    sending.record_all([(claimed, FAILURE)])

    assert fresh(delivery).state == Delivery.State.DROPPED and fresh(delivery).attempts == 0


def test_a_claim_reads_past_a_window_of_deliveries_waiting_behind_earlier_events(monkeypatch):
    monkeypatch.setattr(claims, "WINDOW", 3)
    channel = ChannelFactory(webhook=True)
    watch = WatchFactory(user=channel.user)
    first = webhook_delivery(channel=channel, watch=watch, event_id=1)
    Delivery.objects.filter(pk=first.pk).update(due_at=timezone.now() + dt.timedelta(hours=1))
    for event_id in range(2, 9):
        webhook_delivery(channel=channel, watch=watch, event_id=event_id)
    elsewhere = webhook_delivery(channel=channel, event_id=9)

    taken = claims.claim(1, timezone.now(), dt.timedelta(minutes=5))

    assert [d.pk for d in taken] == [elsewhere.pk]


def test_the_lease_outlasts_a_claims_slowest_attempts(settings):
    settings.NOTIFY_WEBHOOK_TIMEOUT = 10.0
    settings.EMAIL_TIMEOUT = 20
    assert run.lease() == run.LEASE_MARGIN + dt.timedelta(seconds=20 * run.CLAIM_PER_THREAD)


# -- retries, giving up, health ----------------------------------------------------------------


def test_a_failure_is_logged_and_retried_later(hook):
    hook.outcome = FAILURE
    delivery = webhook_delivery()
    before = timezone.now()

    assert notify.deliver_due() == 1

    delivery = fresh(delivery)
    assert delivery.state == Delivery.State.PENDING
    assert delivery.attempts == 1 and delivery.last_attempt_at >= before
    assert delivery.status_code == 503 and delivery.latency_ms == 5
    assert delivery.error == "The receiver answered 503."
    assert before + dt.timedelta(seconds=30) <= delivery.due_at
    assert delivery.due_at <= timezone.now() + dt.timedelta(seconds=37)


def test_a_delivery_is_given_up_once_its_retries_cover_the_window(hook):
    hook.outcome = FAILURE
    delivery = webhook_delivery(attempts=13)

    assert notify.deliver_due() == 1

    delivery = fresh(delivery)
    assert delivery.state == Delivery.State.FAILED and delivery.attempts == 14


def test_an_answer_is_kept_short_and_without_nul_characters():
    outcome = Outcome(ok=False, response_excerpt="a\x00b" + "x" * 600, error="e\x00" * 600)
    assert outcome.response_excerpt == "ab" + "x" * 498
    assert len(outcome.error) == 500 and "\x00" not in outcome.error


def test_a_bug_while_sending_is_a_failed_attempt_not_a_lost_delivery(hook):
    hook.outcome = RuntimeError("boom")
    delivery = webhook_delivery()

    assert notify.deliver_due() == 1

    delivery = fresh(delivery)
    assert delivery.state == Delivery.State.PENDING and delivery.attempts == 1
    assert delivery.error == "Internal error while sending: RuntimeError"


def test_failing_since_is_set_by_the_first_failure_and_cleared_by_a_success(hook):
    hook.outcome = FAILURE
    channel = ChannelFactory(webhook=True)
    first = webhook_delivery(channel=channel)
    notify.deliver_due()
    since = fresh(channel).failing_since
    assert since is not None

    Delivery.objects.filter(pk=first.pk).update(due_at=timezone.now())
    notify.deliver_due()
    assert fresh(channel).failing_since == since  # not moved by later failures

    hook.outcome = Outcome(ok=True, status_code=204)
    Delivery.objects.filter(pk=first.pk).update(due_at=timezone.now())
    notify.deliver_due()
    assert fresh(channel).failing_since is None
    assert fresh(first).state == Delivery.State.SENT


def test_a_webhook_failing_for_days_is_switched_off_and_its_owner_mailed_once(hook, settings):
    settings.NOTIFY_DISABLE_AFTER_DAYS = 3
    hook.outcome = FAILURE
    channel = ChannelFactory(webhook=True, name="ci hook")
    Channel.objects.filter(pk=channel.pk).update(
        failing_since=timezone.now() - dt.timedelta(days=3, minutes=1)
    )
    first, second = webhook_delivery(channel=channel), webhook_delivery(channel=channel)

    assert notify.deliver_due() == 2

    channel = fresh(channel)
    assert not channel.enabled
    assert channel.disabled_reason == "every delivery failed for 3 days"
    (notice,) = mail.outbox
    assert notice.to == [channel.user.email]
    assert notice.subject == "[releasemon] your webhook ci hook was switched off"
    assert "The receiver answered 503." in notice.body
    assert f"{SITE_URL}/settings/notifications/" in notice.body
    # What was waiting is dropped when it comes due; no second mail.
    Delivery.objects.filter(pk__in=[first.pk, second.pk]).update(due_at=timezone.now())
    assert notify.deliver_due() == 0
    assert fresh(first).state == Delivery.State.DROPPED
    assert len(mail.outbox) == 1


def test_a_webhook_failing_for_less_long_stays_on(hook):
    hook.outcome = FAILURE
    channel = ChannelFactory(webhook=True)
    Channel.objects.filter(pk=channel.pk).update(
        failing_since=timezone.now() - dt.timedelta(days=2)
    )
    webhook_delivery(channel=channel)

    notify.deliver_due()

    assert fresh(channel).enabled and mail.outbox == []


def test_an_email_channel_is_never_switched_off_for_failures(monkeypatch):
    monkeypatch.setattr(
        mailer, "send", lambda message: Outcome(ok=False, error="The mail server could not...")
    )
    channel = ChannelFactory()
    Channel.objects.filter(pk=channel.pk).update(
        failing_since=timezone.now() - dt.timedelta(days=30)
    )
    delivery = DeliveryFactory(channel=channel, watch=WatchFactory(user=channel.user))

    assert notify.deliver_due() == 1

    assert fresh(channel).enabled
    assert fresh(delivery).state == Delivery.State.PENDING


# -- tests and redelivery ----------------------------------------------------------------------


def test_a_failed_test_is_logged_once_not_retried_and_does_not_count(hook):
    hook.outcome = FAILURE
    channel = ChannelFactory(webhook=True)

    ping = notify.send_test(channel)

    assert ping.pk is not None and ping.watch is None and ping.project is None
    assert ping.state == Delivery.State.FAILED and ping.attempts == 1
    assert ping.error == "The receiver answered 503."
    assert ping.payload["type"] == "ping" and ping.payload["test"] is True
    assert fresh(channel).failing_since is None
    assert notify.deliver_due() == 0
    # Another test right away is logged too.
    assert notify.send_test(channel).pk != ping.pk
    assert channel.deliveries.count() == 2


def test_a_test_mail_is_one_message_with_the_unsubscribe_headers():
    channel = ChannelFactory(name="inbox")
    WatchFactory(user=channel.user)

    result = notify.send_test(channel)

    assert result.state == Delivery.State.SENT and result.pk is not None
    (message,) = mail.outbox
    assert message.to == [channel.target]
    assert message.subject == "[releasemon] test message for your channel inbox"
    assert message.extra_headers["List-Unsubscribe"] == f"<{notify.unsubscribe_url(channel)}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.alternatives[0].mimetype == "text/html"


def test_redeliver_sends_again_with_the_same_id_keeping_the_attempts(hook):
    delivery = webhook_delivery()
    notify.deliver_due()
    assert fresh(delivery).state == Delivery.State.SENT

    again = notify.redeliver(delivery)

    assert again.state == Delivery.State.PENDING and again.attempts == 1
    assert again.due_at <= timezone.now()
    assert notify.deliver_due() == 1
    assert [msg_id for _, msg_id, _ in hook.calls] == [str(delivery.message_id)] * 2
    assert fresh(delivery).attempts == 2 and fresh(delivery).state == Delivery.State.SENT


def test_a_redelivered_failed_delivery_gets_one_more_try(hook):
    hook.outcome = FAILURE
    delivery = webhook_delivery(attempts=14, state=Delivery.State.FAILED)

    notify.redeliver(delivery)
    assert notify.deliver_due() == 1

    delivery = fresh(delivery)
    assert delivery.state == Delivery.State.FAILED and delivery.attempts == 15


def test_a_release_mail_reads_the_fan_outs_payload():
    channel = ChannelFactory()
    watch = WatchFactory(user=channel.user)
    DeliveryFactory(
        channel=channel,
        watch=watch,
        payload={
            "type": "release",
            "event_id": 5,
            "project": {"id": watch.project.pk, "name": "gadget", "homepage": "", "url": ""},
            "versions": ["1.0", "1.1", "1.2", "2.0"],
            "latest": "2.0",
            "previous": None,
            "published_at": {},
            "links": {"project": "", "release": None},
            "packages": [],
        },
    )

    assert notify.deliver_due() == 1

    (message,) = mail.outbox
    assert message.subject == "[releasemon] gadget 1.1, 1.2, 2.0 and 1 more released"
    assert f"{SITE_URL}/project/{watch.project.pk}/" in message.body
    assert "previous version" not in message.body and "Packaged" not in message.body
    assert "None" not in message.body


def test_line_breaks_in_names_do_not_break_the_subject():
    channel = ChannelFactory(name="my\nchannel")
    WatchFactory(user=channel.user)

    assert notify.send_test(channel).state == Delivery.State.SENT

    assert mail.outbox[0].subject == "[releasemon] test message for your channel my channel"


# -- the unsubscribe page ----------------------------------------------------------------------


def test_one_click_unsubscribe_as_a_mail_client_posts_it(client):
    channel = ChannelFactory()
    token = notify.unsubscribe_url(channel).rsplit("/", 2)[-2]
    path = reverse("projects:notify_unsubscribe", args=[token])
    assert notify.unsubscribe_url(channel) == SITE_URL + path

    response = client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    channel = fresh(channel)
    assert not channel.enabled and channel.disabled_reason == "unsubscribed"
    assert response["Referrer-Policy"] == "no-referrer"
    # Again, and the page: already off.
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    page = client.get(path)
    assert page.status_code == 200 and "Already unsubscribed" in page.content.decode()
    assert client.head(path).status_code == 200


def test_bad_tampered_or_foreign_tokens_are_a_400_page(client):
    channel = ChannelFactory()
    good = notify.unsubscribe_url(channel).rsplit("/", 2)[-2]
    other = ChannelFactory()
    forged = f"{other.pk}:{good.split(':', 1)[1]}"
    wrong_salt = signing.Signer(salt="something.else").sign(str(channel.pk))
    for token in ("nonsense", good[:-2], forged, wrong_salt, "x" * 300, f"{good}x"):
        path = f"/notifications/unsubscribe/{token}/"
        for answer in (client.get(path), client.post(path, {"List-Unsubscribe": "One-Click"})):
            assert answer.status_code == 400, token
            assert "not valid" in answer.content.decode()
    assert fresh(channel).enabled and fresh(other).enabled


def test_a_post_without_the_one_click_field_changes_nothing(client):
    channel = ChannelFactory()
    path = notify.unsubscribe_url(channel).removeprefix(SITE_URL)

    assert client.post(path, {}).status_code == 400
    assert client.put(path).status_code == 405
    assert fresh(channel).enabled


def test_the_link_of_a_deleted_channel_says_there_is_nothing_left(client):
    channel = ChannelFactory()
    path = notify.unsubscribe_url(channel).removeprefix(SITE_URL)
    channel.delete()

    for answer in (client.get(path), client.post(path, {"List-Unsubscribe": "One-Click"})):
        assert answer.status_code == 200
        assert "Nothing to unsubscribe" in answer.content.decode()


def test_a_test_sent_again_goes_at_once_even_on_a_digest_channel():
    channel = ChannelFactory(schedule=Channel.Schedule.DAILY)
    ping = notify.send_test(channel)
    assert ping.state == Delivery.State.SENT

    notify.redeliver(ping)

    assert notify.deliver_due() == 1
    assert fresh(ping).state == Delivery.State.SENT
    assert len(mail.outbox) == 2
