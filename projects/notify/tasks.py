"""django-q2 entry points of the notifications (scheduled in :mod:`releasemon.schedules`), a
few lines each: stored schedules and queued tasks name them by their dotted paths."""

from __future__ import annotations

import time

from django.conf import settings
from django_q.tasks import async_task

from projects.notify import delivery, digests, fanout

#: One delivery task works this long at most, then leaves the rest to the next one.
DELIVER_TASK_SECONDS = 50
DELIVER_BATCH = 500
#: One digest task starts no new digest after this long (it runs every 5 minutes).
DIGEST_TASK_SECONDS = 240
DIGESTS_TASK = "projects.notify.tasks.notify_digests"


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


def notify_digests(part: int | None = None, parts: int | None = None) -> int:
    """Send the daily and weekly e-mail digests whose time has come, for at most
    DIGEST_TASK_SECONDS (well within the cluster's timeout, which would stop a mail between
    its sending and its record); when some were left, queue another run of the same share at
    once.

    The scheduled run (no share given) splits the channels into NOTIFY_DIGEST_WORKERS shares:
    it queues a task for each other share, which q2's workers run beside it, and serves the
    first itself (``part`` 0 of ``parts``).
    """
    if part is None or parts is None:
        part, parts = 0, max(1, int(settings.NOTIFY_DIGEST_WORKERS))
        for other in range(1, parts):
            async_task(DIGESTS_TASK, other, parts, task_name=f"notify-digests-{other}-of-{parts}")
    share = digests.Share(part, parts)
    sent, left = digests.run(deadline=time.monotonic() + DIGEST_TASK_SECONDS, share=share)
    if left:
        async_task(DIGESTS_TASK, part, parts, task_name=f"notify-digests-{part}-of-{parts}")
    return sent
