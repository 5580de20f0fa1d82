"""The delivery task: send what is due, a few at a time, each once per run.

Only immediate channels are served here; the deliveries of daily and weekly e-mail digests
stay pending, untouched, for the digest builder.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor, as_completed

from django.conf import settings
from django.utils import timezone

from projects.notify.delivery import claims, sending
from projects.notify.models import Channel

#: Deliveries claimed at once per sending thread: a claim is short, its lease covers them.
CLAIM_PER_THREAD = 4
#: Added to the time one claim's attempts may take, for the lease.
LEASE_MARGIN = dt.timedelta(minutes=2)
#: What one e-mail may take at most when EMAIL_TIMEOUT is not set.
MAIL_SECONDS = 60.0


def threads() -> int:
    return max(1, int(settings.NOTIFY_DELIVERY_THREADS))


def lease() -> dt.timedelta:
    """How long a claim keeps its deliveries from other workers: every round of attempts at
    the slowest a webhook or a mail may be, and a margin."""
    per_attempt = max(
        float(settings.NOTIFY_WEBHOOK_TIMEOUT),
        float(getattr(settings, "EMAIL_TIMEOUT", None) or MAIL_SECONDS),
    )
    return LEASE_MARGIN + dt.timedelta(seconds=per_attempt * CLAIM_PER_THREAD)


def deliver_due(limit: int = 200) -> int:
    """Make one attempt at each due delivery, up to ``limit``, oldest event first; return the
    attempts made.

    Due means pending with ``due_at`` come (see :mod:`~projects.notify.delivery.claims`: a
    later event never overtakes an earlier one of the same watch and channel). Deliveries of
    banned people and switched-off channels are dropped with the reason. Failed attempts are
    retried with a growing wait (:mod:`~projects.notify.delivery.backoff`) for at least
    NOTIFY_RETRY_HOURS, then marked failed. Daily and weekly digests are left pending.
    """
    made = 0
    workers = threads()
    claims.drop_stopped(timezone.now())
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="notify") as pool:
        while made < limit:
            count = min(limit - made, workers * CLAIM_PER_THREAD)
            batch = claims.claim(count, timezone.now(), lease())
            if not batch:
                break
            # One instance per channel: what one attempt learns of its health, the next knows.
            channels: dict[int, Channel] = {}
            for delivery in batch:
                delivery.channel = channels.setdefault(delivery.channel_id, delivery.channel)
            jobs = {
                pool.submit(
                    sending.attempt, delivery.channel, delivery.payload, str(delivery.message_id)
                ): delivery
                for delivery in batch
            }
            sending.record_all([(jobs[future], future.result()) for future in as_completed(jobs)])
            made += len(batch)
    return made
