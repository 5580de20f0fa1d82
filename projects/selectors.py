"""Reads: the queries the site, the API and the scheduler share.

Patterns are Anitya's globs: ``*`` matches anything, matching ignores case, and a pattern
without ``*`` means the exact (case-sensitive) name (contract §2.4). ``_`` and ``%`` are
literal characters, never wildcards.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import CharField, Count, F, Lookup, Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Lower
from django.utils import timezone

from backends import registry
from backends.base import ProjectSpec
from projects.models import Distro, Flag, Package, Project, ProjectVersion, RateLimitBlock


@CharField.register_lookup
class Glob(Lookup):
    """``field__glob="py*"``: a case-insensitive LIKE whose only wildcard is ``*``.

    Written as ``LOWER(field) LIKE LOWER(pattern)`` on every database so that PostgreSQL can
    answer prefix patterns from an index on ``LOWER(name)`` with ``varchar_pattern_ops``.
    """

    lookup_name = "glob"

    def get_db_prep_lookup(self, value: str, connection: object) -> tuple[str, list[str]]:
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return "%s", [escaped.replace("*", "%")]

    def as_sql(self, compiler: object, connection: object) -> tuple[str, list]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"LOWER({lhs}) LIKE LOWER({rhs}) ESCAPE '\\'", [*lhs_params, *rhs_params]


TextField.register_lookup(Glob)


def matches(field: str, pattern: str) -> Q:
    """``field`` matches ``pattern``: a glob when it has a ``*``, else exact equality."""
    if "*" in pattern:
        return Q(**{f"{field}__glob": pattern})
    return Q(**{field: pattern})


def tracked_project_count() -> int:
    return Project.objects.count()


def latest_releases(limit: int = 10) -> QuerySet[ProjectVersion]:
    """The most recently retrieved versions, newest first, with their projects."""
    return (
        ProjectVersion.objects.select_related("project")
        .filter(project__archived=False)
        .order_by("-created_on", "-pk")[:limit]
    )


def search_projects(pattern: str, *, distro: str | None = None) -> QuerySet[Project]:
    """Projects whose name, or the name of one of their packages, matches ``pattern``.

    With ``distro``, only projects with a package in that distro (named ignoring case).
    Unordered: callers sort.
    """
    packages = Package.objects.filter(matches("package_name", pattern))
    projects = Project.objects.filter(
        matches("name", pattern) | Q(pk__in=packages.values("project_id"))
    )
    if distro is not None:
        projects = projects.filter(pk__in=packages_in_distro(distro).values("project_id"))
    return projects


def packages_in_distro(distro: str) -> QuerySet[Package]:
    return Package.objects.annotate(distro_lower=Lower("distro__name")).filter(
        distro_lower=distro.strip().lower()
    )


def projects_in_distro(distro: str) -> QuerySet[Project]:
    """Projects mapped in ``distro`` (named ignoring case), by name ignoring case."""
    return Project.objects.filter(pk__in=packages_in_distro(distro).values("project_id")).order_by(
        Lower("name"), "pk"
    )


def project_for_package(distro: str, package_name: str) -> Project | None:
    """The project that ``package_name`` (exact) packages in ``distro`` (ignoring case)."""
    package = (
        packages_in_distro(distro)
        .filter(package_name=package_name)
        .select_related("project")
        .first()
    )
    return package.project if package is not None else None


def project_in_ecosystem(ecosystem: str, name: str) -> Project | None:
    """The project called ``name`` in ``ecosystem``, both ignoring case (Anitya 2.1+)."""
    return (
        Project.objects.annotate(lower_name=Lower("name"), lower_ecosystem=Lower("ecosystem_name"))
        .filter(lower_name=name.lower(), lower_ecosystem=ecosystem.lower())
        .order_by("pk")
        .first()
    )


def search_distros(pattern: str) -> QuerySet[Distro]:
    """Distros whose name matches the glob ``pattern`` (always ignoring case), by name."""
    return Distro.objects.filter(name__glob=pattern).order_by(Lower("name"))


#: The status lists of ``/projects/updates/<status>`` (contract §2.3): filter and order.
STATUS_LISTS: dict[str, tuple[Q, tuple[str, ...]]] = {
    "updated": (Q(check_successful=True), ("-last_check", "pk")),
    "failed": (Q(check_successful=False, error_counter__gt=0), ("-error_counter", "pk")),
    "never_updated": (Q(latest_version__isnull=True), ("created_on", "pk")),
    # Anitya meant to order these by name (its ordering was a no-op, pitfall 26).
    "archived": (Q(archived=True), ("name", "pk")),
}


def projects_by_status(
    status: str, *, name: str | None = None, log: str | None = None
) -> QuerySet[Project]:
    """A status list, filtered by name and log text (a glob, or a substring when no ``*``).

    Raises ``KeyError`` for an unknown status.
    """
    condition, ordering = STATUS_LISTS[status]
    projects = Project.objects.filter(condition)
    if name:
        projects = projects.filter(name__glob=name if "*" in name else f"*{name}*")
    if log:
        projects = projects.filter(logs__glob=log if "*" in log else f"*{log}*")
    return projects.order_by(*ordering)


# -- the website ------------------------------------------------------------------------------

#: ``?sort=`` of the project lists (contract §2.1): case-insensitive column, then id, so that
#: pages never overlap or skip rows.
PROJECT_SORTS: dict[str, tuple] = {
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


def project_list(sort: str | None = None) -> QuerySet[Project]:
    """Every project, in the order of ``sort``; the list columns need no other query."""
    return sorted_projects(Project.objects.all(), sort)


def site_search(
    pattern: str, *, exact: bool = False, distro: str | None = None
) -> QuerySet[Project]:
    """The website's search (contract §2.4): the pattern, or ``*pattern*`` unless ``exact``.

    Anitya appends the ``*pattern*`` results to the pattern's; as ``*pattern*`` (ignoring case)
    finds everything the pattern finds, its results are the union. Unordered: callers sort.
    """
    pattern = pattern.strip() or "*"
    if not exact:
        pattern = f"*{pattern}*"
    return search_projects(pattern, distro=distro)


def project_detail(pk: int) -> Project | None:
    """A project with everything its page shows, in a fixed number of queries."""
    return (
        Project.objects.filter(pk=pk)
        .prefetch_related(
            "versions", Prefetch("packages", queryset=Package.objects.select_related("distro"))
        )
        .first()
    )


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


def distro_list() -> QuerySet[Distro]:
    """Every distro by name (ignoring case), with how many projects are mapped in it."""
    return Distro.objects.annotate(package_count=Count("packages")).order_by(Lower("name"), "pk")


def distro_by_name(name: str) -> Distro | None:
    """The distro called ``name``, ignoring case (as Anitya's lookups do)."""
    return Distro.objects.annotate(lower=Lower("name")).filter(lower=name.strip().lower()).first()


def projects_by_last_check() -> QuerySet[Project]:
    """The logs page: the most recently checked projects first, never-checked ones last."""
    return Project.objects.order_by(F("last_check").desc(nulls_last=True), "pk")


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
