"""Which deliveries are due, and taking them so that no two workers send one at once.

A delivery is due when it is pending, its ``due_at`` has come, its channel is on and sends
at once (digests are built elsewhere and leave theirs alone), its owner is not banned, and no
earlier event of the same watch and channel is still waiting (pending or held): order per
watch follows event order, even when an earlier event is waiting for a retry. Due deliveries
are taken oldest event first. Those of banned owners and switched-off channels are dropped
by :func:`drop_stopped`, once per run of the task.

:func:`claim` takes them the way the check scheduler takes projects: in one transaction
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent workers take different rows; SQLite's
IMMEDIATE transactions serialise workers) it moves their ``due_at`` a lease ahead. The worker
then sends and writes the outcome; a worker that dies mid-way leaves its deliveries to come
due again when the lease ends, and they are sent again: delivery is at least once, and the
event's message id (the ``webhook-id``, the mail's Message-ID) lets receivers see repeats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from projects.notify.models import Channel, Delivery

WAITING = (Delivery.State.PENDING, Delivery.State.HELD)
OWNER_BANNED = "Not sent: the owner's account is disabled."
#: Ready deliveries read at once by a claim (at least; four times the claim's size), and how
#: many such windows it reads at most when the first ones wait behind earlier events.
WINDOW = 100
MAX_WINDOWS = 5


def ready(now: dt.datetime) -> QuerySet[Delivery]:
    """The pending deliveries whose time has come at ``now``, through channels that are on
    and send at once (a test sent again goes at once on a digest channel too), of owners who
    are not banned; oldest event first. Some may still wait behind an earlier event of their
    watch and channel (:func:`first_waiting`)."""
    # Subqueries, not joins: FOR UPDATE then locks the deliveries only.
    usable = Channel.objects.filter(enabled=True, user__is_active=True)
    immediate = usable.filter(schedule=Channel.Schedule.IMMEDIATE)
    return Delivery.objects.filter(
        Q(channel__in=immediate) | Q(event_id__lt=0, channel__in=usable),
        state=Delivery.State.PENDING,
        due_at__lte=now,
    ).order_by("event_id", "pk")


def first_waiting(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """(watch, channel) -> the oldest event still waiting (pending or held) for that pair."""
    pairs = set(pairs)
    if not pairs:
        return {}
    rows = (
        Delivery.objects.filter(
            state__in=WAITING,
            watch_id__in={watch for watch, _ in pairs},
            channel_id__in={channel for _, channel in pairs},
        )
        .values_list("watch_id", "channel_id")
        .annotate(first=Min("event_id"))
        .order_by()
    )
    return {(watch, channel): first for watch, channel, first in rows if (watch, channel) in pairs}


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
    owner, oldest event first.

    Ready deliveries are read in event order a window at a time (locked, skipping rows other
    workers hold); of each (watch, channel) only the one whose event is the oldest waiting
    for that pair is due. Two queries a window, however many deliveries wait.
    """
    if count <= 0:
        return []
    window = max(WINDOW, count * 4)
    ids: list[int] = []
    with transaction.atomic():
        candidates = ready(now).values_list("pk", "event_id", "watch_id", "channel_id")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        after: tuple[int, int] | None = None
        for _ in range(MAX_WINDOWS):
            page = candidates
            if after is not None:
                page = page.filter(Q(event_id__gt=after[0]) | Q(event_id=after[0], pk__gt=after[1]))
            rows = list(page[:window])
            firsts = first_waiting(
                (watch, channel) for _, _, watch, channel in rows if watch is not None
            )
            for pk, event_id, watch, channel in rows:
                # A test (no watch) waits for nothing; an event waits for its pair's earlier ones.
                in_turn = watch is None or firsts.get((watch, channel)) == event_id
                if in_turn and len(ids) < count:
                    ids.append(pk)
            if len(ids) >= count or len(rows) < window:
                break
            after = (rows[-1][1], rows[-1][0])
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
