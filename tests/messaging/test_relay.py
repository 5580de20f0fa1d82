"""The relay's ordering, failure and backoff rules, with a publisher that needs no broker."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.db import connection
from django.utils import timezone

from messaging import outbox, relay, topics
from messaging.models import OutboxMessage

pytestmark = pytest.mark.django_db


class FakePublisher:
    """Records what it publishes; fails on the topics listed in ``fail_on`` or on open."""

    def __init__(self, *, fail_on: set[str] = frozenset(), refuse: bool = False) -> None:
        self.published: list[int] = []
        self.fail_on = set(fail_on)
        self.refuse = refuse
        self.closed = 0

    def open(self) -> None:
        if self.refuse:
            raise relay.BrokerError("127.0.0.1:1: ConnectionRefusedError: refused")

    def publish(self, row: OutboxMessage) -> None:
        if row.body["message"]["distro"] in self.fail_on:
            raise relay.BrokerError("the broker refused the message (nack)")
        self.published.append(row.pk)

    def close(self) -> None:
        self.closed += 1


def emit_distros(*names: str) -> list[OutboxMessage]:
    return [outbox.emit(topics.distro_add(name, "alice")) for name in names]


def test_publishes_in_id_order_and_marks_sent():
    rows = emit_distros("a", "b", "c")
    publisher = FakePublisher()
    seen: list[int] = []
    result = relay.publish_pending(publisher=publisher, on_sent=lambda row: seen.append(row.pk))
    assert result.sent == 3 and result.error is None
    assert publisher.published == seen == [row.pk for row in rows]
    assert not OutboxMessage.objects.pending().exists()
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


def test_batches_until_nothing_is_left():
    rows = emit_distros(*(f"d{i}" for i in range(7)))
    publisher = FakePublisher()
    assert relay.publish_pending(publisher=publisher, batch_size=3).sent == 7
    assert publisher.published == [row.pk for row in rows]


def test_stops_at_the_first_failure_and_backs_off():
    first, failing, last = emit_distros("a", "bad", "c")
    publisher = FakePublisher(fail_on={"bad"})
    result = relay.publish_pending(publisher=publisher)
    assert result.sent == 1
    assert result.error == "the broker refused the message (nack)"
    assert publisher.published == [first.pk]  # never row N+1 before row N
    failing.refresh_from_db()
    assert failing.state == "failed"
    assert failing.attempts == 1
    assert failing.last_error == result.error
    assert failing.next_attempt_at > timezone.now()
    last.refresh_from_db()
    assert last.state == "pending" and last.attempts == 0

    # In backoff: nothing is attempted, not even the rows after it.
    again = relay.publish_pending(publisher=publisher)
    assert again.sent == 0 and again.waiting_until == failing.next_attempt_at

    publisher.fail_on.clear()
    outbox.retry_now(OutboxMessage.objects.all())
    assert relay.publish_pending(publisher=publisher).sent == 2
    assert publisher.published == [first.pk, failing.pk, last.pk]
    failing.refresh_from_db()
    assert failing.state == "sent" and failing.attempts == 2 and failing.last_error == ""


def test_backoff_grows_exponentially_up_to_a_ceiling():
    assert [relay.backoff_seconds(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert relay.backoff_seconds(50) == relay.BACKOFF_MAX_SECONDS


def test_unreachable_broker_records_the_error_on_the_head_row():
    head, other = emit_distros("a", "b")
    result = relay.publish_pending(publisher=FakePublisher(refuse=True))
    assert result.sent == 0 and "ConnectionRefusedError" in result.error
    head.refresh_from_db()
    other.refresh_from_db()
    assert head.attempts == 1 and head.state == "failed"
    assert other.attempts == 0 and other.state == "pending"


def test_repeated_failures_keep_counting():
    (row,) = emit_distros("a")
    publisher = FakePublisher(refuse=True)
    for _ in range(3):
        relay.publish_pending(publisher=publisher, respect_backoff=False)
    row.refresh_from_db()
    assert row.attempts == 3
    expected = relay.backoff_seconds(3)
    delay = (row.next_attempt_at - timezone.now()).total_seconds()
    assert expected - 2 < delay <= expected


def test_without_url_nothing_happens(settings):
    settings.AMQP_URL = None
    emit_distros("a")
    result = relay.publish_pending()
    assert (result.sent, result.error, int(result)) == (0, None, 0)
    assert OutboxMessage.objects.pending().count() == 1


def test_empty_outbox():
    assert relay.publish_pending(publisher=FakePublisher()).sent == 0


def test_bounded_in_time():
    emit_distros(*(f"d{i}" for i in range(5)))
    result = relay.publish_pending(publisher=FakePublisher(), batch_size=2, max_seconds=0)
    assert result.sent == 2  # one batch, then the deadline has passed
    assert OutboxMessage.objects.pending().count() == 3


def test_describe_turns_pika_errors_into_one_line():
    import pika.exceptions

    error = pika.exceptions.ChannelClosedByBroker(404, "NOT_FOUND - no exchange 'x'")
    assert relay.describe(error) == "channel closed by the broker: 404 NOT_FOUND - no exchange 'x'"
    assert relay.describe(ConnectionRefusedError(111, "Connection refused")) == (
        "the connection was refused. Is RabbitMQ running, and is AMQP_URL right?"
    )
    assert relay.describe(OSError(113, "No route to host")) == "no route to host."


def test_a_broker_that_is_down_is_one_readable_line_per_attempt(caplog):
    """Real sockets: a closed port. The row and the log say what happened and what to try,
    in one line, with no errno, repr or traceback."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (row,) = emit_distros("a")
    with caplog.at_level(logging.DEBUG, logger="messaging"):
        result = relay.publish_pending(url=f"amqp://guest:s3cret@127.0.0.1:{port}/%2F")
    assert result.error == (
        f"Could not connect to the message broker at 127.0.0.1 port {port}: the connection "
        "was refused. Is RabbitMQ running, and is AMQP_URL right?"
    )
    row.refresh_from_db()
    assert row.last_error == result.error
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1 and records[0].exc_info is None
    assert records[0].getMessage().endswith(result.error)
    assert "s3cret" not in records[0].getMessage()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_second_relay_waits_for_the_first_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the relay lock is PostgreSQL's advisory lock; SQLite serialises writers")
    from django.db import connections

    emit_distros("a")
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [relay.RELAY_LOCK_KEY])
        result = relay.publish_pending(publisher=FakePublisher())
        assert result.busy and result.sent == 0
    finally:
        other.rollback()
        other.close()
    assert relay.publish_pending(publisher=FakePublisher()).sent == 1


def test_rows_are_eligible_again_after_the_backoff(settings):
    (row,) = emit_distros("a")
    OutboxMessage.objects.filter(pk=row.pk).update(
        last_error="x", next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert relay.publish_pending(publisher=FakePublisher()).sent == 1
