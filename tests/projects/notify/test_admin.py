"""Notifications in the moderation console: the delivery log with its filters and retry
action, the channels with their failure counts and on/off actions, the watches; all through
the services, recorded in the admin log, and cheap on big tables."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.notify import services
from projects.notify.models import Channel, Delivery, WatchlistFeed
from tests.factories import AdminFactory, DistroFactory, ProjectFactory, UserFactory
from tests.projects.notify.factories import (
    ChannelFactory,
    DeliveryFactory,
    DistroWatchFactory,
    WatchFactory,
)

pytestmark = pytest.mark.django_db

MODELS = ["notify_delivery", "notify_channel", "notify_watch", "notify_watchlistfeed"]
SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#releases"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory(username="moderator"))
    return client


@pytest.fixture
def rows():
    ada = UserFactory(email="ada@example.org", username="ada")
    watch = WatchFactory(user=ada, project=ProjectFactory(name="geany"))
    DistroWatchFactory(user=ada, distro=DistroFactory(name="Fedora"))
    hook = ChannelFactory(user=ada, webhook=True, target="https://hooks.example.org/T0/secret-path")
    mail = ChannelFactory(user=ada, name="Mail")
    services.watchlist_feed_new_secret(ada)
    return {
        "ada": ada,
        "watch": watch,
        "hook": hook,
        "mail": mail,
        "failed": DeliveryFactory(watch=watch, channel=hook, state="failed", status_code=500),
        "sent": DeliveryFactory(watch=watch, channel=mail, state="sent", latency_ms=12),
        "other": DeliveryFactory(state="pending"),
    }


def found(client, model: str, **params) -> set:
    response = client.get(reverse(f"admin:{model}_changelist"), params)
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def run_action(client, model: str, action: str, objects):
    data = {"action": action, "_selected_action": [str(obj.pk) for obj in objects], "index": "0"}
    return client.post(reverse(f"admin:{model}_changelist"), data, follow=True)


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# -- access and cost ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_lists_and_pages_open_read_only(admin_client, rows, model):
    response = admin_client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200
    assert reverse(f"admin:{model}_add") not in response.content.decode()
    first = response.context["cl"].result_list[0]
    page = admin_client.get(reverse(f"admin:{model}_change", args=[first.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # nothing to edit by hand
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 403
    delete = admin_client.post(reverse(f"admin:{model}_delete", args=[first.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert type(first).objects.filter(pk=first.pk).exists()


@pytest.mark.parametrize("model", MODELS)
def test_non_administrators_are_sent_to_the_login_page(client, model):
    client.force_login(UserFactory())
    response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", MODELS)
def test_list_query_count_does_not_grow_with_rows(admin_client, model):
    url = reverse(f"admin:{model}_changelist")
    DeliveryFactory.create_batch(3, state="failed")
    few = _queries(admin_client, url)
    DeliveryFactory.create_batch(20, state="sent")
    assert _queries(admin_client, url) == few


def test_a_chats_page_shows_its_url_with_the_tokens_masked(admin_client, rows):
    chat = services.channel_create(rows["ada"], kind="chat", name="Team", target=SLACK).channel
    text = admin_client.get(reverse("admin:notify_channel_change", args=[chat.pk])).content
    assert b"slack://" in text
    assert b"TIiajkdnlazkcOXrIdevi7FQ" not in text and b"A1BRTD4JD" not in text


def test_revoke_a_watchlist_feed(admin_client, rows):
    feed = WatchlistFeed.objects.get(user=rows["ada"])
    page = admin_client.get(reverse("admin:notify_watchlistfeed_change", args=[feed.pk]))
    assert feed.key_hash not in page.content.decode()

    answer = run_action(admin_client, "notify_watchlistfeed", "revoke_feeds", [feed])

    assert page_messages(answer) == ["Revoked the watchlist feed of ada <ada@example.org>."]
    assert not WatchlistFeed.objects.exists()
    assert LogEntry.objects.get().object_repr == str(feed)


def test_the_channel_page_shows_no_secret_nor_a_webhooks_path(admin_client, rows):
    page = admin_client.get(reverse("admin:notify_channel_change", args=[rows["hook"].pk]))
    text = page.content.decode()
    assert "https://hooks.example.org/…" in text
    assert "secret-path" not in text and rows["hook"].secret not in text
    page = admin_client.get(reverse("admin:notify_channel_change", args=[rows["mail"].pk]))
    assert rows["mail"].target in page.content.decode()


# -- deliveries ---------------------------------------------------------------------------------


def test_deliveries_newest_first_with_their_columns(admin_client, rows):
    response = admin_client.get(reverse("admin:notify_delivery_changelist"))
    assert list(response.context["cl"].result_list) == [rows["other"], rows["sent"], rows["failed"]]
    text = response.content.decode()
    assert "ada@example.org" in text and "geany" in text


def test_deliveries_filter_and_search(admin_client, rows):
    assert found(admin_client, "notify_delivery", state="failed") == {rows["failed"]}
    assert found(admin_client, "notify_delivery", channel__kind__exact="email") == {
        rows["sent"],
        rows["other"],
    }
    assert found(admin_client, "notify_delivery", q="geany") == {rows["failed"], rows["sent"]}
    assert found(admin_client, "notify_delivery", q="ada@example.org") == {
        rows["failed"],
        rows["sent"],
    }
    Delivery.objects.filter(pk=rows["other"].pk).update(
        created=timezone.now() - dt.timedelta(days=40)
    )
    since = (timezone.now() - dt.timedelta(days=7)).isoformat()
    assert found(admin_client, "notify_delivery", created__gte=since) == {
        rows["failed"],
        rows["sent"],
    }


def test_retry_selected_deliveries(admin_client, rows):
    failed = rows["failed"]
    response = run_action(admin_client, "notify_delivery", "retry_deliveries", [failed])
    assert page_messages(response) == [f"1 delivery due again now: #{failed.pk}."]
    failed.refresh_from_db()
    assert failed.state == Delivery.State.PENDING
    assert failed.due_at <= timezone.now()
    entry = LogEntry.objects.get()
    assert (entry.object_id, entry.change_message) == (str(failed.pk), "Retried")


def test_retry_from_the_deliverys_page(admin_client, rows):
    failed = rows["failed"]
    page = admin_client.get(reverse("admin:notify_delivery_change", args=[failed.pk]))
    url = reverse("admin:notify_delivery_object_action", args=[failed.pk, "retry_deliveries"])
    assert url in page.content.decode()
    response = admin_client.post(url)
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == Delivery.State.PENDING


# -- channels -----------------------------------------------------------------------------------


def test_channels_count_their_failed_and_sent_deliveries(admin_client, rows):
    DeliveryFactory(watch=rows["watch"], channel=rows["hook"], state="failed")
    DeliveryFactory(watch=rows["watch"], channel=rows["hook"], state="sent")
    response = admin_client.get(reverse("admin:notify_channel_changelist"))
    counts = {
        channel.pk: (channel.failed_count, channel.sent_count)
        for channel in response.context["cl"].result_list
    }
    assert counts[rows["hook"].pk] == (2, 1)
    assert counts[rows["mail"].pk] == (0, 1)
    # Column 6 (after the action checkbox): the failed count, most first.
    ordered = admin_client.get(reverse("admin:notify_channel_changelist"), {"o": "-6"})
    assert ordered.context["cl"].result_list[0] == rows["hook"]


def test_channels_filter_and_search(admin_client, rows):
    assert found(admin_client, "notify_channel", kind__exact="webhook") == {rows["hook"]}
    assert found(admin_client, "notify_channel", q="ada") == {rows["hook"], rows["mail"]}
    assert found(admin_client, "notify_channel", q="Mail") >= {rows["mail"]}


def test_disable_and_enable_channels(admin_client, rows):
    hook, mail = rows["hook"], rows["mail"]
    Channel.objects.filter(pk=hook.pk).update(failing_since=timezone.now())
    response = run_action(admin_client, "notify_channel", "disable_channels", [hook, mail])
    assert page_messages(response) == [f"Disabled 2 channels: #{hook.pk}, #{mail.pk}."]
    hook.refresh_from_db()
    assert (hook.enabled, hook.disabled_reason) == (False, "Disabled by an administrator.")
    again = run_action(admin_client, "notify_channel", "disable_channels", [hook])
    assert page_messages(again) == ["The selected channels were already disabled."]
    response = run_action(admin_client, "notify_channel", "enable_channels", [hook])
    assert page_messages(response) == [f"Enabled 1 channel: #{hook.pk}."]
    hook.refresh_from_db()
    assert (hook.enabled, hook.disabled_reason, hook.failing_since) == (True, "", None)
    assert [entry.change_message for entry in LogEntry.objects.order_by("id")] == [
        "Disabled",
        "Disabled",
        "Enabled",
    ]


def test_disable_from_the_channels_page(admin_client, rows):
    hook = rows["hook"]
    url = reverse("admin:notify_channel_object_action", args=[hook.pk, "disable_channels"])
    assert admin_client.post(url).status_code == 302
    hook.refresh_from_db()
    assert not hook.enabled


# -- watches ------------------------------------------------------------------------------------


def test_watches_search_by_user_project_and_distro(admin_client, rows):
    watch = rows["watch"]
    distro_watch = rows["ada"].watches.get(distro__isnull=False)
    WatchFactory()
    assert found(admin_client, "notify_watch", q="geany") == {watch}
    assert found(admin_client, "notify_watch", q="fedora") == {distro_watch}
    assert found(admin_client, "notify_watch", q="ada@example.org") == {watch, distro_watch}
    assert found(admin_client, "notify_watch", min_change__exact="major") == set()
