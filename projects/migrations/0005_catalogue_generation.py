"""The catalogue generation (``projects.models.Catalogue``) and the triggers that move it.

What moves it: inserting or deleting projects, mappings or distros; changing a mapping or a
distro; changing a project's name, ecosystem, homepage, backend, archived flag, regex or
version URL. Nothing a check writes (``updated_on``, ``latest_version``, the check bookkeeping) moves it.

PostgreSQL: row changes fire a constraint trigger deferred to commit, so the counter's row
lock is the last lock a transaction takes (no deadlock with the project locks services hold)
and the counter moves in commit order; a transaction-local setting makes it move once per
transaction however many rows changed. ``TRUNCATE`` (bench loaders) moves it at once.
SQLite runs one writer at a time: plain row triggers do.

A second trigger gives ``updated_on`` its Anitya meaning for every writer: a change of a column
the project's JSON shows moves it when the writer did not (a ``QuerySet.update`` or raw SQL),
so that the per-project caches keyed by it (``projects/api/representations.py``) stay exact.
"""

from django.db import migrations, models

#: The project columns whose change may reorder or refilter a list (or change the v1 wiki).
PROJECT_COLUMNS = (
    "name",
    "ecosystem_name",
    "homepage",
    "backend",
    "archived",
    "regex",
    "version_url",
)
#: The project columns its JSON shows: a change of any of them moves ``updated_on`` (unless the
#: writer moved it), so that caches keyed by ``updated_on`` see changes made by any writer.
SHOWN_COLUMNS = (
    *PROJECT_COLUMNS,
    "latest_version",
    "version_scheme",
    "version_prefix",
    "pre_release_filter",
    "version_pattern",
    "version_filter",
)
WATCHED_TABLES = ("projects_project", "projects_package", "projects_distro")

PG_TOUCH = """
CREATE OR REPLACE FUNCTION projects_project_touched() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_on := clock_timestamp();
    RETURN NEW;
END
$$
"""

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION projects_catalogue_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('releasemon.catalogue_moved', true) = txid_current()::text THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('releasemon.catalogue_moved', txid_current()::text, true);
    UPDATE projects_catalogue SET generation = generation + 1 WHERE id = 1;
    RETURN NULL;
END
$$
"""


def _changed(columns: tuple[str, ...]) -> str:
    old = ", ".join(f"OLD.{column}" for column in columns)
    new = ", ".join(f"NEW.{column}" for column in columns)
    return f"({old}) IS DISTINCT FROM ({new})"


def _pg_statements() -> list[str]:
    statements = [PG_FUNCTION, PG_TOUCH]
    for table in WATCHED_TABLES:
        changes = (
            "INSERT OR DELETE" if table == "projects_project" else "INSERT OR DELETE OR UPDATE"
        )
        statements += [
            f"CREATE CONSTRAINT TRIGGER {table}_catalogue AFTER {changes} ON {table}"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
            " EXECUTE FUNCTION projects_catalogue_changed()",
            f"CREATE TRIGGER {table}_catalogue_truncate AFTER TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION projects_catalogue_changed()",
        ]
    statements.append(
        "CREATE CONSTRAINT TRIGGER projects_project_catalogue_update"
        " AFTER UPDATE ON projects_project DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
        f" WHEN ({_changed(PROJECT_COLUMNS)})"
        " EXECUTE FUNCTION projects_catalogue_changed()"
    )
    statements.append(
        "CREATE TRIGGER projects_project_touch BEFORE UPDATE ON projects_project FOR EACH ROW"
        f" WHEN ({_changed(SHOWN_COLUMNS)} AND OLD.updated_on IS NOT DISTINCT FROM NEW.updated_on)"
        " EXECUTE FUNCTION projects_project_touched()"
    )
    return statements


def _sqlite_statements() -> list[str]:
    bump = "UPDATE projects_catalogue SET generation = generation + 1 WHERE id = 1;"
    statements = []
    for table in WATCHED_TABLES:
        changes = (
            ("INSERT", "DELETE") if table == "projects_project" else ("INSERT", "DELETE", "UPDATE")
        )
        for change in changes:
            statements.append(
                f"CREATE TRIGGER {table}_catalogue_{change.lower()} AFTER {change} ON {table}"
                f" BEGIN {bump} END"
            )
    moved = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in PROJECT_COLUMNS)
    statements.append(
        "CREATE TRIGGER projects_project_catalogue_update AFTER UPDATE ON projects_project"
        f" WHEN {moved} BEGIN {bump} END"
    )
    shown = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in SHOWN_COLUMNS)
    statements.append(
        "CREATE TRIGGER projects_project_touch AFTER UPDATE ON projects_project"
        f" WHEN ({shown}) AND OLD.updated_on IS NEW.updated_on BEGIN"
        " UPDATE projects_project SET updated_on = strftime('%Y-%m-%d %H:%M:%f000', 'now')"
        " WHERE id = NEW.id; END"
    )
    return statements


def create_triggers(apps, schema_editor):
    apps.get_model("projects", "Catalogue").objects.update_or_create(pk=1)
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": _pg_statements, "sqlite": _sqlite_statements}.get(vendor)
    if statements is None:
        return  # other databases: lists are cached per process for a short while only
    for statement in statements():
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in WATCHED_TABLES:
            for suffix in ("catalogue", "catalogue_truncate"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_{suffix} ON {table}")
        for trigger in ("projects_project_catalogue_update", "projects_project_touch"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON projects_project")
        schema_editor.execute("DROP FUNCTION IF EXISTS projects_catalogue_changed()")
        schema_editor.execute("DROP FUNCTION IF EXISTS projects_project_touched()")
    elif vendor == "sqlite":
        for table in WATCHED_TABLES:
            for change in ("insert", "delete", "update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_catalogue_{change}")
        for trigger in ("projects_project_catalogue_update", "projects_project_touch"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}")


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_api_search_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="Catalogue",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("generation", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
