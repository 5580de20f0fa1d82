"""PostgreSQL indexes for the API's searches and lists (nothing happens on SQLite).

- ``LOWER(name)`` and ``LOWER(package_name)`` with ``varchar_pattern_ops``: v1's
  ``?pattern=py*`` is ``LOWER(column) LIKE 'py%'``, which a plain index serves only under the
  C collation; the package one also serves v2's ``?name=`` equality, and includes the
  project id so that the search reads no table row.
- ``(LOWER(name), id) INCLUDE (updated_on)``: v1's lists come in that order, and the ids and
  change times they start from are read from the index alone.
- ``LOWER(ecosystem_name)``: v2's ``?ecosystem=``.
- ``updated_on``: the latest change, which tells whether a cached list answer still holds.
- ``(name, ecosystem_name) INCLUDE (id, updated_on)``: v2's project pages, deep ones too.
- ``(distro_id, package_name) INCLUDE (project_id)`` and ``(package_name, distro_id)
  INCLUDE (project_id)``: v2's package pages, with and without a distribution.

Index-only scans need the visibility map: after a bulk load, ``VACUUM ANALYZE`` the tables.
The model state does not list these indexes (they are PostgreSQL-only); ``IF NOT EXISTS``
makes the migration safe to re-run by hand.
"""

from django.db import migrations

INDEXES = {
    "project_name_pattern_idx": (
        "projects_project",
        "(LOWER(name) varchar_pattern_ops)",
    ),
    "package_name_pattern_idx": (
        "projects_package",
        "(LOWER(package_name) varchar_pattern_ops) INCLUDE (project_id)",
    ),
    "project_lower_name_order_idx": ("projects_project", "(LOWER(name), id) INCLUDE (updated_on)"),
    "project_lower_ecosystem_idx": ("projects_project", "(LOWER(ecosystem_name))"),
    "project_updated_on_idx": ("projects_project", "(updated_on)"),
    "project_page_idx": ("projects_project", "(name, ecosystem_name) INCLUDE (id, updated_on)"),
    "package_distro_page_idx": (
        "projects_package",
        "(distro_id, package_name) INCLUDE (project_id)",
    ),
    "package_page_idx": ("projects_package", "(package_name, distro_id) INCLUDE (project_id)"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, columns) in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {columns}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_next_check_reason"),
    ]

    operations = [migrations.RunPython(create, drop)]
