"""emit() writes a row in the caller's transaction; prune() keeps what is pending."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from messaging import outbox, tasks, topics
from messaging.models import OutboxMessage
from projects import messages
from tests.factories import DistroFactory, PackageFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_emit_stores_topic_body_and_fedora_messaging_headers():
    project = ProjectFactory(name="pika")
    message = messages.project_add(project, "alice")
    row = outbox.emit(message)
    row.refresh_from_db()
    assert row.topic == "project.add"
    assert row.body == message.body
    assert isinstance(row.message_id, uuid.UUID)
    assert row.sent_at is None and row.attempts == 0 and row.last_error == ""
    assert row.state == "pending"
    sent_at = row.headers.pop("sent-at")
    assert row.headers == {
        "fedora_messaging_schema": "anitya.project.add",
        "fedora_messaging_schema_package": "anitya_schema",
        "fedora_messaging_severity": 20,
        "priority": 0,
    }
    parsed = datetime.datetime.fromisoformat(sent_at)
    assert parsed.utcoffset() == datetime.timedelta(0)
    assert abs(parsed - timezone.now()) < datetime.timedelta(seconds=5)


def test_fedora_packages_get_filter_headers():
    package = PackageFactory(distro=DistroFactory(name="Fedora"), package_name="python-pika")
    row = outbox.emit(messages.map_new(package, "alice"))
    assert row.headers["fedora_messaging_rpm_python-pika"] is True
    other = PackageFactory(distro=DistroFactory(name="Debian"))
    assert not any("rpm" in key for key in outbox.emit(messages.map_new(other, "a")).headers)


def test_rolled_back_change_leaves_no_message():
    with pytest.raises(RuntimeError), transaction.atomic():
        project = ProjectFactory()
        outbox.emit(messages.project_add(project, "alice"))
        raise RuntimeError("the change fails after emitting")
    assert not OutboxMessage.objects.exists()


def test_emit_all_keeps_order():
    project = ProjectFactory()
    rows = outbox.emit_all(
        messages.version_update(
            project, upstream_version="1.0", old_version="", upstream_versions=["1.0"]
        )
    )
    assert [row.topic for row in rows] == ["project.version.update", "project.version.update.v2"]
    assert rows[0].pk < rows[1].pk


def test_a_checks_messages_take_one_lock_and_one_insert():
    """The emit lock serialises every emitting transaction until it commits: each statement
    in that window is a wait for all the others."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    project = ProjectFactory()
    built = messages.version_update(
        project, upstream_version="2.0", old_version="1.0", upstream_versions=["2.0"]
    )
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        outbox.emit_all(built)
    statements = [query["sql"].split()[0].upper() for query in queries]
    assert statements.count("INSERT") == 1
    assert sum("pg_advisory_xact_lock" in query["sql"] for query in queries) == (
        1 if connection.vendor == "postgresql" else 0
    )
    assert OutboxMessage.objects.count() == 2


def test_routing_key(settings):
    settings.AMQP_TOPIC_PREFIX = "org.release-monitoring.prod"
    assert outbox.routing_key("project.add") == "org.release-monitoring.prod.anitya.project.add"
    settings.AMQP_TOPIC_PREFIX = "org.example.stg."
    assert outbox.routing_key("distro.add") == "org.example.stg.anitya.distro.add"
    settings.AMQP_TOPIC_PREFIX = ""
    assert outbox.routing_key("distro.add") == "anitya.distro.add"


def _row(*, days_old: float, sent: bool, error: str = "") -> OutboxMessage:
    created = timezone.now() - datetime.timedelta(days=days_old)
    return OutboxMessage.objects.create(
        topic="distro.add",
        body={},
        created=created,
        sent_at=created if sent else None,
        last_error=error,
    )


def test_prune_deletes_only_old_sent_messages(settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    old_sent = _row(days_old=31, sent=True)
    old_pending = _row(days_old=90, sent=False)
    old_failed = _row(days_old=90, sent=False, error="boom")
    recent_sent = _row(days_old=29, sent=True)
    assert tasks.prune_messages() == 1
    remaining = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert remaining == {old_pending.pk, old_failed.pk, recent_sent.pk}
    assert old_sent.pk not in remaining


def test_prune_with_zero_retention_keeps_everything():
    _row(days_old=400, sent=True)
    assert outbox.prune(0) == 0
    assert OutboxMessage.objects.count() == 1


def test_retry_now_clears_backoff_of_pending_rows_only():
    failed = _row(days_old=0, sent=False, error="connection refused")
    OutboxMessage.objects.filter(pk=failed.pk).update(
        next_attempt_at=timezone.now() + datetime.timedelta(hours=1)
    )
    sent = _row(days_old=0, sent=True, error="")
    assert outbox.retry_now(OutboxMessage.objects.all()) == 1
    failed.refresh_from_db()
    assert failed.next_attempt_at is None and failed.last_error == ""
    assert failed.state == "pending"
    sent.refresh_from_db()
    assert sent.state == "sent"


def test_relay_task_without_broker_does_nothing(settings):
    settings.AMQP_URL = None
    outbox.emit(topics.distro_add("Fedora", "alice"))
    assert tasks.relay_messages() == 0
    assert OutboxMessage.objects.pending().count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_emitting_transactions_commit_in_id_order_on_postgresql():
    """A later emitter waits for an earlier one's commit, so the event log never skips an id."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite serialises all writers anyway")

    emitted = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def first() -> None:
        try:
            with transaction.atomic():
                outbox.emit(topics.distro_add("first", "alice"))
                emitted.set()
                release.wait(5)
                order.append("first commits")
        finally:
            connections.close_all()

    def second() -> None:
        try:
            emitted.wait(5)
            with transaction.atomic():
                outbox.emit(topics.distro_add("second", "alice"))  # blocks until first commits
                order.append("second emitted")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    emitted.wait(5)
    threads[1].join(0.5)
    assert threads[1].is_alive(), "the second emitter should wait for the first commit"
    release.set()
    for thread in threads:
        thread.join(10)
    assert order == ["first commits", "second emitted"]
    names = [row.body["message"]["distro"] for row in OutboxMessage.objects.order_by("pk")]
    assert names == ["first", "second"]
