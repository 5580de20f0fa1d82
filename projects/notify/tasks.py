"""django-q2 entry points of the notifications (scheduled in :mod:`releasemon.schedules`), a
few lines each: stored schedules and queued tasks name them by their dotted paths."""

from __future__ import annotations

from projects.notify import fanout


def notify_fan_out() -> dict[str, int]:
    """Fan the event log out into deliveries until caught up, then end the maturity delays
    that are over."""
    written = fanout.catch_up()
    made_pending, dropped = fanout.release_held()
    return {"written": written, "released": made_pending, "dropped": dropped}
