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
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router
from django.utils.timezone import now as tz_now

from projects.models import HitCounter

#: One counting in this many also deletes the expired counters.
CLEAN_EVERY = 1000


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache, with counters kept as numbers (:meth:`count_hit`)."""

    def count_hit(self, key: str, window: int, hits: int = 1) -> int:
        """Count ``hits`` events under ``key`` in a window of ``window`` seconds; the count."""
        key = self.make_and_validate_key(key)
        using = router.db_for_write(HitCounter)
        connection = connections[using]
        ops = connection.ops
        now = tz_now()
        upsert, clean = _statements(using)
        ends = ops.adapt_datetimefield_value(now + dt.timedelta(seconds=window + 1))
        current = ops.adapt_datetimefield_value(now)
        with connection.cursor() as cursor:
            cursor.execute(upsert, [key, hits, ends, current, current])
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
        f"INSERT INTO {table} ({name}, {count}, {expires}) VALUES (%s, %s, %s) "  # noqa: S608
        f"ON CONFLICT ({name}) DO UPDATE SET "
        f"{count} = CASE WHEN {table}.{expires} < %s THEN excluded.{count} "
        f"ELSE {table}.{count} + excluded.{count} END, "
        f"{expires} = CASE WHEN {table}.{expires} < %s THEN excluded.{expires} "
        f"ELSE {table}.{expires} END RETURNING {count}"
    )
    clean = f"DELETE FROM {table} WHERE {expires} < %s"  # noqa: S608
    return upsert, clean


def count_hit(cache: Any, key: str, window: int, hits: int = 1) -> int:
    """Count ``hits`` events under ``key`` in a window of ``window`` seconds; return the count.

    The counter starts on the window's first event and expires with the window, so a key
    should name its window (``...:<epoch // window>``).
    """
    # (``django.core.cache.cache`` is a proxy: ask for the method, not the class.)
    count_in_table = getattr(cache, "count_hit", None)
    if count_in_table is not None:
        return int(count_in_table(key, window, hits))
    try:
        return int(cache.incr(key, hits))
    except ValueError:
        cache.add(key, 0, timeout=window + 1)
        try:
            return int(cache.incr(key, hits))
        except ValueError:  # expired between the two calls: start again
            cache.set(key, hits, timeout=window + 1)
            return hits


# -- counting in batches ----------------------------------------------------------------------

#: A process may hold back up to ``limit // BATCH_SHARE`` hits of one key before it counts them
#: in the shared cache (at most :data:`MAX_BATCH`); limits under ``2 * BATCH_SHARE`` are counted
#: hit by hit.
BATCH_SHARE = 50
MAX_BATCH = 25
#: The keys a process keeps tallies for; the least recently counted one goes first (its held
#: hits are counted then).
MAX_TALLIES = 10_000


@dataclass
class _Tally:
    window: int  # seconds: the counter's, for counting its held hits when it is forgotten
    shared: int = 0  # the shared count when this process last counted the key
    held: int = 0  # hits since, not counted in the shared cache yet


_tallies: OrderedDict[str, _Tally] = OrderedDict()
_tallies_lock = threading.Lock()


def count_hit_batched(cache: Any, key: str, window: int, limit: int) -> int:
    """Count one event under ``key`` against ``limit``; return the count as far as this process
    knows it.

    :func:`count_hit` costs a statement (or a Redis round trip) per API request, about a fifth
    of a cached answer. Far from the limit the exact count does not matter, only that the limit
    holds: so each process holds back up to ``limit // 50`` hits of a key and counts them in
    one statement, and counts every hit at once as soon as its estimate is within a batch of
    the limit. The shared count is then never more than ``processes * limit // 50`` behind
    (2% of the limit per worker process); a client that reaches the limit through several
    processes gets at most that many requests more.
    """
    batch = min(MAX_BATCH, limit // BATCH_SHARE)
    if batch < 2:
        return count_hit(cache, key, window)
    evicted: tuple[str, _Tally] | None = None
    with _tallies_lock:
        tally = _tallies.get(key)
        if tally is None:
            tally = _tallies[key] = _Tally(window)
            if len(_tallies) > MAX_TALLIES:
                evicted = _tallies.popitem(last=False)
        else:
            _tallies.move_to_end(key)
        tally.held += 1
        hits = 0
        if tally.held >= batch or tally.shared + tally.held + batch > limit:
            hits, tally.held = tally.held, 0
        estimate = tally.shared + tally.held
    if evicted is not None and evicted[1].held:  # its window may have ended: counted anyway
        count_hit(cache, evicted[0], evicted[1].window, evicted[1].held)
    if not hits:
        return estimate
    counted = count_hit(cache, key, window, hits)
    with _tallies_lock:
        tally.shared = max(tally.shared, counted)
        return tally.shared + tally.held


def forget_tallies() -> None:
    """Drop this process's held hits (tests: a new test starts from an empty shared cache)."""
    with _tallies_lock:
        _tallies.clear()
