"""Finding projects and distros by text: Anitya's globs and project search, the status lists,
and API v2's filters.

Patterns are Anitya's globs: ``*`` matches anything, matching ignores case, and a pattern
without ``*`` means the exact (case-sensitive) name (contract §2.4). ``_`` and ``%`` are
literal characters, never wildcards.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BigAutoField, CharField, Lookup, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.db.models.sql.compiler import SQLCompiler

from projects.models import Distro, Package, Project
from projects.selectors.distros import distro_ids
from projects.selectors.projects import by_name, project_sort_key, sorted_projects

#: SQL and its parameters, as Django's expressions return them.
SqlAndParams = tuple[str, tuple[str | int, ...]]
Row = TypeVar("Row", Project, Package)


@CharField.register_lookup
class Glob(Lookup):
    """``field__glob="py*"``: a case-insensitive LIKE whose only wildcard is ``*``.

    Written as ``LOWER(field) LIKE LOWER(pattern)`` on every database so that PostgreSQL can
    answer prefix patterns from an index on ``LOWER(name)`` with ``varchar_pattern_ops``.
    """

    lookup_name = "glob"

    def get_db_prep_lookup(self, value: str | int, connection: BaseDatabaseWrapper) -> SqlAndParams:
        return "%s", (like_pattern(str(value)),)

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> SqlAndParams:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"LOWER({lhs}) LIKE LOWER({rhs}) ESCAPE '\\'", (*lhs_params, *rhs_params)


TextField.register_lookup(Glob)


def like_pattern(glob: str) -> str:
    """The glob as a ``LIKE ... ESCAPE '\\'`` pattern: ``*`` is ``%``, every other character
    (``%`` and ``_`` too) stands for itself."""
    escaped = glob.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


@BigAutoField.register_lookup
class FoundBy(Lookup):
    """``pk__found_by=<subquery>``: ``IN``, but on PostgreSQL ``= ANY(ARRAY(subquery))``, which
    runs the subquery first and looks its ids up by primary key.

    PostgreSQL guesses how many rows a trigram search finds from the pattern's length alone
    (1,010 of 100,000 for ``%pipe%``, which finds 24) and, for ``IN``, joined a scan of every
    project to them: 25 ms where looking up the 24 takes under 1 ms.
    """

    lookup_name = "found_by"

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> SqlAndParams:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)


def matches(field: str, pattern: str) -> Q:
    """``field`` matches ``pattern``: a glob when it has a ``*``, else exact equality."""
    if "*" in pattern:
        return Q(**{f"{field}__glob": pattern})
    return Q(**{field: pattern})


def search_projects(pattern: str | None, *, distro: str | None = None) -> QuerySet[Project]:
    """Anitya's ``Project.search``: the projects whose name matches ``pattern``, or with a
    package whose name matches it; every project when there is no pattern.

    With ``distro`` (named ignoring case): the name matches among the projects packaged there,
    and the package matches there. Unordered: callers sort.
    """
    if distro is not None:
        in_distro = Package.objects.filter(distro_id__in=distro_ids(distro))
        if not pattern:
            return Project.objects.filter(pk__in=in_distro.values("project_id"))
        by_project_name = matches("name", pattern) & Q(pk__in=in_distro.values("project_id"))
        packages = in_distro.filter(matches("package_name", pattern))
        return Project.objects.filter(by_project_name | Q(pk__in=packages.values("project_id")))
    if not pattern:
        return Project.objects.all()
    word = contained_word(pattern)
    if word is not None and connection.vendor == "postgresql":
        # Our SQL; the word is a parameter.
        by_names = RawSQL(*_names_containing(word, ""))  # noqa: S611
        return Project.objects.filter(pk__found_by=by_names)
    packages = Package.objects.filter(matches("package_name", pattern))
    if not trigram_searchable(pattern):
        return Project.objects.filter(
            matches("name", pattern) | Q(pk__in=packages.values("project_id"))
        )
    # One id list made of two searches of the trigram indexes (a UNION), not "name matches
    # OR id in the packages' ids": PostgreSQL answers that OR by reading every project.
    by_name = Project.objects.filter(matches("name", pattern)).order_by().values("pk")
    by_package = packages.order_by().values("project_id")
    return Project.objects.filter(pk__found_by=by_name.union(by_package))


#: The shortest run of literal characters a trigram index can look up.
TRIGRAM = 3


def trigram_searchable(pattern: str) -> bool:
    """Whether PostgreSQL's trigram indexes (migration 0008) can serve the glob ``pattern``:
    some run of characters between its ``*`` is at least three long. Shorter patterns read
    the tables anyway, which the plain ``OR`` does fastest."""
    return any(len(run) >= TRIGRAM for run in pattern.split("*"))


def site_search(
    pattern: str, *, exact: bool = False, distro: str | None = None
) -> QuerySet[Project]:
    """The website's search (contract §2.4): the pattern, or ``*pattern*`` unless ``exact``.

    Anitya appends the ``*pattern*`` results to the pattern's; as ``*pattern*`` (ignoring case)
    finds everything the pattern finds, its results are the union. Unordered: callers sort.
    """
    return search_projects(site_glob(pattern, exact=exact), distro=distro)


def site_glob(pattern: str, *, exact: bool = False) -> str:
    """The glob the site searches for what was typed: ``*pattern*`` unless ``exact``."""
    pattern = pattern.strip() or "*"
    return pattern if exact else f"*{pattern}*"


def contained_word(glob: str) -> str | None:
    """The word of a ``*word*`` glob (no other ``*``, no line break: the search names hold
    names a line each), else None."""
    word = glob[1:-1]
    if len(glob) < 3 or glob[0] != "*" or glob[-1] != "*" or "*" in word or "\n" in word:
        return None
    return word


#: The list orders the search names answer from their own rows: SQL for ``ORDER BY``.
NAMES_ORDER = {
    "name_asc": "sort_name, project_id",
    "name_desc": "sort_name DESC, project_id DESC",
}


def _names_containing(word: str, order: str) -> SqlAndParams:
    """The ids of the projects with ``word`` in their name or a package name, ignoring case:
    from ``projects_search_names`` (PostgreSQL only, migration 0017), one row per project."""
    sql = "SELECT project_id FROM projects_search_names WHERE names LIKE LOWER(%s) ESCAPE '\\'"
    return sql + order, (like_pattern(f"*{word}*"),)


def site_search_ids(pattern: str, *, exact: bool = False, sort: str | None = None) -> list[int]:
    """The ids :func:`site_search` finds, in the list order ``sort``
    (:data:`~projects.selectors.projects.PROJECT_SORTS`).

    Sorted by name, a word's projects come from the search names alone: no project row is
    read, where looking up the 20,768 projects ``pyth`` finds took a third of its time.
    """
    sort = project_sort_key(sort)
    glob = site_glob(pattern, exact=exact)
    word = contained_word(glob)
    if word is None or sort not in NAMES_ORDER or connection.vendor != "postgresql":
        found = sorted_projects(search_projects(glob), sort)
        return list(found.values_list("id", flat=True))
    sql, params = _names_containing(word, f" ORDER BY {NAMES_ORDER[sort]}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [project_id for (project_id,) in cursor.fetchall()]


def project_names(pattern: str | None) -> list[str]:
    """The names of the projects :func:`search_projects` finds, by name ignoring case."""
    return list(by_name(search_projects(pattern)).values_list("name", flat=True))


def search_distros(pattern: str) -> QuerySet[Distro]:
    """Distros whose name matches the glob ``pattern`` (always ignoring case), by name."""
    return Distro.objects.filter(name__glob=pattern).order_by(Lower("name"))


def distro_names_matching(pattern: str) -> list[str]:
    """The names of the distros :func:`search_distros` finds, in its order."""
    return list(search_distros(pattern).values_list("name", flat=True))


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


# -- API v2's filters: equality ignoring case, as Anitya's ``lower(column) = lower(value)`` ----


def equal_ignoring_case(rows: QuerySet[Row], field: str, value: str) -> QuerySet[Row]:
    """``LOWER(field) = value`` (lowered), which PostgreSQL answers from its ``LOWER(...)``
    indexes; an empty value filters nothing, as in Anitya."""
    if not value:
        return rows
    alias = "lower_" + field.replace("__", "_")
    return rows.alias(**{alias: Lower(field)}).filter(**{alias: value.lower()})


def in_distro_named(packages: QuerySet[Package], distribution: str) -> QuerySet[Package]:
    """The mappings in ``distribution`` (named ignoring case; empty: any distro)."""
    if not distribution:
        return packages
    # The distro's id first: the packages then come from the index in name order.
    return packages.filter(distro_id__in=distro_ids(distribution))


def project_ids_in_list_order(projects: QuerySet[Project]) -> list[int]:
    """The ids of ``projects`` by name then ecosystem, API v2's order."""
    return list(projects.order_by("name", "ecosystem_name").values_list("id", flat=True))


def package_ids_in_list_order(packages: QuerySet[Package]) -> list[int]:
    """The ids of ``packages`` by package name then distro: (distro, package_name) is unique,
    so the order is total and read from that index."""
    return list(packages.order_by("package_name", "distro_id").values_list("pk", flat=True))
