"""PostgreSQL trigram indexes for the searches people type (nothing happens on SQLite).

The site's search is ``*pattern*`` (``LOWER(column) LIKE '%gef%'``), which no B-tree serves:
PostgreSQL read every project and every mapping (about 125 ms at 100,000 projects). GIN
indexes with ``pg_trgm``'s ``gin_trgm_ops`` on ``LOWER(name)`` and ``LOWER(package_name)``
serve any ``LIKE`` pattern of three characters or more between its wildcards.

``pg_trgm`` ships with PostgreSQL (contrib) and is a trusted extension since PostgreSQL 13: the
database's owner may create it. Where it cannot be created (no privilege, the contrib package
missing), the migration says so in one line and goes on: the searches still work, unindexed;
an operator can run ``CREATE EXTENSION pg_trgm`` and this migration's SQL by hand later.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger("projects.migrations")

INDEXES = {
    "project_name_trgm_idx": ("projects_project", "USING gin (LOWER(name) gin_trgm_ops)"),
    "package_name_trgm_idx": (
        "projects_package",
        "USING gin (LOWER(package_name) gin_trgm_ops)",
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        logger.warning(
            "Searches stay unindexed: the pg_trgm extension could not be created (%s)",
            str(error).strip().splitlines()[0],
        )
        return
    for name, (table, definition) in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0007_check_tallies"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
