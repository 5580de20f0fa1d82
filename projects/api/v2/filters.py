"""v2's list filters: equality ignoring case, as Anitya's ``lower(column) = lower(value)``.

Written as ``LOWER(column) = value`` so that PostgreSQL answers from its ``LOWER(...)``
indexes; an empty value filters nothing (as in Anitya). Text with a NUL character makes the
filter set invalid (PostgreSQL could not even compare it): the views then match no row.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.db.models.functions import Lower

from projects.models import Distro, Package, Project


class IgnoringCase(django_filters.CharFilter):
    def filter(self, qs: QuerySet, value: str | None) -> QuerySet:
        if not value:
            return qs
        alias = "lower_" + self.field_name.replace("__", "_")
        return qs.alias(**{alias: Lower(self.field_name)}).filter(**{alias: value.lower()})


class DistroIgnoringCase(django_filters.CharFilter):
    """Packages of one distribution, named in any case: its id is read first, so that the
    packages come straight from the (distro, package_name) index in name order."""

    def filter(self, qs: QuerySet, value: str | None) -> QuerySet:
        if not value:
            return qs
        ids = list(
            Distro.objects.alias(lower_name=Lower("name"))
            .filter(lower_name=value.lower())
            .values_list("pk", flat=True)
        )
        return qs.filter(distro_id__in=ids)


class ProjectFilter(django_filters.FilterSet):
    name = IgnoringCase(field_name="name")
    ecosystem = IgnoringCase(field_name="ecosystem_name")

    class Meta:
        model = Project
        fields: list[str] = []

    def __init__(self, data: dict, **kwargs: object) -> None:
        super().__init__(data, queryset=Project.objects.all(), **kwargs)


class PackageFilter(django_filters.FilterSet):
    distribution = DistroIgnoringCase(field_name="distro")
    name = IgnoringCase(field_name="package_name")

    class Meta:
        model = Package
        fields: list[str] = []

    def __init__(self, data: dict, **kwargs: object) -> None:
        super().__init__(data, queryset=Package.objects.all(), **kwargs)
