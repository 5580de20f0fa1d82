"""The shared cache every process of the service sees: counters that must agree across workers.

Rate limits (API throttles, forced checks, concurrent previews) are only limits if every
gunicorn worker and q2 cluster counts in the same place. ``CACHES["default"]`` is therefore a
shared cache: Redis when ``REDIS_URL`` is set, else the database (SQLite or PostgreSQL, nothing
else to run).

Counting an event (:func:`count_hit`, once per API request) must be atomic and cheap. Redis has
INCR. Django's database cache stores pickled values, so its ``incr`` is a read, a pickle and a
write, and a locked version of it took a transaction of four statements per request with every
worker of one client queueing on the row lock. :class:`DatabaseCache` counts in a table of its
own instead (:class:`~projects.models.HitCounter`): one upsert that returns the new count.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from typing import Any

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router
from django.utils.timezone import now as tz_now

from projects.models import HitCounter

#: One counting in this many also deletes the expired counters.
CLEAN_EVERY = 1000


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache, with counters kept as numbers (:meth:`count_hit`)."""

    def count_hit(self, key: str, window: int) -> int:
        """Count one event under ``key`` in a window of ``window`` seconds; the count."""
        key = self.make_and_validate_key(key)
        using = router.db_for_write(HitCounter)
        connection = connections[using]
        ops = connection.ops
        now = tz_now()
        upsert, clean = _statements(using)
        ends = ops.adapt_datetimefield_value(now + dt.timedelta(seconds=window + 1))
        current = ops.adapt_datetimefield_value(now)
        with connection.cursor() as cursor:
            cursor.execute(upsert, [key, ends, current, current])
            counted = int(cursor.fetchone()[0])
            if random.randrange(CLEAN_EVERY) == 0:  # noqa: S311 (not security)
                cursor.execute(clean, [current])
        return counted

    def clear(self) -> None:
        super().clear()
        HitCounter.objects.using(router.db_for_write(HitCounter)).all().delete()


_COLUMNS = ("counter_key", "count", "expires")


@functools.cache
def _statements(using: str) -> tuple[str, str]:
    """The counting upsert and the clean-up, for the database ``using`` (made once)."""
    quote = connections[using].ops.quote_name
    table = quote(HitCounter._meta.db_table)
    name, count, expires = (quote(column) for column in _COLUMNS)
    # A row whose window ended is started again: the key names its window, but a client's
    # key could come back after the clean-up missed it.
    upsert = (
        f"INSERT INTO {table} ({name}, {count}, {expires}) VALUES (%s, 1, %s) "  # noqa: S608
        f"ON CONFLICT ({name}) DO UPDATE SET "
        f"{count} = CASE WHEN {table}.{expires} < %s THEN 1 ELSE {table}.{count} + 1 END, "
        f"{expires} = CASE WHEN {table}.{expires} < %s THEN excluded.{expires} "
        f"ELSE {table}.{expires} END RETURNING {count}"
    )
    clean = f"DELETE FROM {table} WHERE {expires} < %s"  # noqa: S608
    return upsert, clean


def count_hit(cache: Any, key: str, window: int) -> int:
    """Count one event under ``key`` in a window of ``window`` seconds; return the count.

    The counter starts on the window's first event and expires with the window, so a key
    should name its window (``...:<epoch // window>``).
    """
    # (``django.core.cache.cache`` is a proxy: ask for the method, not the class.)
    count_in_table = getattr(cache, "count_hit", None)
    if count_in_table is not None:
        return int(count_in_table(key, window))
    try:
        return int(cache.incr(key))
    except ValueError:
        cache.add(key, 0, timeout=window + 1)
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between the two calls: start again
            cache.set(key, 1, timeout=window + 1)
            return 1
