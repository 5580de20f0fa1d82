"""What people ask for by hand: a test message now, and sending a delivery again."""

from __future__ import annotations

import time
import uuid

from django.utils import timezone

from projects.notify.delivery import sending
from projects.notify.models import Channel, Delivery


def test_payload(channel: Channel, message_id: uuid.UUID) -> dict[str, object]:
    """What a test ping says: that it is one, for which channel, and when."""
    return {
        "type": sending.PING,
        "test": True,
        "message_id": str(message_id),
        "channel": {"id": channel.pk, "name": channel.name},
        "sent_at": timezone.now().isoformat(),
        "message": "This is a test from releasemon: this channel works.",
    }


def send_test(channel: Channel) -> Delivery:
    """Send a test ping (a webhook) or a test mail through ``channel`` now, once, and log it.

    A test is logged as a delivery of ``channel`` (its payload says ``"type": "ping"``) with
    neither watch nor project, and a negative event id that keeps it apart from real events.
    A failed test is not retried and does not count against the channel's health.
    """
    message_id = uuid.uuid4()
    payload = test_payload(channel, message_id)
    outcome = sending.attempt(channel, payload, str(message_id))
    delivery = Delivery(
        event_id=-time.time_ns() // 1000,
        message_id=message_id,
        channel=channel,
        payload=payload,
        state=Delivery.State.PENDING,
    )
    sending.apply(delivery, outcome, retry=False)
    delivery.save()
    return delivery


def redeliver(delivery: Delivery) -> Delivery:
    """Send ``delivery`` again, as soon as a worker runs: pending and due now, its attempts
    kept (so a delivery that had given up gets one more try)."""
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.PENDING, due_at=now)
    delivery.refresh_from_db()
    return delivery
