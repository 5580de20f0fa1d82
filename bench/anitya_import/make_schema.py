"""Write Anitya's schema as SQL, from its own models, for the tests of ``import_anitya``.

Runs in Anitya's virtual environment (never imports releasemon):

    .venv/bin/python -c "from bench.paired.anitya_env import ensure_venv; ensure_venv()"
    var/bench/anitya-venv/bin/python bench/anitya_import/make_schema.py tests/fixtures/anitya

It writes, for SQLite and PostgreSQL, ``schema-<dialect>.sql``: every table of Anitya's
SQLAlchemy models (``anitya.db.models``, ``Base.metadata``) and its indexes, compiled by
SQLAlchemy's ``CreateTable``/``CreateIndex`` for that dialect (what ``db.manager.sync()``
creates on a fresh install), then ``alembic_version`` holding the head revision it is stamped
with. ``social_auth-<dialect>.sql`` is the table of social identities Anitya 2.0 to 2.2 kept
(``social_auth_usersocialauth``, migration feeaa70ead67, dropped by 8ba7d4c42044 in 2.3):
the tests add it to play an older Anitya.
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateIndex, CreateTable


def _head() -> str:
    import anitya

    root = Path(anitya.__file__).parent / "db" / "migrations"
    config = Config()
    config.set_main_option("script_location", str(root))
    return ScriptDirectory.from_config(config).get_current_head()


def _social_auth(metadata: sa.MetaData) -> sa.Table:
    """The 2.0 to 2.2 table, as migration feeaa70ead67 creates it."""
    from anitya.db.models import GUID

    return sa.Table(
        "social_auth_usersocialauth",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("extra_data", sa.JSON, nullable=True),
        sa.Column("uid", sa.String(length=255), nullable=True),
        sa.Column("user_id", GUID(), sa.ForeignKey("users.id"), nullable=False),
        sa.Index("ix_social_auth_usersocialauth_user_id", "user_id"),
    )


def _statements(tables: list[sa.Table], dialect: sa.engine.Dialect) -> list[str]:
    out = []
    for table in tables:
        out.append(str(CreateTable(table).compile(dialect=dialect)).strip() + ";")
        for index in sorted(table.indexes, key=lambda index: index.name or ""):
            out.append(str(CreateIndex(index).compile(dialect=dialect)).strip() + ";")
    return out


def main(target: str) -> None:
    from anitya.db.models import Base

    folder = Path(target)
    folder.mkdir(parents=True, exist_ok=True)
    head = _head()
    tables = list(Base.metadata.sorted_tables)
    legacy = sa.MetaData()
    for table in tables:  # the foreign key's target, for the compiler
        table.to_metadata(legacy)
    social = _social_auth(legacy)
    banner = f"-- Anitya {version('anitya')}, alembic head {head}; written by {Path(__file__).name}"
    for name, dialect in (("sqlite", sqlite.dialect()), ("postgresql", postgresql.dialect())):
        body = _statements(tables, dialect)
        body.append("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);")
        body.append(f"INSERT INTO alembic_version (version_num) VALUES ('{head}');")
        (folder / f"schema-{name}.sql").write_text(banner + "\n\n" + "\n\n".join(body) + "\n")
        extra = _statements([social], dialect)
        (folder / f"social_auth-{name}.sql").write_text(banner + "\n\n" + "\n\n".join(extra) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/anitya")
