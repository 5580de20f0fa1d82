"""One project, and the lists of projects the site, the feeds and the API show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from backends import registry
from backends.base import ProjectSpec
from projects.models import (
    Distro,
    Flag,
    Package,
    Project,
    ProjectVersion,
    RateLimitBlock,
    ReleaseStream,
)


@dataclass(frozen=True, slots=True)
class ListedProject:
    """A project as a row of the site's lists shows it (``projects/site/rows.py``).

    Read as plain values: a list page loads 50, and a model instance each (with the rest of
    its columns deferred) cost more than the query did."""

    pk: int
    name: str
    archived: bool
    latest_version: str | None
    homepage: str
    backend: str


def listed_projects(ids: list[int]) -> list[ListedProject]:
    """The projects of ``ids`` in that order, as list rows (a deleted one left out)."""
    if not ids:
        return []
    # A plain statement, as project_id_in_ecosystem: building the ORM's query cost more than
    # running it.
    table = Project._meta.db_table
    statement = (
        f"SELECT id, name, archived, latest_version, homepage, backend FROM {table} "  # noqa: S608
        f"WHERE id IN ({', '.join(['%s'] * len(ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [int(project_id) for project_id in ids])
        found = cursor.fetchall()
    by_id = {row[0]: ListedProject(row[0], row[1], bool(row[2]), *row[3:]) for row in found}
    return [by_id[project_id] for project_id in ids if project_id in by_id]


def tracked_project_count() -> int:
    return Project.objects.count()


def project_by_id(pk: int) -> Project | None:
    """The project with this id, if there is one."""
    return Project.objects.filter(pk=pk).first()


def project_detail(pk: int) -> Project | None:
    """A project with everything its page shows, in a fixed number of queries; whether it
    has hand-defined release streams is read with it (``has_release_streams``), so a project
    without any (nearly all) costs no query for them."""
    return (
        Project.objects.filter(pk=pk)
        .annotate(has_release_streams=Exists(ReleaseStream.objects.filter(project=OuterRef("pk"))))
        .prefetch_related(
            "versions", Prefetch("packages", queryset=Package.objects.select_related("distro"))
        )
        .first()
    )


def project_id_in_ecosystem(ecosystem: str, name: str) -> int | None:
    """The id of the project called ``name`` in ``ecosystem``, both ignoring case (Anitya
    2.1+); one plain statement, as :func:`~projects.selectors.project_id_for_package`."""
    table = Project._meta.db_table
    statement = (
        f"SELECT id FROM {table} WHERE LOWER(name) = %s AND LOWER(ecosystem_name) = %s "  # noqa: S608
        "ORDER BY id LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [name.lower(), ecosystem.lower()])
        row = cursor.fetchone()
    return int(row[0]) if row else None


def project_in_ecosystem(ecosystem: str, name: str) -> Project | None:
    """The project called ``name`` in ``ecosystem``, both ignoring case (Anitya 2.1+)."""
    found = project_id_in_ecosystem(ecosystem, name)
    return project_by_id(found) if found is not None else None


def projects_named(*, name: str | None, homepage: str | None, limit: int) -> list[Project]:
    """The first ``limit`` projects (by id) with this name and this homepage, each ignoring
    case; None is not compared."""
    candidates = Project.objects.all()
    for field, wanted in (("name", name), ("homepage", homepage)):
        if wanted is not None:
            candidates = candidates.alias(**{f"lower_{field}": Lower(field)}).filter(
                **{f"lower_{field}": wanted.lower()}
            )
    return list(candidates.order_by("pk")[:limit])


def projects_with_homepage(homepage: str) -> QuerySet[Project]:
    """The projects whose homepage is exactly ``homepage``."""
    return Project.objects.filter(homepage=homepage)


# -- lists --------------------------------------------------------------------------------------

#: ``?sort=`` of the project lists (contract §2.1): case-insensitive column, then id, so that
#: pages never overlap or skip rows.
PROJECT_SORTS: dict[str, tuple[Any, ...]] = {
    "name_asc": (Lower("name").asc(), "pk"),
    "name_desc": (Lower("name").desc(), "-pk"),
    "homepage_asc": (Lower("homepage").asc(), "pk"),
    "homepage_desc": (Lower("homepage").desc(), "-pk"),
    "backend_asc": (Lower("backend").asc(), Lower("name").asc(), "pk"),
    "backend_desc": (Lower("backend").desc(), Lower("name").desc(), "-pk"),
}
DEFAULT_PROJECT_SORT = "name_asc"


def project_sort_key(sort: str | None) -> str:
    """The ``?sort=`` value to use: a known one (any case), else sorting by name."""
    key = (sort or "").strip().lower()
    return key if key in PROJECT_SORTS else DEFAULT_PROJECT_SORT


def sorted_projects(projects: QuerySet[Project], sort: str | None) -> QuerySet[Project]:
    """``projects`` in a list order (:data:`PROJECT_SORTS`); unknown sorts sort by name."""
    return projects.order_by(*PROJECT_SORTS[project_sort_key(sort)])


def by_name(projects: QuerySet[Project]) -> QuerySet[Project]:
    """``projects`` by name ignoring case, then id."""
    return projects.order_by(Lower("name"), "pk")


def ids_by_name(projects: QuerySet[Project]) -> list[int]:
    """The ids of ``projects``, by name ignoring case, then id."""
    return list(by_name(projects).values_list("id", flat=True))


def project_list(sort: str | None = None) -> QuerySet[Project]:
    """Every project, in the order of ``sort``; the list columns need no other query."""
    return sorted_projects(Project.objects.all(), sort)


def projects_by_last_check() -> QuerySet[Project]:
    """The logs page: the most recently checked projects first, never-checked ones last."""
    return Project.objects.order_by(F("last_check").desc(nulls_last=True), "pk")


def similar_projects(
    name: str, homepage: str, *, exclude: int | None = None, limit: int = 10
) -> list[Project]:
    """Projects a new one would probably duplicate: the same name (ignoring case) or the same
    homepage (ignoring a trailing slash), shown on the project form while the user types."""
    name, homepage = name.strip(), homepage.strip().rstrip("/")
    condition = Q()
    if name:
        condition |= Q(lower_name=name.lower())
    if homepage:
        condition |= Q(homepage=homepage) | Q(homepage=f"{homepage}/")
    if not condition:
        return []
    projects = Project.objects.annotate(lower_name=Lower("name")).filter(condition)
    if exclude is not None:
        projects = projects.exclude(pk=exclude)
    return list(projects.order_by(Lower("name"), "pk")[:limit])


# -- a project's state --------------------------------------------------------------------------


def open_flags(project: Project | None = None) -> QuerySet[Flag]:
    """The open flags (of one project), newest first, with their authors."""
    flags = Flag.objects.filter(state=Flag.State.OPEN).select_related("author")
    if project is not None:
        flags = flags.filter(project=project)
    return flags.order_by("-created_on", "-pk")


def rate_limited_until(project: Project, *, now: datetime | None = None) -> datetime | None:
    """Until when an upstream rate limit defers ``project``'s checks (None: it does not)."""
    try:
        backend = registry.get_backend(project.backend)
    except registry.UnknownBackend:
        return None
    spec = ProjectSpec(
        name=project.name,
        homepage=project.homepage,
        backend=project.backend,
        version_url=project.version_url,
    )
    block = (
        RateLimitBlock.objects.filter(
            scope=backend.rate_limit_scope(spec), reset_at__gt=now or timezone.now()
        )
        .order_by("-reset_at")
        .first()
    )
    return block.reset_at if block is not None else None


#: Feeds show at most this many entries.
FEED_LENGTH = 50


def recent_versions(
    *,
    project: Project | None = None,
    distro: Distro | None = None,
    ecosystem: str | None = None,
    limit: int = FEED_LENGTH,
) -> list[ProjectVersion]:
    """The most recently retrieved versions (of one project, of the projects mapped in a
    distro, or of an ecosystem's projects), newest first, without version-filtered ones.

    One query: twice ``limit`` rows are read so that filtered versions rarely shorten it.
    """
    rows = ProjectVersion.objects.select_related("project")
    if project is not None:
        rows = rows.filter(project=project)
    if distro is not None:
        rows = rows.filter(project__in=Package.objects.filter(distro=distro).values("project_id"))
    if ecosystem is not None:
        rows = rows.annotate(ecosystem=Lower("project__ecosystem_name")).filter(
            ecosystem=ecosystem.lower()
        )
    recent = rows.order_by("-created_on", "-pk")[: limit * 2]
    kept = [row for row in recent if not row.project.is_version_filtered(row.version)]
    return kept[:limit]
