"""Importing an Anitya 2.x database: ``manage.py import_anitya`` (docs/migrating-from-anitya.md).

Everything is read from Anitya's database read-only (:mod:`.source`), in batches by key, and
written here in bulk with Anitya's ids: users (:mod:`.users_rows`, with their tokens, hashed,
and social identities), distributions, then projects batch by batch, each batch in one
transaction with its versions, mappings and flags (:mod:`.projects_rows`,
:mod:`.mappings_rows`). Each row passes our validation rules first (:mod:`.clean`); what
cannot be carried as it is goes in its nearest safe form and into the CSV report
(:mod:`.report`). Runs compare by id (versions by project and version string), so a second
run adds what is new, updates what changed and removes what Anitya no longer has: import,
keep Anitya running, import again at the cut-over.

Why not through :mod:`projects.services`: the services are the one writer of changes people
make (design.md's one-writer rule), and each emits its message and audit entry as it writes.
An import is not a change anybody made now: it is history that already happened on Anitya,
whose messages Anitya sent at the time. Replaying it through the services would send hundreds
of thousands of ``project.add`` and ``project.version.update`` messages to every consumer (and
watch), run a validating check per project against its upstream, and take hours a row at a
time. So the import is the one writer of imported history: no message goes to the outbox,
one ``project.import`` audit entry is written per project it adds or changes, and one summary
line goes to the log.

Answers kept per project are found by its ``updated_on`` (``projects/representations``), which
the import takes from Anitya; where a batch changed a project's row or versions and Anitya's
``updated_on`` stayed (an admin there deleted a version), :func:`.projects_rows.restamp` moves
its microseconds, which no API shows. After the last batch, on PostgreSQL, the sequences of
the tables whose ids were kept are set past the largest id (SQLite's rowids need nothing), and
the catalogue generation moves, so every process's list caches are rebuilt
(``projects/catalogue.py``). ``next_check`` is kept:
the checker picks projects up when Anitya would have.
"""

from __future__ import annotations

import logging

from django.db import connection, reset_queries, transaction
from django.db.models import F

from projects import audit, catalogue
from projects.anitya_import.clean import Problem
from projects.anitya_import.mappings_rows import write_distros, write_flags, write_mappings
from projects.anitya_import.progress import Progress
from projects.anitya_import.projects_rows import (
    AGENT,
    PROJECT_COLUMNS,
    restamp,
    write_projects,
    write_versions,
)
from projects.anitya_import.report import Report, Tally
from projects.anitya_import.source import SOCIAL_TABLE, AnityaSource, SourceError
from projects.anitya_import.users_rows import (
    SOCIAL_COLUMNS,
    TOKEN_COLUMNS,
    USER_COLUMNS,
    UserMap,
    remove_revoked_tokens,
    write_identities,
    write_tokens,
    write_users,
)
from projects.models import AuditEntry, Catalogue, Flag, Package, Project

__all__ = ["AnityaSource", "ImportRefused", "Progress", "Report", "SourceError", "import_anitya"]

logger = logging.getLogger(__name__)

#: The tables whose ids are Anitya's: their sequences must start after them.
KEPT_IDS = (Project, Package, Flag)


class ImportRefused(Exception):
    """This database holds projects that did not come from Anitya; the message says so."""


def projects_not_imported() -> int:
    """How many projects here no import brought (no ``project.import`` audit entry)."""
    imported = AuditEntry.objects.filter(kind=AuditEntry.Kind.PROJECT_IMPORT).values("project_id")
    return Project.objects.exclude(id__in=imported).count()


class _RolledBack(Exception):
    """Ends a dry run's transaction."""


def import_anitya(
    source: AnityaSource, report: Report, *, batch_size: int = 1000, dry_run: bool = False
) -> None:
    """Import everything ``source`` holds; counts and problems go to ``report``. A dry run
    does all of it in one transaction and rolls it back: it reports exactly what a run would
    change, and writes nothing (but the report).

    Ids are kept, so a project created here could have the id of an Anitya project: the
    import refuses (:class:`ImportRefused`) a database holding projects no import brought,
    and a source holding releasemon's own tables (releasemon migrated into Anitya's database,
    through Anitya's ``db_url``).
    """
    if "django_migrations" in source.tables:
        raise ImportRefused(
            f"{source.location} holds releasemon's own tables (django_migrations): releasemon "
            "needs a database of its own; is DATABASE_URL (or db_url in the RELEASEMON_CONFIG "
            "file, a copy of anitya.toml) Anitya's database?"
        )
    foreign = projects_not_imported()
    if foreign:
        raise ImportRefused(
            f"this releasemon database holds {foreign} projects that were not imported from "
            "Anitya; import into an empty database (Anitya's ids are kept)"
        )
    if not dry_run:
        _import(source, report, batch_size)
        _finish()
    else:
        try:
            with transaction.atomic():
                _import(source, report, batch_size)
                raise _RolledBack
        except _RolledBack:
            pass
    report.progress.end()  # the log may write to the same terminal
    logger.info(
        "Anitya import%s from %s: %s",
        " (dry run)" if dry_run else "",
        source.location,
        report.summary(),
    )


def _import(source: AnityaSource, report: Report, size: int) -> None:
    users = UserMap()
    steps = [
        ("users", USER_COLUMNS, "id", write_users),
        ("tokens", TOKEN_COLUMNS, "token", write_tokens),
    ]
    if SOCIAL_TABLE in source.tables:
        steps.append(("identities", SOCIAL_COLUMNS, "id", write_identities))
    table_of = {"users": "users", "tokens": "tokens", "identities": SOCIAL_TABLE}
    for kind, columns, key, write in steps:
        report.start(kind, source.count(table_of[kind]))
        for number, rows in enumerate(source.batches(table_of[kind], columns, key=key, size=size)):
            problems: list[Problem] = []
            with transaction.atomic():
                tally = write(rows, users, problems)
            report.problem(problems)
            report.count(kind, tally)
            report.batch(len(rows), f"batch {number + 1}", {kind: tally})
    revoked = remove_revoked_tokens(users)
    report.count("tokens", Tally(removed=revoked))
    problems = []
    distro_rows = source.count("distros")
    report.start("distros", distro_rows)
    with transaction.atomic():
        distros, tally = write_distros(source, problems, size=size)
    report.problem(problems)
    report.count("distros", tally)
    report.batch(distro_rows, "all", {"distros": tally})
    seen: set[int] = set()
    report.start("projects", source.count("projects"))
    for rows in source.batches("projects", PROJECT_COLUMNS, key="id", size=size):
        problems = []
        with transaction.atomic():
            batch, projects = write_projects(rows, problems)
            parts = {
                "projects": projects,
                "versions": write_versions(source, batch, problems),
                "mappings": write_mappings(source, batch, distros, problems),
                "flags": write_flags(source, batch, problems),
            }
            restamp(batch)
        seen.update(batch.ids)
        reset_queries()  # with DEBUG on, Django keeps the SQL of 9,000 queries (big inserts)
        report.problem(problems)
        for kind, tally in parts.items():
            report.count(kind, tally)
        report.batch(len(rows), f"ids {batch.low}-{batch.high}", parts)
    removed = _remove_gone(seen)
    report.count("projects", Tally(removed=removed))
    if removed:
        report.say(f"projects no longer in Anitya: {removed} removed")


def _remove_gone(seen: set[int]) -> int:
    """Delete the projects an earlier import brought that Anitya no longer has (with their
    versions, mappings and flags), each with a ``project.remove`` audit entry. Projects
    created here, never imported, are not touched."""
    imported = AuditEntry.objects.filter(kind=AuditEntry.Kind.PROJECT_IMPORT).values_list(
        "project_id", flat=True
    )
    gone = sorted({pk for pk in imported.order_by().distinct().iterator() if pk not in seen})
    removed = 0
    for start in range(0, len(gone), 1000):
        with transaction.atomic():
            projects = list(Project.objects.filter(id__in=gone[start : start + 1000]))
            audit.record_many(
                AuditEntry.Kind.PROJECT_REMOVE,
                ((project, {"name": project.name}, None) for project in projects),
                agent=AGENT,
            )
            Project.objects.filter(id__in=[project.pk for project in projects]).delete()
            removed += len(projects)
    return removed


def _finish() -> None:
    """Sequences past the kept ids (PostgreSQL), and the catalogue generation moved."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in KEPT_IDS:
                table = model._meta.db_table
                # Our own table names; the value is a parameter.
                top = f"coalesce((SELECT max(id) FROM {table}), 0) + 1"  # noqa: S608
                sql = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), {top}, false)"
                cursor.execute(sql, [table])
    Catalogue.objects.filter(pk=1).update(generation=F("generation") + 1)
    catalogue.memberships.clear()
