"""UPDATE statements made once and run many times, for the hottest writes.

``QuerySet.update()`` builds and compiles its query on every call: for the one-row writes a
check or a delivery makes thousands of times a minute, that is most of their CPU
(``bulk_update``'s CASE WHEN per field and row, ~4 ms a delivery; a 304 check's record, a
third of its CPU). :func:`update_statement` makes the statement for a model, the fields
written and the key columns once per process; callers bind the values
(:meth:`UpdateStatement.params`) and run it with ``execute`` or ``executemany``.
Only the model's own table and column names go into the text, quoted; values are bound.

:func:`cursor` runs them, on PostgreSQL with the values bound by the server: Django's psycopg
cursors bind on the client, quoting every value into the text, which cost a 304 check 30 us
of its ~1 ms (bench/checks). Nothing is prepared (PgBouncer in transaction mode needs no
prepared-statement support, docs/production.md), and the cursor is Django's wrapper around
it, so errors, execute wrappers and query logging behave as for any other statement.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.utils import CursorWrapper
from django.db.models import CharField, Field, Model, TextField


@dataclass(frozen=True)
class UpdateStatement:
    sql: str
    fields: tuple[Field[Any, Any], ...]

    def params(self, values: Mapping[str, object], *keys: object) -> list[Any]:
        """The statement's parameters: ``values`` (by field name, prepared as the ORM would
        save them), then the keys' values."""
        # The connection itself, not its proxy, which looks it up on every attribute read.
        wrapper = connections[DEFAULT_DB_ALIAS]
        prepared = [field.get_db_prep_save(values[field.name], wrapper) for field in self.fields]
        return [*prepared, *keys]


@functools.cache
def update_statement(
    model: type[Model], fields: tuple[str, ...], keys: tuple[str, ...] = ("id",)
) -> UpdateStatement:
    """``UPDATE <table> SET <fields> = %s ... WHERE <keys> = %s AND ...``."""
    quote = connection.ops.quote_name
    concrete = {field.name: field for field in model._meta.concrete_fields}

    def column(name: str) -> str:
        field = concrete[name]
        return quote(field.column or field.attname)

    assignments = ", ".join(f"{column(name)} = %s" for name in fields)
    where = " AND ".join(f"{column(name)} = %s" for name in keys)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {where}"  # noqa: S608
    return UpdateStatement(sql, tuple(concrete[name] for name in fields))


@contextmanager
def cursor() -> Iterator[CursorWrapper]:
    """A cursor of the default connection for these statements: on PostgreSQL one binding its
    values on the server, elsewhere Django's own."""
    if connection.vendor != "postgresql":
        with connection.cursor() as plain:
            yield plain
        return
    import psycopg  # (only where PostgreSQL is the database)

    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = psycopg.Cursor(connection.connection)
    wrapped: CursorWrapper
    if connection.queries_logged:
        # django-stubs say it takes a CursorWrapper; Django passes it the database's cursor.
        wrapped = connection.make_debug_cursor(raw)  # type: ignore[arg-type]
    else:
        # The same, for the cursor Django makes when no queries are logged.
        wrapped = connection.make_cursor(raw)  # type: ignore[arg-type]
    with wrapped:
        yield wrapped


def update_each(
    model: type[Model], fields: tuple[str, ...], rows: Sequence[tuple[int, Mapping[str, object]]]
) -> set[int]:
    """Write each row's own values of ``fields`` (``rows``: primary key, values by field name);
    return the keys of the rows updated (a row deleted meanwhile is not).

    On PostgreSQL one statement for them all (:func:`_arrays_update`): one parse, one plan
    and one commit where a statement each cost as many. Elsewhere (SQLite, for development)
    one statement each.
    """
    if not rows:
        return set()
    statement = update_statement(model, fields)
    updated: set[int] = set()
    with cursor() as run:
        if connection.vendor != "postgresql":
            for key, values in rows:
                run.execute(statement.sql, statement.params(values, key))
                if run.rowcount:
                    updated.add(key)
            return updated
        by_row = [[key, *statement.params(values)] for key, values in rows]
        arrays = [list(column) for column in zip(*by_row, strict=True)]
        run.execute(_arrays_update(model, fields), arrays)
        updated.update(key for (key,) in run.fetchall())
    return updated


@functools.cache
def _arrays_update(model: type[Model], fields: tuple[str, ...]) -> str:
    """PostgreSQL's ``UPDATE <table> SET <field> = v.<field> ... FROM unnest(<keys>,
    <values of each field>) AS v WHERE <table>.<key> = v.<key> RETURNING <table>.<key>``.

    Each column comes as one array parameter, so the text is the same however many rows
    (psycopg and the server parse it once; a ``VALUES`` row of placeholders each cost psycopg
    3 ms a statement of 50 rows to parse), sent in binary (``%b``: psycopg's text format
    escapes every element with regexes; 2.7 -> 1.6 ms of CPU a write of 50 rows, all told).
    Text is cast to ``text[]``, not to ``varchar(n)[]``, which would cut a value too long
    short where writing it to the column refuses it, as the one-row statement does.
    """
    quote = connection.ops.quote_name
    concrete = {field.name: field for field in model._meta.concrete_fields}
    key = model._meta.pk
    if key is None:  # (django-stubs allow for a model without one)
        raise TypeError(f"{model.__name__} has no primary key")
    columns = [key, *(concrete[name] for name in fields)]

    def sql_type(field: Field[Any, Any]) -> str:
        if isinstance(field, CharField | TextField):
            return "text"
        return str(field.cast_db_type(connection))

    arrays = ", ".join(f"CAST(%b AS {sql_type(field)}[])" for field in columns)
    names = ", ".join(f"v{index}" for index in range(len(columns)))
    assignments = ", ".join(
        f"{quote(field.column or field.attname)} = v.v{index}"
        for index, field in enumerate(columns)
        if index
    )
    table = quote(model._meta.db_table)
    key_column = f"{table}.{quote(key.column or key.attname)}"
    return (
        f"UPDATE {table} SET {assignments} FROM unnest({arrays}) AS v({names}) "  # noqa: S608
        f"WHERE {key_column} = v.v0 RETURNING {key_column}"
    )
