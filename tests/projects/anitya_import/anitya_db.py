"""A real Anitya 2.3 database for the tests: Anitya's own DDL (tests/fixtures/anitya, made
from its models by bench/anitya_import/make_schema.py), filled with plain SQL.

On SQLite it is a file; when the tests run on PostgreSQL it is a database of its own on the
same server, with a unique name, dropped afterwards. Values are written as Anitya's SQLAlchemy
writes them: naive UTC timestamps, and on SQLite 0/1 booleans and 32-digit hexadecimal user ids.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "anitya"


def _statements(script: str) -> list[str]:
    body = "\n".join(line for line in script.splitlines() if not line.startswith("--"))
    return [part.strip() for part in body.split(";") if part.strip()]


class AnityaDB:
    """An Anitya database being filled; ``location`` is what ``--from`` takes."""

    def __init__(self, dialect: str, location: str, connection: Any, *, social: bool) -> None:
        self.dialect = dialect
        self.location = location
        self.connection = connection
        self.run_script(f"schema-{dialect}.sql")
        if social:
            self.run_script(f"social_auth-{dialect}.sql")
        self.commit()

    @classmethod
    def sqlite(cls, path: Path, *, social: bool = True) -> AnityaDB:
        return cls("sqlite", str(path), sqlite3.connect(path), social=social)

    @classmethod
    def postgresql(cls, server: dict[str, Any], name: str, *, social: bool = True) -> AnityaDB:
        url = (
            f"postgresql://{quote(server['USER'] or '')}:{quote(server['PASSWORD'] or '')}@"
            f"{server['HOST'] or '127.0.0.1'}:{server['PORT'] or 5432}/{name}"
        )
        with psycopg.connect(_admin_url(url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        return cls("postgresql", url, psycopg.connect(url), social=social)

    def run_script(self, name: str) -> None:
        for statement in _statements((FIXTURES / name).read_text()):
            self.connection.execute(statement)

    def _value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
            return value.isoformat(" ") if self.dialect == "sqlite" else value
        if isinstance(value, uuid.UUID):
            return value.hex if self.dialect == "sqlite" else value
        if isinstance(value, bool) and self.dialect == "sqlite":
            return int(value)
        return value

    def insert(self, table: str, **values: Any) -> None:
        names = ", ".join(f'"{name}"' for name in values)
        marks = ", ".join("?" if self.dialect == "sqlite" else "%s" for _ in values)
        self.connection.execute(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",
            [self._value(value) for value in values.values()],
        )

    def execute(self, sql: str, *params: Any) -> None:
        if self.dialect == "postgresql":
            sql = sql.replace("?", "%s")
        self.connection.execute(sql, [self._value(value) for value in params])

    def tables(self) -> str:
        """The names of its tables, space-separated (to ask whether one is there)."""
        if self.dialect == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
        else:
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        return " ".join(row[0] for row in self.connection.execute(sql).fetchall())

    def commit(self) -> None:
        self.connection.commit()

    def drop(self) -> None:
        self.connection.close()
        if self.dialect == "postgresql":
            name = self.location.rsplit("/", 1)[1]
            with psycopg.connect(_admin_url(self.location), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"
