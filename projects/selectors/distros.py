"""Distributions and the packages mapped in them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.functions import Lower
from django_stubs_ext import WithAnnotations

from projects.models import Distro, Package, Project


def distro_ids(name: str) -> list[int]:
    """The id of the distro called ``name`` ignoring case (one at most), read on its own so
    that the package queries using it come from the (distro, package_name) index."""
    named = Distro.objects.alias(lower_name=Lower("name")).filter(lower_name=name.lower())
    return list(named.values_list("pk", flat=True))


def distro_by_name(name: str) -> Distro | None:
    """The distro called ``name``, ignoring case (as Anitya's lookups do)."""
    return Distro.objects.annotate(lower=Lower("name")).filter(lower=name.strip().lower()).first()


class PackageCount(TypedDict):
    package_count: int


def distro_list() -> QuerySet[WithAnnotations[Distro, PackageCount]]:
    """Every distro by name (ignoring case), with how many projects are mapped in it."""
    return Distro.objects.annotate(package_count=Count("packages")).order_by(Lower("name"), "pk")


def packages_in_distro(distro: str) -> QuerySet[Package]:
    """The packages of ``distro``, named ignoring case and surrounding spaces."""
    return Package.objects.annotate(distro_lower=Lower("distro__name")).filter(
        distro_lower=distro.strip().lower()
    )


def projects_in_distro(distro: str) -> QuerySet[Project]:
    """Projects mapped in ``distro`` (named ignoring case), by name ignoring case."""
    return Project.objects.filter(pk__in=packages_in_distro(distro).values("project_id")).order_by(
        Lower("name"), "pk"
    )


def project_id_for_package(distro: str, package_name: str) -> int | None:
    """The id of the project that ``package_name`` (exact) packages in ``distro`` (ignoring
    case and surrounding spaces), None if none does.

    One plain statement: API v1 answers this lookup on every ``/api/project/<distro>/<pkg>``,
    and building the ORM's join query cost ten times running it (2 ms against 0.15).
    """
    package, distros = Package._meta.db_table, Distro._meta.db_table
    statement = (
        f"SELECT m.project_id FROM {package} m JOIN {distros} d ON d.id = m.distro_id "  # noqa: S608
        "WHERE LOWER(d.name) = %s AND m.package_name = %s ORDER BY m.id LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [distro.strip().lower(), package_name])
        row = cursor.fetchone()
    return int(row[0]) if row else None


def package_rows(ids: Sequence[int]) -> dict[int, tuple[str, str, int]]:
    """(distro name, package name, project id) of these mappings, by mapping id; deleted ones
    are absent."""
    rows = Package.objects.filter(pk__in=list(ids)).values_list(
        "pk", "distro__name", "package_name", "project_id"
    )
    return {pk: (distro, package_name, project_id) for pk, distro, package_name, project_id in rows}


def wiki_rows() -> list[tuple[str, str | None, str | None]]:
    """(package name, its project's regex and version URL) of every mapping, by project name
    ignoring case: the lines of API v1's ``/api/packages/wiki``."""
    rows = Package.objects.order_by(Lower("project__name"), "project_id", "pk").values_list(
        "package_name", "project__regex", "project__version_url"
    )
    return list(rows)
