"""One row of searchable names per project, kept by PostgreSQL itself (nothing happens on
SQLite).

The site's search, ``*word*``, finds the projects whose name or any of whose mappings' package
names contain the word. Two trigram searches (migration 0008) answered it: the projects' names
and the packages' names, their ids merged, each id looked up again to sort by name. A broad
word paid for every mapping it found: ``pyth`` matches 20,768 projects through 50,454
packages at 100,000 projects (80 ms). ``projects_search_names`` holds, per project, its
lowered name (``sort_name``, the list order) and its lowered name and package names joined by
line breaks (``names``), trigram-indexed: one index search, one row per project, sorted on the
spot (``pyth`` in ~20 ms, ``pipe`` in 0.5 ms).

Triggers keep it: a project added, renamed or deleted, a mapping added, renamed, moved or
deleted, either table truncated. Any writer keeps it true, the ORM, ``COPY``, a bulk load or
an operator's ``psql``. The row is locked before it is worked out again, so two transactions
changing one project's mappings at once wait for each other instead of the later one writing
a list that misses the earlier one's package.
"""

import logging

from django.db import migrations

logger = logging.getLogger("projects.migrations")

CREATE = r"""
CREATE TABLE IF NOT EXISTS projects_search_names (
    project_id bigint PRIMARY KEY,
    sort_name text NOT NULL,
    names text NOT NULL
);

CREATE OR REPLACE FUNCTION projects_search_names_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- Each statement below reads what is committed when it starts (READ COMMITTED): the
    -- lock comes first so that the second sees what a transaction holding it committed.
    PERFORM 1 FROM projects_search_names WHERE project_id = ANY(ids)
        ORDER BY project_id FOR UPDATE;
    INSERT INTO projects_search_names AS s (project_id, sort_name, names)
    SELECT p.id, LOWER(p.name), concat_ws(E'\n', LOWER(p.name), (
        SELECT string_agg(LOWER(k.package_name), E'\n' ORDER BY k.id)
        FROM projects_package k WHERE k.project_id = p.id
    ))
    FROM projects_project p WHERE p.id = ANY(ids)
    ON CONFLICT (project_id) DO UPDATE
        SET sort_name = EXCLUDED.sort_name, names = EXCLUDED.names
        WHERE (s.sort_name, s.names) IS DISTINCT FROM (EXCLUDED.sort_name, EXCLUDED.names);
END $$;

CREATE OR REPLACE FUNCTION projects_search_names_projects_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM projects_search_names_refresh(ARRAY(SELECT id FROM added));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION projects_search_names_project_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM projects_search_names_refresh(ARRAY[NEW.id]);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION projects_search_names_projects_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM projects_search_names WHERE project_id IN (SELECT id FROM deleted);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION projects_search_names_emptied() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE projects_search_names;
    RETURN NULL;
END $$;

-- Packages added or deleted: both triggers name their transition table "touched".
CREATE OR REPLACE FUNCTION projects_search_names_packages_touched() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM projects_search_names_refresh(ARRAY(SELECT DISTINCT project_id FROM touched));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION projects_search_names_package_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM projects_search_names_refresh(ARRAY[OLD.project_id, NEW.project_id]);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION projects_search_names_packages_emptied() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE projects_search_names SET names = sort_name WHERE names <> sort_name;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS search_names_projects_added ON projects_project;
CREATE TRIGGER search_names_projects_added AFTER INSERT ON projects_project
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION projects_search_names_projects_added();
-- A row trigger with a column list and a condition: the checker's updates, which never set
-- the name, do not call it at all.
DROP TRIGGER IF EXISTS search_names_project_renamed ON projects_project;
CREATE TRIGGER search_names_project_renamed AFTER UPDATE OF name ON projects_project
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION projects_search_names_project_renamed();
DROP TRIGGER IF EXISTS search_names_projects_deleted ON projects_project;
CREATE TRIGGER search_names_projects_deleted AFTER DELETE ON projects_project
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT
    EXECUTE FUNCTION projects_search_names_projects_deleted();
DROP TRIGGER IF EXISTS search_names_projects_emptied ON projects_project;
CREATE TRIGGER search_names_projects_emptied AFTER TRUNCATE ON projects_project
    FOR EACH STATEMENT EXECUTE FUNCTION projects_search_names_emptied();

DROP TRIGGER IF EXISTS search_names_packages_added ON projects_package;
CREATE TRIGGER search_names_packages_added AFTER INSERT ON projects_package
    REFERENCING NEW TABLE AS touched FOR EACH STATEMENT
    EXECUTE FUNCTION projects_search_names_packages_touched();
DROP TRIGGER IF EXISTS search_names_package_changed ON projects_package;
CREATE TRIGGER search_names_package_changed AFTER UPDATE OF package_name, project_id
    ON projects_package FOR EACH ROW
    WHEN (OLD.package_name IS DISTINCT FROM NEW.package_name
          OR OLD.project_id IS DISTINCT FROM NEW.project_id)
    EXECUTE FUNCTION projects_search_names_package_changed();
DROP TRIGGER IF EXISTS search_names_packages_deleted ON projects_package;
CREATE TRIGGER search_names_packages_deleted AFTER DELETE ON projects_package
    REFERENCING OLD TABLE AS touched FOR EACH STATEMENT
    EXECUTE FUNCTION projects_search_names_packages_touched();
DROP TRIGGER IF EXISTS search_names_packages_emptied ON projects_package;
CREATE TRIGGER search_names_packages_emptied AFTER TRUNCATE ON projects_package
    FOR EACH STATEMENT EXECUTE FUNCTION projects_search_names_packages_emptied();

SELECT projects_search_names_refresh(ARRAY(SELECT id FROM projects_project));
"""

TRIGRAM_INDEX = (
    "CREATE INDEX IF NOT EXISTS search_names_trgm_idx "
    "ON projects_search_names USING gin (names gin_trgm_ops)"
)

DROP = """
DROP TRIGGER IF EXISTS search_names_projects_added ON projects_project;
DROP TRIGGER IF EXISTS search_names_project_renamed ON projects_project;
DROP TRIGGER IF EXISTS search_names_projects_deleted ON projects_project;
DROP TRIGGER IF EXISTS search_names_projects_emptied ON projects_project;
DROP TRIGGER IF EXISTS search_names_packages_added ON projects_package;
DROP TRIGGER IF EXISTS search_names_package_changed ON projects_package;
DROP TRIGGER IF EXISTS search_names_packages_deleted ON projects_package;
DROP TRIGGER IF EXISTS search_names_packages_emptied ON projects_package;
DROP TABLE IF EXISTS projects_search_names;
DROP FUNCTION IF EXISTS projects_search_names_refresh(bigint[]);
DROP FUNCTION IF EXISTS projects_search_names_projects_added();
DROP FUNCTION IF EXISTS projects_search_names_project_renamed();
DROP FUNCTION IF EXISTS projects_search_names_projects_deleted();
DROP FUNCTION IF EXISTS projects_search_names_emptied();
DROP FUNCTION IF EXISTS projects_search_names_packages_touched();
DROP FUNCTION IF EXISTS projects_search_names_package_changed();
DROP FUNCTION IF EXISTS projects_search_names_packages_emptied();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # No parameters: one round trip of several statements (the simple query protocol).
    schema_editor.execute(CREATE, params=None)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        trigrams = cursor.fetchone() is not None
    if trigrams:
        schema_editor.execute(TRIGRAM_INDEX)
    else:
        # Migration 0008 said why; the table still serves the search, read whole.
        logger.warning("The search names stay unindexed: the pg_trgm extension is missing")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0016_due_index_orders_by_id"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
