"""The same flush after the tests that commit, cheaper on PostgreSQL (tests/conftest.py).

After a test that commits (``transaction=True``, ``live_server``), Django empties the test
database with one ``TRUNCATE`` of every table (about 0.2 s here: PostgreSQL makes new files for
each of ~40 tables and their indexes, and syncs them at commit), then emits ``post_migrate``,
whose receivers make the content types, permissions and site again (about 0.2 s more). Some
200 tests pay that, most of it for tables the test never touched.

The end state is the same when only the tables holding rows are truncated (``CASCADE`` adds
the tables referring to them, as PostgreSQL requires), and when the rows ``post_migrate``
makes are kept if the test left them as they were: their checksums are taken when the test
database is created, and a table whose checksum moved is truncated and made again by
``post_migrate``, as Django would. Anything else (SQLite, ``available_apps``,
``serialized_rollback``, an unknown ``post_migrate`` receiver) gets Django's own flush.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

from django.core.management.sql import emit_post_migrate_signal
from django.db import connections, transaction
from django.db.models.signals import post_migrate
from django.test import testcases

_django_teardown = testcases.TransactionTestCase._fixture_teardown
#: What the receivers of post_migrate write (django.contrib's contenttypes, auth and sites).
_KNOWN_RECEIVERS = {"create_contenttypes", "create_permissions", "create_default_site"}
#: Per database alias: the checksum of each table post_migrate fills, after it ran.
_seeded: dict[str, dict[str, str]] = {}


def _seed_tables() -> list[str]:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sites.models import Site

    return [model._meta.db_table for model in (ContentType, Permission, Site)]


def _checksums(cursor: Any, tables: Iterable[str]) -> dict[str, str]:
    quote = cursor.db.ops.quote_name
    sums = {}
    for table in tables:
        cursor.execute(
            f"SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), ''))"
            f" FROM {quote(table)} AS t"
        )
        sums[table] = cursor.fetchone()[0]
    return sums


def _receivers_known() -> bool:
    names = set()
    for _, receiver, _ in post_migrate.receivers:
        # Receivers connected weakly (the default) are stored as weak references.
        if isinstance(receiver, weakref.ReferenceType):
            receiver = receiver()
        names.add(getattr(receiver, "__name__", None))
    return names <= _KNOWN_RECEIVERS


def install(aliases: Iterable[str]) -> None:
    """Take the checksums of the freshly created test databases; flush them this way."""
    for alias in aliases:
        connection = connections[alias]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                _seeded[alias] = _checksums(cursor, _seed_tables())
    testcases.TransactionTestCase._fixture_teardown = _fixture_teardown  # type: ignore[method-assign]


def uninstall() -> None:
    testcases.TransactionTestCase._fixture_teardown = _django_teardown  # type: ignore[method-assign]
    _seeded.clear()


def _fixture_teardown(self: testcases.TransactionTestCase) -> None:
    aliases = list(self._databases_names(include_mirrors=False))
    if (
        self.available_apps is not None
        or self.serialized_rollback
        or not all(alias in _seeded for alias in aliases)
        or not _receivers_known()
    ):
        _django_teardown(self)
        return
    for alias in aliases:
        flush(alias)


def flush(alias: str) -> list[str]:
    """Empty the tables Django's flush empties; return those truncated (CASCADE aside)."""
    connection = connections[alias]
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    quote = connection.ops.quote_name
    seeds = _seeded[alias]
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(f"(SELECT %s FROM {quote(table)} LIMIT 1)" for table in tables),
            tables,
        )
        filled = {row[0] for row in cursor.fetchall()}
        moved = {
            table
            for table, checksum in _checksums(cursor, filled & seeds.keys()).items()
            if checksum != seeds[table]
        }
        kept = seeds.keys() - moved
        doomed = [table for table in tables if table in filled and table not in kept]
        if doomed:
            cursor.execute(f"TRUNCATE {', '.join(quote(table) for table in doomed)} CASCADE")
    # An emptied seed table is filled again as after Django's flush. A truncated content type
    # cascades to the permissions, which post_migrate makes again too.
    if any(table in seeds for table in doomed) or not filled >= seeds.keys():
        emit_post_migrate_signal(0, False, alias)
    return doomed
