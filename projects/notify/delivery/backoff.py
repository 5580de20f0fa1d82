"""When a failed delivery is tried again, and when it is given up.

The n-th failed attempt is retried after ``FIRST_RETRY`` doubled n-1 times, at most
``MAX_RETRY`` apart, each wait stretched by up to ``JITTER`` at random so that the deliveries
of one broken receiver do not all come back in the same second. The retries go on until the
waits planned so far cover ``NOTIFY_RETRY_HOURS`` (26 by default): the jitter only lengthens
waits, so a delivery is tried for at least that long before it is marked failed. The schedule
is counted from the attempts, not the clock, so it survives restarts and a redelivery (which
keeps the attempts) gets one more try, and its retries only if the window is not used up.
"""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings

FIRST_RETRY = dt.timedelta(seconds=30)
MAX_RETRY = dt.timedelta(hours=6)
#: A wait is stretched by a random fraction of itself, up to this one.
JITTER = 0.2


def retry_window() -> dt.timedelta:
    """How long a delivery is retried before it is given up (NOTIFY_RETRY_HOURS)."""
    return dt.timedelta(hours=settings.NOTIFY_RETRY_HOURS)


def planned_wait(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt, before jitter."""
    if attempts < 1:
        return dt.timedelta(0)
    # 30 s doubled 10 times is past 6 h already: no need to build huge numbers.
    return min(FIRST_RETRY * (1 << min(attempts - 1, 20)), MAX_RETRY)


def waited(attempts: int) -> dt.timedelta:
    """The planned waits between the first attempt and the ``attempts``-th one."""
    return sum((planned_wait(n) for n in range(1, attempts)), dt.timedelta(0))


def next_try(
    attempts: int, now: dt.datetime, rng: random.Random | None = None
) -> dt.datetime | None:
    """When to try again after the ``attempts``-th attempt failed at ``now``; None: give up."""
    if waited(attempts) >= retry_window():
        return None
    wait = planned_wait(attempts)
    return now + wait * (1 + (rng or random).uniform(0, JITTER))
