"""Against the real RabbitMQ on 127.0.0.1:5672 (skipped with a reason when it is not there)."""

from __future__ import annotations

import json
import socket
import time
import warnings

import pytest
from django.db import transaction
from django.utils import timezone
from fedora_messaging.message import get_message

from messaging import outbox, relay, topics
from messaging.models import OutboxMessage
from projects import messages
from tests.factories import ProjectFactory
from tests.messaging.conftest import AMQP_URL, closed_port, every_topic

pytestmark = [pytest.mark.rabbitmq, pytest.mark.django_db(transaction=True)]


def test_a_committed_change_reaches_a_queue_bound_to_everything(bus):
    with transaction.atomic():
        project = ProjectFactory(name="pika")
        message = messages.project_add(project, "alice")
        row = outbox.emit(message)

    result = relay.publish_pending()
    assert (result.sent, result.error) == (1, None)

    (received,) = bus.receive(1)
    assert received.exchange == "amq.topic"
    assert received.routing_key == f"{bus.prefix}.anitya.project.add"
    properties = received.properties
    assert properties.content_type == "application/json"
    assert properties.content_encoding == "utf-8"
    assert properties.delivery_mode == 2
    assert properties.message_id == str(row.message_id)
    assert properties.timestamp == int(row.created.timestamp())
    assert properties.headers == row.headers
    assert properties.headers["fedora_messaging_schema"] == "anitya.project.add"
    assert properties.headers["fedora_messaging_schema_package"] == "anitya_schema"
    assert json.loads(received.body) == message.body
    row.refresh_from_db()
    assert row.state == "sent" and row.attempts == 1


def test_a_rolled_back_change_sends_nothing(bus):
    with pytest.raises(RuntimeError), transaction.atomic():
        project = ProjectFactory()
        outbox.emit(messages.project_add(project, "alice"))
        raise RuntimeError("the change fails")
    assert relay.publish_pending().sent == 0
    assert bus.quiet() == []


def test_every_topic_is_readable_by_a_plain_pika_consumer(bus, sample):
    with transaction.atomic():
        built = every_topic(sample)
        rows = outbox.emit_all(built)
    assert relay.publish_pending().sent == 15

    received = bus.receive(15)
    assert [r.properties.message_id for r in received] == [str(row.message_id) for row in rows]
    for message, delivery in zip(built, received, strict=True):
        body = json.loads(delivery.body.decode(delivery.properties.content_encoding))
        assert body == message.body
        assert delivery.routing_key == f"{bus.prefix}.anitya.{message.topic}"
        # fedora-messaging's own consumer path: class from the headers, then schema validation.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            decoded = get_message(delivery.routing_key, delivery.properties, delivery.body)
        assert decoded.body == message.body
        assert type(decoded).__module__.startswith("anitya_schema")


def test_messages_wait_while_the_broker_is_unreachable_then_all_arrive_in_order(bus, settings):
    with transaction.atomic():
        rows = [outbox.emit(topics.distro_add(f"distro{i}", "alice")) for i in range(5)]

    settings.AMQP_URL = f"amqp://guest:guest@127.0.0.1:{closed_port()}/%2F"
    down = relay.publish_pending()
    assert down.sent == 0
    assert "the connection was refused" in down.error
    assert OutboxMessage.objects.pending().count() == 5
    head = OutboxMessage.objects.get(pk=rows[0].pk)
    assert head.state == "failed" and head.attempts == 1 and head.next_attempt_at

    settings.AMQP_URL = AMQP_URL  # the broker is back
    waiting = relay.publish_pending()
    assert waiting.sent == 0 and waiting.waiting_until == head.next_attempt_at
    time.sleep(max((head.next_attempt_at - timezone.now()).total_seconds(), 0) + 0.05)

    back = relay.publish_pending()
    assert (back.sent, back.error) == (5, None)
    received = bus.receive(5)
    assert [r.properties.message_id for r in received] == [str(row.message_id) for row in rows]
    assert [json.loads(r.body)["message"]["distro"] for r in received] == [
        f"distro{i}" for i in range(5)
    ]
    assert not OutboxMessage.objects.pending().exists()


def _drop_connection(publisher: relay.Publisher) -> None:
    """Cut the TCP connection under pika, as a broker restart or a network failure does."""
    try:
        sock = publisher._connection._impl._transport._sock
    except AttributeError:
        pytest.skip("pika's socket is not where this test expects it")
    sock.shutdown(socket.SHUT_RDWR)


def test_a_dropped_connection_is_reopened_without_losing_or_reordering(bus):
    publisher = relay.Publisher(AMQP_URL)
    try:
        first = outbox.emit(topics.distro_add("before", "alice"))
        assert relay.publish_pending(publisher=publisher).sent == 1
        _drop_connection(publisher)

        later = [outbox.emit(topics.distro_add(f"after{i}", "alice")) for i in range(3)]
        result = relay.publish_pending(publisher=publisher)
        # The next run notices the dead connection before publishing and opens a new one.
        assert (result.sent, result.error) == (3, None)
        assert OutboxMessage.objects.pending().count() == 0
    finally:
        publisher.close()
    ids = [r.properties.message_id for r in bus.receive(4)]
    expected = [str(row.message_id) for row in [first, *later]]
    assert ids == expected


def test_a_missing_exchange_is_a_readable_error(bus, settings):
    settings.AMQP_EXCHANGE = "releasemon.no-such-exchange"
    outbox.emit(topics.distro_add("x", "alice"))
    result = relay.publish_pending()
    assert result.sent == 0
    assert "404 NOT_FOUND - no exchange 'releasemon.no-such-exchange'" in result.error
