"""Writing messages: :func:`emit` stores a message in the caller's transaction.

A message therefore exists exactly when its change is committed (design.md §2, §4): a rolled
back change leaves no row, and nothing is published before the commit. The relay
(:mod:`messaging.relay`) publishes the rows later, in id order.

Ordering on PostgreSQL: ids come from a sequence, and two transactions may commit in the
opposite order of their ids. Readers of the event log advance a cursor over ids, so a smaller
id that becomes visible after a larger one would be skipped for good. :func:`emit` therefore
takes a transaction-scoped advisory lock before inserting: transactions that emit are
serialised from their first emit to their commit, and ids become visible in id order. Emit
late in the transaction (after the change's own writes) to keep that window short. SQLite
serialises all writers anyway.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.utils import timezone

from messaging.models import OutboxMessage
from messaging.topics import (
    PROJECT_MAP_NEW,
    PROJECT_MAP_UPDATE,
    PROJECT_VERSION_UPDATE_V2,
    Message,
)

#: pg_advisory_xact_lock key serialising emitting transactions ("relmon" + 1).
EMIT_LOCK_KEY = 0x72656C6D6F6E01

SCHEMA_PACKAGE = "anitya_schema"
SEVERITY_INFO = 20  # fedora_messaging.message.INFO


def routing_key(topic: str) -> str:
    """The AMQP routing key of ``topic``: ``<AMQP_TOPIC_PREFIX>.anitya.<topic>``."""
    prefix = (settings.AMQP_TOPIC_PREFIX or "").rstrip(".")
    return f"{prefix}.anitya.{topic}" if prefix else f"anitya.{topic}"


def _fedora_packages(message: Message) -> list[str]:
    """The RPM names fedora-messaging would announce in filter headers (the schemas' rules)."""
    body = message.body
    if message.topic == PROJECT_MAP_NEW:
        return [body["message"]["new"]] if body["distro"]["name"] == "Fedora" else []
    if message.topic == PROJECT_MAP_UPDATE:
        if body["distro"]["name"] != "Fedora":
            return []
        return sorted({body["message"]["prev"], body["message"]["new"]})
    if message.topic == PROJECT_VERSION_UPDATE_V2:
        return [
            package["package_name"]
            for package in body["message"]["packages"]
            if package["distro"] == "Fedora"
        ]
    return []


def build_headers(message: Message, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The AMQP headers fedora-messaging would send with ``message``."""
    sent_at = (now or timezone.now()).astimezone(datetime.UTC).replace(microsecond=0)
    headers: dict[str, Any] = {
        "fedora_messaging_schema": message.schema_name,
        "fedora_messaging_schema_package": SCHEMA_PACKAGE,
        "sent-at": sent_at.isoformat(),
        "fedora_messaging_severity": SEVERITY_INFO,
        "priority": 0,
    }
    for package in _fedora_packages(message):
        headers[f"fedora_messaging_rpm_{package}"] = True
    return headers


def emit(message: Message) -> OutboxMessage:
    """Store ``message`` in the outbox, inside the current transaction (or a new one)."""
    return emit_all([message])[0]


def emit_all(messages: Iterable[Message]) -> list[OutboxMessage]:
    """Store ``messages`` in the outbox, in order, inside the current transaction (or a new
    one): one lock and one INSERT for all of them.

    Every statement between the lock and the commit lengthens the window in which all other
    emitting transactions wait (a check's v1 and v2 messages took two locks and two INSERTs;
    at 200,000 projects the wait for the lock was PostgreSQL's largest cost).
    """
    using = router.db_for_write(OutboxMessage)
    now = timezone.now()
    rows = [
        OutboxMessage(
            topic=message.topic,
            body=message.body,
            headers=build_headers(message, now),
            created=now,
        )
        for message in messages
    ]
    if not rows:
        return []
    with transaction.atomic(using=using, savepoint=False):
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EMIT_LOCK_KEY])
        # Ids are taken in the rows' order and come back with them (RETURNING).
        return OutboxMessage.objects.using(using).bulk_create(rows)


def retry_now(queryset: QuerySet[OutboxMessage]) -> int:
    """Make the pending rows of ``queryset`` eligible at once (clears backoff and error)."""
    return queryset.filter(sent_at__isnull=True).update(next_attempt_at=None, last_error="")


def prune(retention_days: int | None = None, *, now: datetime.datetime | None = None) -> int:
    """Delete sent messages created more than ``retention_days`` ago; never pending ones.

    ``retention_days`` defaults to ``OUTBOX_RETENTION_DAYS``; zero or less keeps everything.
    Returns the number of rows deleted.
    """
    days = settings.OUTBOX_RETENTION_DAYS if retention_days is None else retention_days
    if days is None or days <= 0:
        return 0
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    deleted, _ = OutboxMessage.objects.sent().filter(created__lt=cutoff).delete()
    return deleted
