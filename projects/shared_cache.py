"""The shared cache every process of the service sees: counters that must agree across workers.

Rate limits (API throttles, forced checks, concurrent previews) are only limits if every
gunicorn worker and q2 cluster counts in the same place. ``CACHES["default"]`` is therefore a
shared cache: Redis when ``REDIS_URL`` is set, else the database (SQLite or PostgreSQL, nothing
else to run). Django's database cache implements ``incr`` as a read followed by a write, so
two workers counting at once would both write the same number; :class:`DatabaseCache` makes
it one locked read-modify-write, as Redis's INCR is.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache with an atomic :meth:`incr` (row lock, then update)."""

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table = quote_name(self.cache_model_class._meta.db_table)  # the LOCATION
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            # SQLite has no row locks; its IMMEDIATE transactions (settings) take the write
            # lock at BEGIN, which serialises this read-modify-write just the same.
            # Only quoted names are formatted in.
            select = (
                f"SELECT {quote_name('value')}, {quote_name('expires')} FROM {table} "  # noqa: S608
                f"WHERE {quote_name('cache_key')} = %s{lock}"
            )
            cursor.execute(select, [key])
            row = cursor.fetchone()
            if row is None or _expired(connection, row[1]):
                raise ValueError(f"Key '{key}' not found")
            # The row holds what this cache wrote, as in Django's own get().
            value: int = pickle.loads(base64.b64decode(row[0].encode())) + delta  # noqa: S301
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            update = (
                f"UPDATE {table} SET {quote_name('value')} = %s "  # noqa: S608
                f"WHERE {quote_name('cache_key')} = %s"
            )
            cursor.execute(update, [encoded, key])
        return value


def _expired(connection: Any, expires: Any) -> bool:
    expression = models.Expression(output_field=models.DateTimeField())
    for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(
        connection
    ):
        expires = converter(expires, expression, connection)
    return bool(expires < tz_now().replace(microsecond=0))


def count_hit(cache: Any, key: str, window: int) -> int:
    """Count one event under ``key`` in a window of ``window`` seconds; return the count.

    The counter is created at 0 on the window's first event and expires with the window, so
    a key should name its window (``...:<epoch // window>``).
    """
    try:
        return int(cache.incr(key))
    except ValueError:
        cache.add(key, 0, timeout=window + 1)
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between the two calls: start again
            cache.set(key, 1, timeout=window + 1)
            return 1
