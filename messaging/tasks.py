"""django-q2 entry points (scheduled in :mod:`releasemon.schedules`)."""

from __future__ import annotations

import logging

from messaging import outbox, relay

logger = logging.getLogger(__name__)

#: A run publishes for at most this long, so that it ends before the next one is due.
RELAY_MAX_SECONDS = 50.0


def relay_messages() -> int:
    """Publish every pending outbox message (bounded in time); return how many were sent."""
    result = relay.publish_pending(max_seconds=RELAY_MAX_SECONDS)
    if result.error:
        logger.warning("relay stopped after %s message(s): %s", result.sent, result.error)
    return result.sent


def prune_messages() -> int:
    """Delete sent messages older than ``OUTBOX_RETENTION_DAYS``; return how many."""
    deleted = outbox.prune()
    if deleted:
        logger.info("pruned %s sent outbox message(s)", deleted)
    return deleted
