"""django-q2 entry points of the notifications (scheduled in :mod:`releasemon.schedules`), a
few lines each: stored schedules and queued tasks name them by their dotted paths."""

from __future__ import annotations

import time

from django_q.tasks import async_task

from projects.notify import delivery, digests, fanout

#: One delivery task works this long at most, then leaves the rest to the next one.
DELIVER_TASK_SECONDS = 50
DELIVER_BATCH = 500
#: One digest task starts no new digest after this long (it runs every 5 minutes).
DIGEST_TASK_SECONDS = 240


def notify_fan_out() -> dict[str, int]:
    """Fan the event log out into deliveries until caught up, then end the maturity delays
    that are over; queue a delivery task at once when anything became due."""
    written = fanout.catch_up()
    made_pending, dropped = fanout.release_held()
    if written or made_pending:
        async_task("projects.notify.tasks.notify_deliver", task_name="notify-deliver")
    return {"written": written, "released": made_pending, "dropped": dropped}


def notify_deliver() -> int:
    """Send what is due, in batches, for at most DELIVER_TASK_SECONDS; the attempts made."""
    deadline = time.monotonic() + DELIVER_TASK_SECONDS
    made = 0
    while time.monotonic() < deadline:
        attempts = delivery.deliver_due(limit=DELIVER_BATCH)
        made += attempts
        if attempts < DELIVER_BATCH:
            break
    return made


def notify_digests() -> int:
    """Send the daily and weekly e-mail digests whose time has come, for at most
    DIGEST_TASK_SECONDS (well within the cluster's timeout, which would stop a mail between
    its sending and its record); when some were left, queue another run at once."""
    sent, left = digests.run(deadline=time.monotonic() + DIGEST_TASK_SECONDS)
    if left:
        async_task("projects.notify.tasks.notify_digests", task_name="notify-digests")
    return sent
