"""django-q2 entry points (scheduled in :mod:`releasemon.schedules`)."""

from __future__ import annotations

import logging

from messaging import outbox, relay

logger = logging.getLogger(__name__)

#: A run publishes for at most this long, so that it ends before the next one is due.
RELAY_MAX_SECONDS = 50.0


def relay_messages() -> int:
    """Publish every pending outbox message (bounded in time); return how many were sent.

    A failed attempt is already logged by the relay, in one line (with the row's id and the
    next retry): nothing more is logged here, so a broker that is down costs one line a run.
    """
    return relay.publish_pending(max_seconds=RELAY_MAX_SECONDS).sent


def prune_messages() -> int:
    """Delete sent messages older than ``OUTBOX_RETENTION_DAYS``; return how many."""
    deleted = outbox.prune()
    if deleted:
        logger.info("pruned %s sent outbox message(s)", deleted)
    return deleted
