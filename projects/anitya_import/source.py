"""Reading an Anitya 2.x database, read-only, through the DB-API (no SQLAlchemy).

A path is a SQLite file, opened with ``mode=ro`` (SQLite refuses every write); a
``postgresql://`` URL is opened with psycopg in read-only transactions (``SET TRANSACTION
READ ONLY`` through psycopg's ``read_only``). Rows are read in batches by key (keyset
pagination: ``WHERE id > last ORDER BY id LIMIT n``), the same SQL on both, so no table is ever
held in memory and a long import never keeps a cursor open across writes on our side.

Values come back as Python values whatever the dialect: SQLite's 0/1 as booleans, its
timestamp text as datetimes, its 32-digit hexadecimal user ids as UUIDs. Anitya stores naive
UTC timestamps; they come back aware (UTC).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import psycopg

#: The tables an Anitya 2.x database has (2.3's models); social identities are optional.
REQUIRED_TABLES = (
    "projects",
    "projects_versions",
    "distros",
    "packages",
    "projects_flags",
    "users",
    "tokens",
)
SOCIAL_TABLE = "social_auth_usersocialauth"

Row = dict[str, Any]


class SourceError(Exception):
    """The Anitya database cannot be read; the message is one line for the operator."""


def _aware(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise SourceError(f"not a timestamp: {value!r}")
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _uuid(value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


#: How each kind of column is turned into a Python value.
CONVERTERS = {"time": _aware, "bool": lambda v: None if v is None else bool(v), "uuid": _uuid}


def _describe(location: str) -> str:
    """``location`` without a password, for messages."""
    parts = urlsplit(location)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return location


class AnityaSource:
    """An open, read-only Anitya database. Use as a context manager."""

    def __init__(self, location: str) -> None:
        self.location = _describe(location)
        self.dialect = "postgresql" if "://" in location else "sqlite"
        if self.dialect == "postgresql":
            self.connection: Any = self._open_postgresql(location)
        else:
            self.connection = self._open_sqlite(location)
        self.tables = self._tables()
        missing = [table for table in REQUIRED_TABLES if table not in self.tables]
        if missing:
            self.close()
            raise SourceError(
                f"{self.location} is not an Anitya 2.x database (no table {', '.join(missing)})"
            )

    def _open_postgresql(self, location: str) -> Any:
        scheme = urlsplit(location).scheme
        if scheme not in ("postgresql", "postgres"):
            raise SourceError(
                f"--from {self.location}: use a postgresql:// URL or the path of a SQLite file"
            )
        try:
            connection = psycopg.connect(location, connect_timeout=10)
        except psycopg.Error as error:
            detail = " ".join(str(error).split())
            raise SourceError(f"cannot connect to {self.location}: {detail}") from None
        connection.read_only = True  # every transaction: SET TRANSACTION READ ONLY
        return connection

    def _open_sqlite(self, location: str) -> sqlite3.Connection:
        path = Path(location)
        if not path.is_file():
            raise SourceError(f"--from {location}: no such file")
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        try:
            connection = sqlite3.connect(uri, uri=True)
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as error:
            raise SourceError(f"--from {location}: not a SQLite database ({error})") from None
        return connection

    def _tables(self) -> set[str]:
        if self.dialect == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'table'"
        else:
            query = (
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = ANY(current_schemas(false))"
            )
        return {row[0] for row in self._fetch(query, ())}

    def _fetch(self, query: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        if self.dialect == "postgresql":
            query = query.replace("?", "%s")
            try:
                with self.connection.transaction(), self.connection.cursor() as cursor:
                    cursor.execute(query, params)
                    rows: list[tuple[Any, ...]] = cursor.fetchall()
                    return rows
            except psycopg.Error as error:
                detail = " ".join(str(error).split())
                raise SourceError(f"reading {self.location}: {detail}") from None
        try:
            found: list[tuple[Any, ...]] = self.connection.execute(query, params).fetchall()
            return found
        except sqlite3.Error as error:
            raise SourceError(f"reading {self.location}: {error}") from None

    def rows(
        self,
        table: str,
        columns: dict[str, str],
        *,
        where: str = "",
        params: Sequence[Any] = (),
        order: str,
    ) -> list[Row]:
        """Every row of ``table`` matching ``where``, ordered; ``columns`` maps each column
        to its kind (``text``, ``int``, ``time``, ``bool``, ``uuid``)."""
        names = ", ".join(f'"{name}"' for name in columns)
        # Table, columns and conditions are this package's constants; values are parameters.
        query = f"SELECT {names} FROM {table}"  # noqa: S608
        if where:
            query += f" WHERE {where}"
        query += f" ORDER BY {order}"
        kinds = [CONVERTERS.get(kind) for kind in columns.values()]
        return [
            {
                name: convert(value) if convert else value
                for name, convert, value in zip(columns, kinds, row, strict=True)
            }
            for row in self._fetch(query, params)
        ]

    def count(self, table: str) -> int:
        """How many rows ``table`` holds (the progress's total)."""
        # The table is one of this package's constants.
        return int(self._fetch(f"SELECT count(*) FROM {table}", ())[0][0])  # noqa: S608

    def batches(
        self, table: str, columns: dict[str, str], *, key: str, size: int
    ) -> Iterator[list[Row]]:
        """All of ``table`` in batches of ``size`` rows, in the order of its single-column
        ``key`` (keyset pagination: each batch starts after the last key of the one before)."""
        last: Any = None
        while True:
            where, params = (f'"{key}" > ?', [last]) if last is not None else ("", [])
            batch = self.rows(
                table, columns, where=where, params=params, order=f'"{key}" LIMIT {int(size)}'
            )
            if not batch:
                return
            last = batch[-1][key]
            if isinstance(last, uuid.UUID):
                last = last if self.dialect == "postgresql" else last.hex
            yield batch

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> AnityaSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
