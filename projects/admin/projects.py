"""The project list and page: columns, filters, the mappings and versions inlines, and saves
and deletions through the services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse

from accounts.admin_tools import ObjectActionsMixin, ServiceErrorsAsMessages, TolerantAutocomplete
from backends import registry
from projects import services
from projects.admin.common import agent_of, what_goes_with
from projects.admin.project_actions import (
    archive_projects,
    check_now,
    delete_all_versions,
    unarchive_projects,
)
from projects.admin.project_form import ProjectAdminForm
from projects.models import Package, Project, ProjectVersion

INLINE_VERSION_LIMIT = 50
_VERSION_COLUMNS = ("version", "created_on", "published_at", "commit_url")


class BackendFilter(admin.SimpleListFilter):
    """Backends from the registry: no ``SELECT DISTINCT`` over every project."""

    title = "backend"
    parameter_name = "backend"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        return [(name, name) for name in registry.backend_names()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Project]) -> QuerySet[Project]:
        return queryset.filter(backend=self.value()) if self.value() else queryset


class ProjectVersionInline(admin.TabularInline[ProjectVersion, Project]):
    """The newest versions only (some projects have thousands); tick to delete some."""

    model = ProjectVersion
    extra = 0
    fields = _VERSION_COLUMNS
    readonly_fields = _VERSION_COLUMNS
    ordering = ["-created_on", "-pk"]
    verbose_name_plural = f"Versions (newest {INLINE_VERSION_LIMIT})"

    def has_add_permission(self, request: HttpRequest, obj: Project | None = None) -> bool:
        return False  # versions come from checks

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProjectVersion]:
        queryset = super().get_queryset(request)
        project_id = (
            request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        )
        if not project_id:
            return queryset.none()
        newest = (
            ProjectVersion.objects.filter(project_id=project_id)
            .order_by("-created_on", "-pk")
            .values_list("pk", flat=True)[:INLINE_VERSION_LIMIT]
        )
        return queryset.filter(pk__in=list(newest))


class PackageInlineFormSet(BaseInlineFormSet[Package, Project, forms.ModelForm[Package]]):
    def clean(self) -> None:
        super().clean()
        if self.instance.pk and self.instance.archived and self.has_changed():
            raise forms.ValidationError(
                f'Project "{self.instance.name}" is archived: unarchive it to change mappings.'
            )


class PackageInline(TolerantAutocomplete[Package], admin.TabularInline[Package, Project]):
    model = Package
    formset = PackageInlineFormSet
    extra = 0
    autocomplete_fields = ["distro"]


@admin.register(Project)
class ProjectAdmin(
    ServiceErrorsAsMessages[Project], ObjectActionsMixin[Project], admin.ModelAdmin[Project]
):
    form = ProjectAdminForm
    service_errors = (services.ServiceError,)
    list_display = [
        "name",
        "backend",
        "ecosystem_name",
        "latest_version",
        "check_successful",
        "error_counter",
        "last_check",
        "archived",
    ]
    list_filter = ["archived", "check_successful", BackendFilter]
    search_fields = ["name", "homepage", "packages__package_name"]
    search_help_text = "Name, homepage or a package name it is mapped to."
    readonly_fields = [
        "ecosystem_name",
        "latest_version",
        "logs",
        "check_successful",
        "error_counter",
        "last_check",
        "next_check",
        "next_check_reason",
        "etag",
        "last_modified",
        "created_on",
        "updated_on",
        "stored_credentials",
    ]
    fieldsets = [
        (None, {"fields": ["name", "homepage", "backend", "ecosystem_name", "archived"]}),
        (
            "How versions are found",
            {
                "fields": [
                    "version_url",
                    "stored_credentials",
                    "forget_credentials",
                    "regex",
                    "version_scheme",
                    "version_pattern",
                    "version_prefix",
                    "pre_release_filter",
                    "version_filter",
                    "insecure",
                    "releases_only",
                ]
            },
        ),
        (
            "Health",
            {
                "fields": [
                    "latest_version",
                    "check_successful",
                    "error_counter",
                    "logs",
                    "last_check",
                    "next_check",
                    "next_check_reason",
                    "etag",
                    "last_modified",
                    "created_on",
                    "updated_on",
                ]
            },
        ),
    ]
    inlines = [PackageInline, ProjectVersionInline]
    actions = [archive_projects, unarchive_projects, delete_all_versions, check_now]
    object_actions = ("archive_projects", "unarchive_projects", "delete_all_versions", "check_now")
    show_full_result_count = False
    list_per_page = 50
    ordering = ["name"]

    def object_links(self, request: HttpRequest, obj: Project) -> list[dict[str, str]]:
        history = reverse("admin:projects_auditentry_changelist") + f"?project_id={obj.pk}"
        return [
            {"label": "Project page", "url": reverse("projects:project", args=[obj.pk])},
            {"label": "History", "url": history},
        ]

    @admin.display(description="Credentials stored for")
    def stored_credentials(self, obj: Project) -> str:
        """Where credentials split off the URLs are sent; never the credentials themselves."""
        return ", ".join(obj.credential_origins) or "-"

    def save_model(
        self, request: HttpRequest, obj: Project, form: ProjectAdminForm, change: bool
    ) -> None:
        fields = form.service_fields()
        if change:
            if fields or form.forget_requested:
                services.project_edit(
                    obj,
                    agent=agent_of(request),
                    forget_credentials=form.forget_requested,
                    **fields,
                )
            return
        created = services.project_create(agent=agent_of(request), validate=False, **fields)
        for field in Project._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding, obj._state.db = False, created._state.db

    def save_formset(
        self,
        request: HttpRequest,
        form: ProjectAdminForm,
        formset: BaseInlineFormSet[Any, Project, Any],
        change: bool,
    ) -> None:
        """Inline changes go through the services too: mappings and version deletions."""
        project, agent = form.instance, agent_of(request)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        deleted = [f for f in formset.deleted_forms if f.instance.pk is not None]
        if formset.model is ProjectVersion:
            doomed = [f.instance.version for f in deleted]
            if doomed:
                services.versions_delete(project, doomed, agent=agent)
                formset.deleted_objects = [f.instance for f in deleted]
            return
        for deleted_form in deleted:
            services.package_unmap(deleted_form.instance, agent=agent)
            formset.deleted_objects.append(deleted_form.instance)
        for package_form in formset.forms:
            if package_form in formset.deleted_forms or not package_form.has_changed():
                continue
            data = package_form.cleaned_data
            previous = package_form.instance if package_form.instance.pk else None
            package = services.package_map(
                project,
                distro=data["distro"].name,
                package_name=data["package_name"],
                agent=agent,
                previous=previous,
                create_distro=False,
            )
            if previous is None:
                formset.new_objects.append(package)
            else:
                formset.changed_objects.append((package, package_form.changed_data))

    def delete_model(self, request: HttpRequest, obj: Project) -> None:
        services.project_delete(obj, agent=agent_of(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Project]) -> None:
        for project in queryset:
            services.project_delete(project, agent=agent_of(request))

    def get_deleted_objects(
        self, objs: Sequence[Project] | QuerySet[Project], request: HttpRequest
    ) -> tuple[list[str], dict[str, int], set[str], list[str]]:
        """What goes, counted (listing every version of a big project would not load)."""
        items, totals = what_goes_with(objs)
        return items, {name: count for name, count in totals.items() if count}, set(), []
