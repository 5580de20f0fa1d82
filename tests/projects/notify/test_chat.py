"""Chat channels through Apprise, end to end: Apprise's JSON service posting to a real
endpoint on 127.0.0.1, the address guard in front of every connection it makes, the URLs a
chat channel may use, and how they are shown again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from projects.notify import chat_urls, services
from projects.notify import delivery as notify
from projects.notify.models import Channel, Delivery
from projects.services import InvalidInput
from tests.factories import UserFactory
from tests.projects.notify.factories import ChannelFactory, DeliveryFactory, WatchFactory

pytestmark = pytest.mark.django_db

SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#releases"


def chat_delivery(target: str) -> Delivery:
    channel = ChannelFactory(chat=True, target=target)
    return DeliveryFactory(channel=channel, watch=WatchFactory(user=channel.user))


# -- sending -----------------------------------------------------------------------------------


def test_a_release_arrives_as_a_chat_message(endpoint, allow_loopback):
    chat = endpoint()
    delivery = chat_delivery(chat.url)
    payload = delivery.payload

    assert notify.deliver_due() == 1

    (message,) = chat.messages
    name, latest = payload["project"]["name"], payload["versions"][-1]
    assert message["title"] == f"{name} {', '.join(payload['versions'])} released"
    assert f"{name} released {latest}" in message["message"]
    assert "Project page: " in message["message"]
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT and delivery.attempts == 1
    assert delivery.latency_ms is not None and delivery.error == ""
    assert notify.deliver_due() == 0


def test_a_refusing_chat_service_is_retried_with_its_reason_in_the_log(endpoint, allow_loopback):
    chat = endpoint(status=503)
    delivery = chat_delivery(chat.url)

    assert notify.deliver_due() == 1

    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PENDING and delivery.due_at > timezone.now()
    assert delivery.error.startswith("The chat service did not take the message")
    assert "503" in delivery.error
    assert Channel.objects.get(pk=delivery.channel_id).failing_since is not None

    chat.status = 200
    Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now())
    assert notify.deliver_due() == 1
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT and delivery.attempts == 2
    assert len(chat.messages) == 2


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1", "Not sent: This address is not reachable from the internet."),
        # A name is checked when the connection is made, by the address guard.
        ("localhost", "refusing to connect to"),
    ],
)
def test_a_private_address_is_refused_without_a_request(endpoint, host, reason):
    chat = endpoint()
    delivery = chat_delivery(f"json://{host}:{chat.port}/chat")

    assert notify.deliver_due() == 1

    assert chat.messages == []
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PENDING
    assert reason in delivery.error


def test_the_test_button_sends_a_chat_message_now(endpoint, allow_loopback):
    chat = endpoint()
    channel = ChannelFactory(chat=True, target=chat.url, name="team room")

    sent = notify.send_test(channel)

    (message,) = chat.messages
    assert message["title"] == "releasemon test message"
    assert '"team room"' in message["message"]
    assert sent.state == Delivery.State.SENT and sent.is_test


def test_a_chat_failing_for_days_is_switched_off_and_its_owner_told(endpoint, allow_loopback):
    chat = endpoint(status=500)
    delivery = chat_delivery(chat.url)
    Channel.objects.filter(pk=delivery.channel_id).update(
        failing_since=timezone.now() - dt.timedelta(days=4)
    )

    assert notify.deliver_due() == 1

    channel = Channel.objects.get(pk=delivery.channel_id)
    assert not channel.enabled
    (notice,) = mail.outbox
    assert notice.subject == f"[releasemon] your chat channel {channel.name} was switched off"
    assert "127.0.0.1" in notice.body


# -- which URLs, and how they are shown --------------------------------------------------------


def add_chat(target: str) -> Channel:
    return services.channel_create(
        UserFactory(), kind=Channel.Kind.CHAT, name="chat", target=target
    ).channel


def test_a_chat_channel_shows_its_url_with_the_tokens_masked():
    channel = add_chat(f"  {SLACK}  ")

    assert channel.target == SLACK
    assert channel.shown_target.startswith("slack://")
    for token in ("T1JJ3T3L2", "A1BRTD4JD", "TIiajkdnlazkcOXrIdevi7FQ"):
        assert token not in channel.shown_target


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("mailto://user:pass@gmail.com", "mailto:// is not a chat service"),
        ("syslog://", "syslog:// is not a chat service"),
        ("mqtt://broker.example/topic", "mqtt:// is not a chat service"),
        ("https://hooks.example.org/x", "https:// is not a chat service"),
        ("slack", "This is not an Apprise URL"),
        ("slack://", "This is not an Apprise URL"),
        ("discord://", "This is not an Apprise URL"),
        ("tgram://not-a-token", "Apprise cannot read this Telegram URL"),
        ("json://10.1.2.3/hook", "not reachable from the internet"),
        ("jsons://[::1]:8443/hook", "not reachable from the internet"),
        ("json://chat.example.org/\nhook", "Enter an Apprise URL"),
        ("json://chat.example.org/" + "x" * 2000, "Enter an Apprise URL"),
        ("slack://A/B/C/" + "/".join(f"#c{n}" for n in range(11)), "at most 10 targets"),
    ],
)
def test_urls_a_chat_channel_may_not_use_are_refused_saying_why(target, reason):
    with pytest.raises(InvalidInput) as refused:
        add_chat(target)
    assert reason in refused.value.errors["target"]
    assert not Channel.objects.exists()


def test_a_bot_id_is_not_read_as_an_address():
    # tgram://<bot id>:<token>: 12345 would be 0.0.48.57 to the C resolver.
    channel = add_chat("tgram://12345:AAHbcdefghijklmnopqrstuvwxyz0123456/-100123456")
    assert channel.kind == Channel.Kind.CHAT


def test_every_listed_service_is_an_http_plugin_of_apprise():
    import apprise

    # The guard stands in front of requests: every listed plugin (or the plugin it builds
    # on) must send with it, not with a socket of its own.
    manager = apprise.manager_plugins.NotificationManager()
    for scheme in chat_urls.SERVICES:
        plugin = manager[scheme]
        module = __import__(plugin.__module__, fromlist=["_"])
        assert "requests" in vars(module) or any(
            "requests" in vars(__import__(base.__module__, fromlist=["_"]))
            for base in plugin.__mro__[1:]
            if base.__module__.startswith("apprise.plugins")
        ), scheme
