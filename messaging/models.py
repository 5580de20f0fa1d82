"""The transactional outbox: one row per message, written in the same transaction as its change.

A row is *pending* until the relay has published it and RabbitMQ has confirmed it (``sent_at``
set). A pending row with ``last_error`` is *failed*: the relay retries it after
``next_attempt_at``. The rows double as an ordered event log (the id is the cursor).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessageQuerySet(models.QuerySet["OutboxMessage"]):
    def pending(self) -> OutboxMessageQuerySet:
        return self.filter(sent_at__isnull=True)

    def sent(self) -> OutboxMessageQuerySet:
        return self.filter(sent_at__isnull=False)

    def failed(self) -> OutboxMessageQuerySet:
        return self.pending().exclude(last_error="")


class OutboxMessage(models.Model):
    """A message waiting for (or past) publication to the message bus."""

    topic = models.CharField(max_length=100, help_text="Short topic, e.g. project.add.")
    body = models.JSONField()
    headers = models.JSONField(default=dict)
    message_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0, help_text="Publication attempts so far.")
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When RabbitMQ confirmed it.")
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="After a failure: not retried before this time."
    )

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = "outbox message"
        indexes = [
            # The relay's queue: pending rows in id order.
            models.Index(
                fields=["id"], condition=Q(sent_at__isnull=True), name="outbox_pending_idx"
            ),
            # The event log's topic filter, in cursor order.
            models.Index(fields=["topic", "id"], name="outbox_topic_idx"),
            # Retention: old sent rows.
            models.Index(fields=["created"], name="outbox_created_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.topic}"

    @property
    def state(self) -> str:
        """``sent``, ``failed`` (pending after an error) or ``pending``."""
        if self.sent_at is not None:
            return "sent"
        return "failed" if self.last_error else "pending"
