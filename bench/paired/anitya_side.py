"""The Anitya side of the paired benchmark: runs in Anitya's virtual environment, never imports
releasemon (nor anything under bench/).

    var/bench/anitya-venv/bin/python bench/paired/anitya_side.py load --source URL [--fingerprint F]
    var/bench/anitya-venv/bin/python bench/paired/anitya_side.py check

Both read Anitya's configuration from ``ANITYA_WEB_CONFIG`` (a TOML file the runner writes under
var/bench/), whose ``db_url`` names Anitya's database.

``load`` creates Anitya's schema the way Anitya's own check service does on a fresh install
(``db.manager.sync()``: sqlalchemy_helpers creates the models' tables and stamps Alembic's head),
EMPTIES its project, version, distro, mapping, flag and run tables, and copies releasemon's rows
into them with plain SQL (COPY from releasemon's tables, ``--source``, into Anitya's): the same
project ids, names, homepages, backends, ecosystems, version URLs, regexes, version schemes and
prefixes, versions (with their creation times), distros, mappings and flags. Then VACUUM ANALYZE.
Users and API tokens are not copied: every measured request is anonymous.

``check`` runs one cycle of Anitya's own checker (``anitya.check_service.Checker().run()``, its
default ``CRON_POOL`` of 10 threads) over every due project and prints one JSON line: wall time,
the CPU time of this process during ``run()`` (the Flask app is created before), the run's
counts, and the versions and messages it produced. Publishing is stubbed: there is no AMQP
broker here, and fedora-messaging would wait 30 s per message for one. Each message is still
built by Anitya (``project.__json__()``, packages, versions), validated against its schema and
serialised, as ``api.publish`` does before it sends.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import sys
import time

# (Anitya's table, its columns, the SELECT over releasemon's tables that yields them.)
# Anitya's created_on/updated_on are naive UTC timestamps; releasemon's are timestamptz.
COPIES: tuple[tuple[str, str, str], ...] = (
    ("distros", "name", "SELECT name FROM projects_distro"),
    (
        "projects",
        "id, name, homepage, backend, ecosystem_name, version_url, regex, version_prefix, "
        "version_pattern, insecure, releases_only, error_counter, version_scheme, "
        "pre_release_filter, archived, version_filter, latest_version, logs, "
        "check_successful, last_check, next_check, updated_on, created_on",
        "SELECT id, name, homepage, backend, ecosystem_name, version_url, regex, version_prefix, "
        "version_pattern, insecure, releases_only, error_counter, version_scheme, "
        "pre_release_filter, archived, version_filter, latest_version, logs, "
        "check_successful, last_check, next_check, updated_on AT TIME ZONE 'UTC', "
        "created_on AT TIME ZONE 'UTC' FROM projects_project",
    ),
    (
        "projects_versions",
        "project_id, version, created_on, commit_url",
        "SELECT project_id, version, created_on AT TIME ZONE 'UTC', commit_url "
        "FROM projects_projectversion",
    ),
    (
        "packages",
        "id, distro_name, project_id, package_name",
        "SELECT p.id, d.name, p.project_id, p.package_name FROM projects_package p "
        "JOIN projects_distro d ON d.id = p.distro_id",
    ),
    (
        "projects_flags",
        'id, project_id, reason, "user", state, created_on, updated_on',
        "SELECT f.id, f.project_id, f.reason, coalesce(u.email, 'anonymous'), f.state, "
        "f.created_on AT TIME ZONE 'UTC', f.updated_on AT TIME ZONE 'UTC' "
        "FROM projects_flag f LEFT JOIN accounts_user u ON u.id = f.author_id",
    ),
)
EMPTIED = ("projects_flags", "packages", "projects_versions", "projects", "distros", "runs")
SEQUENCES = (("projects", "id"), ("packages", "id"), ("projects_flags", "id"))
MARKER_TABLE = "bench_paired_source"


def _database_url() -> str:
    """Anitya's database as a libpq URL (its configuration names SQLAlchemy's driver too)."""
    from anitya.config import config

    return config["DB_URL"].replace("postgresql+psycopg2://", "postgresql://", 1)


def create_schema() -> str:
    """Anitya's own fresh install: ``db.manager.sync()`` in the app's context."""
    from anitya.app import create
    from anitya.db import db

    app = create()
    with app.app_context():
        return str(db.manager.sync())


def load(args: argparse.Namespace) -> None:
    import psycopg2

    started = time.perf_counter()
    schema = create_schema()
    source = psycopg2.connect(args.source)
    target = psycopg2.connect(_database_url())
    counts = {}
    try:
        with target, target.cursor() as out:
            out.execute(f"TRUNCATE {', '.join(EMPTIED)} CASCADE")
            out.execute(f"DROP TABLE IF EXISTS {MARKER_TABLE}")
            with source.cursor() as inp:
                for table, columns, select in COPIES:
                    buffer = io.StringIO()
                    inp.copy_expert(f"COPY ({select}) TO STDOUT", buffer)
                    buffer.seek(0)
                    out.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)
                    counts[table] = out.rowcount
            for table, column in SEQUENCES:
                out.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                    f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
                )
            out.execute(
                f"CREATE TABLE {MARKER_TABLE} (id integer PRIMARY KEY, fingerprint text NOT NULL)"
            )
            out.execute(
                f"INSERT INTO {MARKER_TABLE} VALUES (1, %s)", [args.fingerprint or "unknown"]
            )
        target.autocommit = True
        with target.cursor() as out:
            out.execute("VACUUM (ANALYZE)")
    finally:
        source.close()
        target.close()
    counts["schema"] = schema
    counts["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(counts), flush=True)


def _stub_publishing() -> list[str]:
    """Replace fedora-messaging's network send by what it does before sending."""
    from fedora_messaging import api
    from fedora_messaging import message as fm_message

    published: list[str] = []

    def publish(message, exchange=None, timeout=30):
        message.validate()
        fm_message.dumps(message)
        published.append(message.topic)

    api.publish = publish
    return published


def _usage() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def check(args: argparse.Namespace) -> None:
    import psycopg2

    published = _stub_publishing()
    from anitya.check_service import Checker
    from anitya.config import config

    with psycopg2.connect(_database_url()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM projects_versions")
        versions_before = cursor.fetchone()[0]
    checker = Checker()  # creates the Flask app: start-up, not measured
    cpu, wall = _usage(), time.perf_counter()
    checker.run()
    cpu, wall = _usage() - cpu, time.perf_counter() - wall
    with psycopg2.connect(_database_url()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM projects_versions")
        versions_after = cursor.fetchone()[0]
        cursor.execute(
            "SELECT total_count, success_count, error_count, ratelimit_count FROM runs "
            "ORDER BY created_on DESC LIMIT 1"
        )
        row = cursor.fetchone() or (0, 0, 0, 0)
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": cpu,
                "total": row[0],
                "success": row[1],
                "error": row[2],
                "ratelimit": row[3],
                "new_versions": versions_after - versions_before,
                "messages": len(published),
                "pool": config.get("CRON_POOL"),
                "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        ),
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    loading = commands.add_parser("load", help="create the schema and copy releasemon's rows")
    loading.add_argument("--source", required=True, help="releasemon's database URL")
    loading.add_argument("--fingerprint", default="", help="stored in bench_paired_source")
    commands.add_parser("check", help="one cycle of Anitya's checker over the due projects")
    args = parser.parse_args(argv)
    if args.command == "load":
        load(args)
    else:
        check(args)


if __name__ == "__main__":
    sys.exit(main())
