"""API v2's list filters, as django-filter FilterSets: ``?name=``, ``?ecosystem=`` and
``?purl=`` for projects, ``?distribution=`` and ``?name=`` for packages.

django-filter reads and cleans the query parameters: surrounding spaces are trimmed, and text
with a NUL character (which PostgreSQL cannot even compare) makes the set invalid, so the list
is empty. What a value selects (equality ignoring case, as Anitya's ``lower(column) =
lower(value)``; an empty value filters nothing) and the lists' order are the selectors' rules.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from backends import purls
from projects import selectors
from projects.models import Package, Project


class IgnoringCase(django_filters.CharFilter):
    """``field`` equal to the value, ignoring case."""

    def filter(self, qs: QuerySet[Any], value: str | None) -> QuerySet[Any]:
        return selectors.equal_ignoring_case(qs, str(self.field_name), value or "")


class DistroNamed(django_filters.CharFilter):
    """Mappings in the distro named by the value, ignoring case."""

    def filter(self, qs: QuerySet[Any], value: str | None) -> QuerySet[Any]:
        return selectors.in_distro_named(qs, value or "")


class NamedByPurl(django_filters.CharFilter):
    """The projects the Package URL names (``projects/selectors/purls.py``); the view refuses
    a malformed one before, so here it simply names none."""

    def filter(self, qs: QuerySet[Any], value: str | None) -> QuerySet[Any]:
        if not value:
            return qs
        try:
            return qs.filter(pk__in=selectors.project_ids_for_purl(value))
        except purls.InvalidPurl:
            return qs.none()


class ProjectFilter(django_filters.FilterSet):
    name = IgnoringCase(field_name="name")
    ecosystem = IgnoringCase(field_name="ecosystem_name")
    purl = NamedByPurl(field_name="id")

    class Meta:
        model = Project
        fields: list[str] = []


class PackageFilter(django_filters.FilterSet):
    distribution = DistroNamed(field_name="distro")
    name = IgnoringCase(field_name="package_name")

    class Meta:
        model = Package
        fields: list[str] = []


def project_ids(filters: dict[str, str | None]) -> list[int]:
    """The ids of the projects ``filters`` select, by name then ecosystem."""
    filterset = ProjectFilter(filters, queryset=Project.objects.all())
    if not filterset.is_valid():
        return []
    return selectors.project_ids_in_list_order(filterset.qs)


def package_ids(filters: dict[str, str | None]) -> list[int]:
    """The ids of the mappings ``filters`` select, by package name then distro."""
    filterset = PackageFilter(filters, queryset=Package.objects.all())
    if not filterset.is_valid():
        return []
    return selectors.package_ids_in_list_order(filterset.qs)
