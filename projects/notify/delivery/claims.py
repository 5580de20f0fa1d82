"""Which deliveries are due, and taking them so that no two workers send one at once.

A delivery is due when it is pending, its ``due_at`` has come, its channel sends at once
(digests are built elsewhere and leave theirs alone), and no earlier event of the same watch
and channel is still waiting (pending or held): order per watch follows event order, even
when an earlier event is waiting for a retry. Due deliveries are taken oldest event first.

:func:`claim` takes them the way the check scheduler takes projects: in one transaction
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent workers take different rows; SQLite's
IMMEDIATE transactions serialise workers) it moves their ``due_at`` a lease ahead. The worker
then sends and writes the outcome; a worker that dies mid-way leaves its deliveries to come
due again when the lease ends, and they are sent again: delivery is at least once, and the
event's message id (the ``webhook-id``, the mail's Message-ID) lets receivers see repeats.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from projects.notify.models import Channel, Delivery

WAITING = (Delivery.State.PENDING, Delivery.State.HELD)
OWNER_BANNED = "Not sent: the owner's account is disabled."


def due(now: dt.datetime) -> QuerySet[Delivery]:
    """The deliveries a worker may send at ``now``, oldest event first."""
    earlier_waiting = Delivery.objects.filter(
        watch=OuterRef("watch"),
        channel=OuterRef("channel"),
        state__in=WAITING,
        event_id__lt=OuterRef("event_id"),
    )
    return (
        Delivery.objects.filter(
            state=Delivery.State.PENDING,
            due_at__lte=now,
            channel__schedule=Channel.Schedule.IMMEDIATE,
        )
        .exclude(Exists(earlier_waiting))
        .order_by("event_id", "pk")
    )


def drop_stopped(now: dt.datetime) -> int:
    """Drop the due deliveries of banned owners and switched-off channels, saying why.

    A banned person's channels stop at once (their digests too); a channel switched off
    (by its owner, an unsubscribe link or days of failures) sends nothing it missed later.
    """
    waiting = Delivery.objects.filter(state=Delivery.State.PENDING, due_at__lte=now)
    dropped = waiting.filter(channel__user__is_active=False).update(
        state=Delivery.State.DROPPED, error=OWNER_BANNED
    )
    switched_off = (
        Channel.objects.filter(enabled=False, deliveries__in=waiting)
        .values_list("pk", "disabled_reason")
        .distinct()
    )
    for channel_id, reason in switched_off:
        why = f" ({reason})" if reason else ""
        dropped += waiting.filter(channel_id=channel_id).update(
            state=Delivery.State.DROPPED,
            error=f"Not sent: the channel is switched off{why}."[:500],
        )
    return dropped


def claim(count: int, now: dt.datetime, lease: dt.timedelta) -> list[Delivery]:
    """Take up to ``count`` due deliveries for ``lease``; they come with their channel and its
    owner, oldest event first."""
    if count <= 0:
        return []
    # Outside the claim's transaction: its row locks are the only ones a claimer holds.
    drop_stopped(now)
    with transaction.atomic():
        picked = due(now).values_list("pk", flat=True)
        if connection.features.has_select_for_update_skip_locked:
            picked = picked.select_for_update(skip_locked=True, of=("self",))
        ids = list(picked[:count])
        if ids:
            until = max(now, timezone.now()) + lease
            Delivery.objects.filter(pk__in=ids).update(due_at=until)
    if not ids:
        return []
    return list(
        Delivery.objects.filter(pk__in=ids)
        .select_related("channel", "channel__user")
        .order_by("event_id", "pk")
    )
