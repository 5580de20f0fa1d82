"""Distributions and the package mappings that tie a distribution's package to a project."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from accounts.admin_tools import ServiceErrorsAsMessages, TolerantAutocomplete
from projects import services
from projects.admin.common import agent_of, plural
from projects.models import Distro, Package

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _MappingCount(TypedDict):
    mapping_count: int


class DistroAdminForm(forms.ModelForm[Distro]):
    class Meta:
        model = Distro
        fields = ["name"]

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        existing = services.find_distro(name) if name else None
        if existing is not None and existing.pk != self.instance.pk:
            raise forms.ValidationError(
                f'A distribution named "{existing.name}" already exists (names ignore case).'
            )
        return name


@admin.register(Distro)
class DistroAdmin(ServiceErrorsAsMessages[Distro], admin.ModelAdmin[Distro]):
    form = DistroAdminForm
    service_errors = (services.ServiceError,)
    list_display = ["name", "mapping_count"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Distro]:
        return super().get_queryset(request).annotate(mapping_count=Count("packages"))

    @admin.display(description="Mappings", ordering="mapping_count")
    def mapping_count(self, distro: WithAnnotations[Distro, _MappingCount]) -> int:
        return distro.mapping_count

    def save_model(
        self, request: HttpRequest, obj: Distro, form: DistroAdminForm, change: bool
    ) -> None:
        name = form.cleaned_data["name"]
        if change:
            stored = Distro.objects.get(pk=obj.pk)
            obj.name = stored.name
            services.distro_rename(obj, name, agent=agent_of(request))
            return
        created = services.distro_create(name, agent=agent_of(request))
        obj.pk, obj.name = created.pk, created.name
        obj._state.adding, obj._state.db = False, created._state.db

    def delete_model(self, request: HttpRequest, obj: Distro) -> None:
        services.distro_delete(obj, agent=agent_of(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Distro]) -> None:
        for distro in queryset:
            services.distro_delete(distro, agent=agent_of(request))

    def get_deleted_objects(
        self, objs: Sequence[Distro] | QuerySet[Distro], request: HttpRequest
    ) -> tuple[list[str], dict[str, int], set[str], list[str]]:
        """The distros and how many mappings go with each (Fedora alone has tens of thousands)."""
        distros = Distro.objects.filter(pk__in=[distro.pk for distro in objs]).annotate(
            mapping_total=Count("packages")
        )
        items = [
            f"Distribution {distro.name}: {plural(distro.mapping_total, 'mapping')}"
            for distro in distros.order_by("name")
        ]
        counts = {"distributions": len(items)}
        mappings = sum(distro.mapping_total for distro in distros)
        if mappings:
            counts["mappings"] = mappings
        return items, counts, set(), []


class PackageAdminForm(forms.ModelForm[Package]):
    class Meta:
        model = Package
        fields = ["project", "distro", "package_name"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        project = cleaned.get("project")
        if project is not None and project.archived:
            raise forms.ValidationError(
                f'Project "{project.name}" is archived: unarchive it to change its mappings.'
            )
        return cleaned


@admin.register(Package)
class PackageAdmin(
    TolerantAutocomplete[Package], ServiceErrorsAsMessages[Package], admin.ModelAdmin[Package]
):
    form = PackageAdminForm
    service_errors = (services.ServiceError,)
    list_display = ["package_name", "distro", "project"]
    list_select_related = ["distro", "project"]
    list_filter = ["distro"]
    search_fields = ["package_name", "project__name"]
    autocomplete_fields = ["distro", "project"]
    show_full_result_count = False

    def save_model(
        self, request: HttpRequest, obj: Package, form: PackageAdminForm, change: bool
    ) -> None:
        data = form.cleaned_data
        package = services.package_map(
            data["project"],
            distro=data["distro"].name,
            package_name=data["package_name"],
            agent=agent_of(request),
            previous=obj if change else None,
            create_distro=False,
        )
        obj.pk = package.pk
        obj._state.adding, obj._state.db = False, package._state.db

    def delete_model(self, request: HttpRequest, obj: Package) -> None:
        services.package_unmap(obj, agent=agent_of(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Package]) -> None:
        for package in queryset:
            services.package_unmap(package, agent=agent_of(request))
