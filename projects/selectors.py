"""Reads: the queries the site, the API and the scheduler share.

Patterns are Anitya's globs: ``*`` matches anything, matching ignores case, and a pattern
without ``*`` means the exact (case-sensitive) name (contract §2.4). ``_`` and ``%`` are
literal characters, never wildcards.
"""

from __future__ import annotations

from django.db.models import CharField, Lookup, Q, QuerySet, TextField
from django.db.models.functions import Lower

from projects.models import Distro, Flag, Package, Project, ProjectVersion


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


def open_flags() -> QuerySet[Flag]:
    return Flag.objects.filter(state=Flag.State.OPEN).select_related("project", "author")
