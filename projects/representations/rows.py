"""The rows Project JSON is built from, read in bulk: projects, versions, mappings, stamps."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast, Lower

from projects.models import Package, Project, ProjectVersion

#: The project columns the JSON (and the version ordering) needs.
ROW_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "homepage",
    "backend",
    "ecosystem_name",
    "version_url",
    "regex",
    "latest_version",
    "version_scheme",
    "version_prefix",
    "pre_release_filter",
    "version_pattern",
    "version_filter",
    "created_on",
    "updated_on",
)

#: A project's change stamp: ``updated_on`` as the database writes it in text (cheaper to read
#: than a datetime, which matters when a search returns tens of thousands of projects).
STAMP = Cast("updated_on", output_field=TextField())

# Bulk reads go in chunks: SQLite limits the number of parameters of one statement.
CHUNK = 900
LARGE_CHUNK = 50_000

#: A stored version: (raw string, created_on, published_at).
#: (raw version, created_on, published_at, withdrawn_on) of one stored version.
StoredVersion = tuple[str, dt.datetime | None, dt.datetime | None, dt.datetime | None]

Item = TypeVar("Item")


def chunks(items: Sequence[Item]) -> Iterable[Sequence[Item]]:
    size = CHUNK if connection.vendor == "sqlite" else LARGE_CHUNK
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_rows(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The projects' rows by id (missing ids are absent)."""
    rows: dict[int, dict[str, Any]] = {}
    for chunk in chunks(ids):
        for row in Project.objects.filter(pk__in=chunk).values(*ROW_FIELDS, stamp=STAMP):
            rows[row["id"]] = row
    return rows


def load_versions(ids: Sequence[int], *, times: bool = True) -> dict[int, list[StoredVersion]]:
    """Every stored version of these projects, by project id.

    Without ``times`` the created and published times are None: reading hundreds of
    thousands of datetimes is the slowest part of a big list, and Anitya's Project JSON does
    not show them. ``withdrawn_on`` is always read (NULL but for withdrawn versions).
    """
    stored: dict[int, list[StoredVersion]] = defaultdict(list)
    for chunk in chunks(ids):
        query = ProjectVersion.objects.filter(project_id__in=chunk)
        if times:
            for project_id, raw, created_on, published_at, withdrawn_on in query.values_list(
                "project_id", "version", "created_on", "published_at", "withdrawn_on"
            ):
                stored[project_id].append((raw, created_on, published_at, withdrawn_on))
        else:
            for project_id, raw, withdrawn_on in query.values_list(
                "project_id", "version", "withdrawn_on"
            ):
                stored[project_id].append((raw, None, None, withdrawn_on))
    return stored


def load_packages(ids: Sequence[int]) -> dict[int, list[dict[str, str]]]:
    """The projects' mappings as JSON, ordered by distro (ignoring case) then package name."""
    packages: dict[int, list[dict[str, str]]] = defaultdict(list)
    for chunk in chunks(ids):
        query = (
            Package.objects.filter(project_id__in=chunk)
            .order_by(Lower("distro__name"), "package_name", "pk")
            .values_list("project_id", "distro__name", "package_name")
        )
        for project_id, distro, package_name in query:
            packages[project_id].append({"distro": distro, "package_name": package_name})
    return packages


def row_of(project: Project) -> dict[str, Any]:
    """The row of a model instance (saved or not), for ``project_json``."""
    row = {field: getattr(project, field) for field in ROW_FIELDS if field != "id"}
    row["id"] = project.pk
    row["stamp"] = None
    return row


def stamps_of(ids: Sequence[int]) -> list[tuple[int, str]]:
    """(id, change stamp) of these projects, in the order given; deleted ones are left out.

    A plain statement: every cached list page and answer reads its projects' stamps on every
    request, and building the ORM's query cost more than running it."""
    found: dict[int, str] = {}
    table = connection.ops.quote_name(Project._meta.db_table)
    with connection.cursor() as cursor:
        for chunk in chunks(ids):
            places = ",".join(["%s"] * len(chunk))
            # The same text as STAMP: Django writes that Cast as CAST(... AS text) or ::text.
            cursor.execute(
                f"SELECT id, CAST(updated_on AS TEXT) FROM {table} WHERE id IN ({places})",  # noqa: S608
                list(chunk),
            )
            found.update(cursor.fetchall())
    return [(project_id, found[project_id]) for project_id in ids if project_id in found]


def changed_since(moment: dt.datetime) -> dict[int, str]:
    """(id → stamp) of the projects whose ``updated_on`` is later than ``moment``."""
    return dict(Project.objects.filter(updated_on__gt=moment).values_list("id", STAMP))
