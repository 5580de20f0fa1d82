"""E-mail digests: the pending deliveries of a daily or weekly channel, as one mail.

The delivery task leaves the deliveries of digest channels pending
(:func:`projects.notify.delivery.claims.ready` takes immediate channels only); this module
sends them. A channel's digest leaves at ``digest_hour`` o'clock in its ``time_zone``, every
local day (daily) or every local Monday (weekly): the **digest time** is the last such moment
at or before now, computed with :mod:`zoneinfo` so that it is right across DST changes (an
hour the clocks skip means the moment they jump to; an hour they repeat, its first pass).

A digest covers the channel's deliveries that were pending *at* its digest time (``due_at``
at or before it); what comes later waits for the next one. So a run before the hour sends
nothing new, the first run after it sends the digest, and later runs find nothing left: no
"last sent" bookkeeping is needed, and a digest whose mail failed is simply sent by a later
run (after the delivery backoff's growing waits; given up, its deliveries failed, once those
cover NOTIFY_RETRY_HOURS). A run long after the hour (workers were down) sends the late
digest then.

Each digest is built, sent and recorded in the transaction that locked its deliveries
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's IMMEDIATE transactions serialise
workers), so two workers never send the same deliveries twice; on PostgreSQL that commit
does not wait for the disk (:func:`_commit_without_waiting_for_the_disk`). Deliveries of
banned owners and switched-off channels are dropped first, as the delivery task does.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import zoneinfo
from collections.abc import Iterator
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import F, Max, Min, Q, QuerySet
from django.db.models.functions import Mod
from django.utils import timezone

from projects.notify.delivery import backoff, claims, email, mailer, sending
from projects.notify.delivery.outcome import Outcome
from projects.notify.models import Channel, Delivery

logger = logging.getLogger(__name__)

DIGEST_SCHEDULES = (Channel.Schedule.DAILY, Channel.Schedule.WEEKLY)
MONDAY = 0
#: How far back the last digest time is looked for: a week, and a day for time zones that
#: skipped a date.
SEARCH_DAYS = 9


class Share(NamedTuple):
    """Which of ``parts`` equal parts of the digest channels a run serves (by channel id):
    several q2 workers build one hour's digests side by side, each its own part."""

    part: int
    parts: int


WHOLE = Share(0, 1)


def channel_zone(channel: Channel) -> dt.tzinfo:
    """The channel's time zone; UTC when its name is unknown (a zone removed from tzdata)."""
    try:
        return zoneinfo.ZoneInfo(channel.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def local_moment(day: dt.date, hour: int, zone: dt.tzinfo) -> dt.datetime:
    """``hour`` o'clock on the local ``day`` in ``zone``, as a UTC instant.

    ``fold=0`` makes zoneinfo read a skipped hour with the offset before the change (02:00 on
    a spring-forward night in Berlin is 01:00 UTC: the instant the clocks show 03:00) and a
    repeated hour as its first pass.
    """
    wall = dt.datetime.combine(day, dt.time(hour), tzinfo=zone)
    return wall.astimezone(dt.UTC)


def _days_back(start: dt.date) -> Iterator[dt.date]:
    for back in range(SEARCH_DAYS):
        yield start - dt.timedelta(days=back)


def digest_time(channel: Channel, now: dt.datetime) -> dt.datetime | None:
    """The last moment at or before ``now`` when ``channel``'s digest was due: its
    ``digest_hour`` in its time zone, on any day (daily) or on Mondays (weekly)."""
    zone = channel_zone(channel)
    weekly = channel.schedule == Channel.Schedule.WEEKLY
    for day in _days_back(now.astimezone(zone).date()):
        if weekly and day.weekday() != MONDAY:
            continue
        moment = local_moment(day, channel.digest_hour, zone)
        if moment <= now:
            return moment
    return None


def waiting_channels(now: dt.datetime, share: Share = WHOLE) -> QuerySet[Channel]:
    """Digest channels that are on, of owners who are not banned, with pending deliveries
    (``oldest``: the earliest ``due_at`` of those; ``tried`` and ``last_tried``: the most
    attempts and the last attempt among them), in ``share`` of all channels; one query."""
    pending = Q(
        deliveries__state=Delivery.State.PENDING,
        deliveries__due_at__lte=now,
        deliveries__event_id__gte=0,
    )
    channels = Channel.objects.all()
    if share.parts > 1:
        channels = channels.annotate(part=Mod("pk", share.parts)).filter(part=share.part)
    return (
        channels.filter(
            kind=Channel.Kind.EMAIL,
            schedule__in=DIGEST_SCHEDULES,
            enabled=True,
            user__is_active=True,
        )
        .annotate(
            oldest=Min("deliveries__due_at", filter=pending),
            tried=Max("deliveries__attempts", filter=pending),
            last_tried=Max("deliveries__last_attempt_at", filter=pending),
        )
        .filter(oldest__isnull=False)
        .order_by("pk")
    )


def send_due_digests(
    now: dt.datetime | None = None, deadline: float | None = None, share: Share = WHOLE
) -> int:
    """Send every digest of ``share`` whose time has come at ``now``; return the digests
    sent. Past ``deadline`` (a :func:`time.monotonic` time) no new digest is started: see
    :func:`run`."""
    return run(now, deadline, share)[0]


def run(
    now: dt.datetime | None = None, deadline: float | None = None, share: Share = WHOLE
) -> tuple[int, bool]:
    """:func:`send_due_digests`, and whether due digests were left for lack of time."""
    now = now or timezone.now()
    began = time.monotonic()
    claims.drop_stopped(now)
    sent = 0
    # One connection to the mail server for the whole run.
    with mailer.MailSession() as session:
        for channel in waiting_channels(now, share):
            cutoff = digest_time(channel, now)
            oldest: dt.datetime = channel.oldest  # type: ignore[attr-defined]  # the annotation
            if cutoff is None or oldest > cutoff or not _retry_due(channel, now):
                continue
            if deadline is not None and time.monotonic() >= deadline:
                return sent, True
            # The run's clock: attempts are recorded at ``now`` plus the time the run took.
            at = now + dt.timedelta(seconds=time.monotonic() - began)
            sent += send_digest(channel, cutoff, session, at)
    return sent, False


def _retry_due(channel: Channel, now: dt.datetime) -> bool:
    """Whether a digest that failed before may be tried again: after the same growing waits
    as any delivery (:mod:`~projects.notify.delivery.backoff`), not at every run."""
    # tried and last_tried are annotations of the claiming query, unknown to the model's type.
    tried: int = channel.tried or 0  # type: ignore[attr-defined]
    last: dt.datetime | None = channel.last_tried  # type: ignore[attr-defined]
    return not tried or last is None or now >= last + backoff.planned_wait(tried)


def _commit_without_waiting_for_the_disk() -> None:
    """Let this transaction's COMMIT return before PostgreSQL has flushed it (``SET LOCAL
    synchronous_commit = off``, this transaction only).

    The mail has left before the commit, so a commit lost in a database crash (the last
    fraction of a second of them) means only that the digest is sent again, as when a worker
    dies before its commit: delivery is at least once either way. Waiting for a disk flush per
    digest was a sixth of the digest benchmark's time (42-45 s, 36.7 s without it).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _locked(deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    if connection.features.has_select_for_update_skip_locked:
        return deliveries.select_for_update(skip_locked=True)
    return deliveries


def _send(
    channel: Channel,
    deliveries: list[Delivery],
    cutoff: dt.datetime,
    session: mailer.MailSession | None,
) -> Outcome:
    digest_id = f"{channel.pk}.{cutoff:%Y%m%d%H%M}.{deliveries[-1].pk}"
    try:
        message = email.digest_mail(channel, [d.payload for d in deliveries], digest_id)
        return mailer.send(message, session)
    except Exception as error:
        logger.exception("Building digest of channel %s failed unexpectedly", channel.pk)
        return Outcome(ok=False, error=f"Internal error while sending: {type(error).__name__}")


def send_digest(
    channel: Channel,
    cutoff: dt.datetime,
    session: mailer.MailSession | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Send ``channel`` one mail with its deliveries pending since ``cutoff`` or before, and
    mark them sent, all in the transaction that locked them (the mail goes through
    ``session``'s connection when given; the attempt is recorded at ``now``). On a failure
    they stay pending, with the attempt and the error in their log, for a later run (failed
    once the backoff's waits cover NOTIFY_RETRY_HOURS). True when a mail left."""
    with transaction.atomic():
        _commit_without_waiting_for_the_disk()
        waiting = Delivery.objects.filter(
            channel=channel,
            state=Delivery.State.PENDING,
            due_at__lte=cutoff,
            event_id__gte=0,
        ).order_by("event_id", "pk")
        deliveries = list(_locked(waiting))
        if not deliveries:
            return False
        outcome = _send(channel, deliveries, cutoff, session)
        now = now or timezone.now()
        sending.note_health(channel, outcome, now)
        attempts = max(delivery.attempts for delivery in deliveries) + 1
        given_up = not outcome.ok and backoff.next_try(attempts, now) is None
        state = Delivery.State.SENT if outcome.ok else Delivery.State.PENDING
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            response_excerpt=outcome.response_excerpt,
            error=outcome.error,
            state=Delivery.State.FAILED if given_up else state,
            delivered_at=now if outcome.ok else None,
        )
    if not outcome.ok:
        logger.warning(
            "Digest of channel %s (%d deliveries) not sent, %s: %s",
            channel.pk,
            len(deliveries),
            "given up after NOTIFY_RETRY_HOURS" if given_up else "tried again later",
            outcome.error,
        )
    return outcome.ok
