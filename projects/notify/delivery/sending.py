"""One attempt and what it leaves behind: the delivery log, the retry, the channel's health.

:func:`attempt` sends a delivery's payload (a webhook request, a chat message or a mail; any
thread may run
it: it does not touch the database); :func:`record_all` writes the outcomes of a batch:
sent; pending again at the next retry; or failed once the retries cover NOTIFY_RETRY_HOURS.
A channel's ``failing_since`` is set at its first failure and cleared by a success; a webhook
or chat channel failing for NOTIFY_DISABLE_AFTER_DAYS is switched off and its owner mailed
once. E-mail
channels are never switched off for failures: those are nearly always the mail server's own,
and switching everyone's channel off for them would lose every release.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from projects import row_updates
from projects.notify import services
from projects.notify.delivery import backoff, chat, email, mailer, webhook
from projects.notify.delivery.outcome import Outcome
from projects.notify.models import Channel, Delivery
from projects.row_updates import update_statement

logger = logging.getLogger(__name__)

Job = Callable[[], Outcome]
PING = "ping"
#: Channels switched off after days of failures (a mail server's failures are its own).
SWITCHED_OFF_FOR_FAILURES = (Channel.Kind.WEBHOOK, Channel.Kind.CHAT)


def prepare(channel: Channel, payload: Mapping[str, Any], message_id: str) -> Job:
    """The attempt to send ``payload`` (a release, or a ping) through ``channel``."""
    if channel.kind == Channel.Kind.WEBHOOK:
        return functools.partial(
            webhook.post,
            channel.target,
            channel.secret,
            message_id,
            payload,
            timeout=float(settings.NOTIFY_WEBHOOK_TIMEOUT),
        )
    if channel.kind == Channel.Kind.CHAT:
        ping = payload.get("type") == PING
        title, text = chat.ping_text(channel.name) if ping else chat.release_text(payload)
        timeout = float(settings.NOTIFY_WEBHOOK_TIMEOUT)
        return functools.partial(chat.send, channel.target, title, text, timeout=timeout)
    if payload.get("type") == PING:
        return functools.partial(mailer.send, email.test_mail(channel, message_id))
    return functools.partial(mailer.send, email.release_mail(channel, payload, message_id))


def attempt(channel: Channel, payload: Mapping[str, Any], message_id: str) -> Outcome:
    """One attempt to send ``payload`` through ``channel``; any thread may run it. A bug on
    the way is a failed attempt (retried), never a lost delivery nor a stuck worker."""
    try:
        return prepare(channel, payload, message_id)()
    except Exception as error:
        logger.exception("A delivery attempt failed unexpectedly")
        return Outcome(ok=False, error=f"Internal error while sending: {type(error).__name__}")


#: What an attempt changes in its delivery.
OUTCOME_FIELDS = [
    "attempts",
    "last_attempt_at",
    "status_code",
    "latency_ms",
    "response_excerpt",
    "error",
    "state",
    "delivered_at",
    "due_at",
]


def apply(
    delivery: Delivery, outcome: Outcome, now: dt.datetime | None = None, *, retry: bool = True
) -> Delivery:
    """``outcome`` written into ``delivery`` (not saved): sent, due again at the next retry,
    or failed (at once when ``retry`` is false: a test)."""
    now = now or timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.status_code = outcome.status_code
    delivery.latency_ms = outcome.latency_ms
    delivery.response_excerpt = outcome.response_excerpt
    delivery.error = outcome.error
    if outcome.ok:
        delivery.state = Delivery.State.SENT
        delivery.delivered_at = now
    else:
        again = backoff.next_try(delivery.attempts, now) if retry else None
        if again is None:
            delivery.state = Delivery.State.FAILED
        else:
            delivery.state = Delivery.State.PENDING
            delivery.due_at = again
    return delivery


def record_all(results: Sequence[tuple[Delivery, Outcome]]) -> None:
    """Write the outcomes of a batch of attempts in one transaction and one UPDATE, with
    their channels' health; then switch off the webhooks and chats that failed too long."""
    now = timezone.now()
    suspects: dict[int, str] = {}
    with transaction.atomic():
        for delivery, outcome in results:
            apply(delivery, outcome, now)
            if note_health(delivery.channel, outcome, now):
                suspects[delivery.channel.pk] = outcome.error
        save_outcomes([delivery for delivery, _ in results])
    for channel_id, last_error in suspects.items():
        switch_off_if_failing(channel_id, last_error, now)


def save_outcomes(deliveries: Sequence[Delivery]) -> None:
    """Write the OUTCOME_FIELDS of ``deliveries`` to the rows still pending (a delivery
    dropped meanwhile stays dropped).

    One statement, run for every delivery (``executemany``: a pipeline on PostgreSQL), not
    ``bulk_update``: its CASE WHEN per field and row cost ~4 ms of CPU a delivery, under the
    GIL that the sending threads wait for (bench/notify).
    """
    if not deliveries:
        return
    statement = update_statement(Delivery, tuple(OUTCOME_FIELDS), keys=("id", "state"))
    pending = str(Delivery.State.PENDING.value)
    rows = [
        statement.params(
            {name: getattr(delivery, name) for name in OUTCOME_FIELDS}, delivery.pk, pending
        )
        for delivery in deliveries
    ]
    with row_updates.cursor() as cursor:
        cursor.executemany(statement.sql, rows)


def note_health(channel: Channel, outcome: Outcome, now: dt.datetime) -> bool:
    """Keep ``failing_since`` of ``channel`` (and of the instance: a batch shares one per
    channel, which spares a query per delivery); True when it is a webhook or chat that may have
    failed long enough to be switched off."""
    if outcome.ok:
        if channel.failing_since is not None:
            Channel.objects.filter(pk=channel.pk).update(failing_since=None)
            channel.failing_since = None
        return False
    if channel.failing_since is None:
        Channel.objects.filter(pk=channel.pk, failing_since__isnull=True).update(failing_since=now)
        channel.failing_since = now
    cutoff = now - dt.timedelta(days=settings.NOTIFY_DISABLE_AFTER_DAYS)
    return channel.kind in SWITCHED_OFF_FOR_FAILURES and channel.failing_since <= cutoff


def switch_off_if_failing(channel_id: int, last_error: str, now: dt.datetime) -> bool:
    """Switch the channel off when it has failed for NOTIFY_DISABLE_AFTER_DAYS, and mail its
    owner once (the row is locked: two workers cannot both switch it off)."""
    days = settings.NOTIFY_DISABLE_AFTER_DAYS
    with transaction.atomic():
        channel = (
            Channel.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(
                pk=channel_id,
                enabled=True,
                failing_since__lte=now - dt.timedelta(days=days),
            )
            .first()
        )
        if channel is None:
            return False
        reason = f"every delivery failed for {days} day{'s' if days != 1 else ''}"
        if not services.channel_set_enabled(channel, False, reason=reason):
            return False
    logger.warning("Channel %s switched off: %s", channel_id, reason)
    if channel.user.is_active and channel.user.email:
        sent = mailer.send(email.disabled_notice(channel, channel.user.email, last_error))
        if not sent.ok:
            logger.warning("Could not mail the owner of channel %s: %s", channel_id, sent.error)
    return True
