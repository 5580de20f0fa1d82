"""The moderation console: projects, versions, distros, mappings, flags and check runs.

Lists stay fast on 100,000 projects: no full result counts, foreign keys through autocomplete
or raw-id widgets, related rows joined in the list query.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from backends import regexes, registry, versions
from projects.models import CheckRun, Distro, Flag, Package, Project, ProjectVersion

INLINE_VERSION_LIMIT = 50


class BackendFilter(admin.SimpleListFilter):
    """Backends from the registry: no ``SELECT DISTINCT`` over every project."""

    title = "backend"
    parameter_name = "backend"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [(name, name) for name in registry.backend_names()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(backend=self.value()) if self.value() else queryset


class ProjectVersionInline(admin.TabularInline):
    """The newest versions only: some projects have thousands."""

    model = ProjectVersion
    extra = 0
    fields = ["version", "created_on", "published_at", "commit_url"]
    readonly_fields = ["created_on"]
    ordering = ["-created_on", "-pk"]
    verbose_name_plural = f"Versions (newest {INLINE_VERSION_LIMIT})"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
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


class PackageInline(admin.TabularInline):
    model = Package
    extra = 0
    autocomplete_fields = ["distro"]


class ProjectAdminForm(forms.ModelForm):
    """Backends and schemes chosen from what exists; regexes and patterns checked on entry."""

    backend = forms.ChoiceField(choices=[(name, name) for name in registry.backend_names()])
    version_scheme = forms.ChoiceField(
        choices=[("", "(default for the ecosystem)")]
        + [(name, name) for name in versions.SCHEME_NAMES],
        required=False,
    )

    homepage = forms.URLField(max_length=200, assume_scheme="https")

    class Meta:
        model = Project
        fields = [
            "name",
            "homepage",
            "backend",
            "archived",
            "version_url",
            "regex",
            "version_scheme",
            "version_pattern",
            "version_prefix",
            "pre_release_filter",
            "version_filter",
            "insecure",
            "releases_only",
            "next_check",
        ]

    def clean_regex(self) -> str | None:
        pattern = self.cleaned_data.get("regex") or None
        if pattern:
            try:
                regexes.validate_user_regex(pattern)
            except regexes.InvalidRegex as error:
                raise forms.ValidationError(str(error)) from None
        return pattern

    def clean_version_pattern(self) -> str | None:
        pattern = self.cleaned_data.get("version_pattern") or None
        if pattern:
            try:
                versions.validate_pattern(pattern)
            except versions.InvalidCalendarPattern as error:
                raise forms.ValidationError(str(error)) from None
        return pattern

    def clean_version_scheme(self) -> str | None:
        return self.cleaned_data.get("version_scheme") or None


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    form = ProjectAdminForm
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
    readonly_fields = [
        "ecosystem_name",
        "latest_version",
        "logs",
        "check_successful",
        "error_counter",
        "last_check",
        "etag",
        "last_modified",
        "created_on",
        "updated_on",
    ]
    fieldsets = [
        (None, {"fields": ["name", "homepage", "backend", "ecosystem_name", "archived"]}),
        (
            "How versions are found",
            {
                "fields": [
                    "version_url",
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
                    "etag",
                    "last_modified",
                    "created_on",
                    "updated_on",
                ]
            },
        ),
    ]
    inlines = [PackageInline, ProjectVersionInline]
    show_full_result_count = False
    list_per_page = 50
    ordering = ["name"]


@admin.register(ProjectVersion)
class ProjectVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "project", "created_on", "published_at"]
    list_select_related = ["project"]
    search_fields = ["version", "project__name"]
    raw_id_fields = ["project"]
    list_filter = ["created_on"]
    show_full_result_count = False


@admin.register(Distro)
class DistroAdmin(admin.ModelAdmin):
    list_display = ["name", "mapping_count"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(mapping_count=Count("packages"))

    @admin.display(description="Mappings", ordering="mapping_count")
    def mapping_count(self, distro: Distro) -> int:
        return distro.mapping_count  # type: ignore[attr-defined]


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    list_display = ["package_name", "distro", "project"]
    list_select_related = ["distro", "project"]
    list_filter = ["distro"]
    search_fields = ["package_name", "project__name"]
    autocomplete_fields = ["distro", "project"]
    show_full_result_count = False


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "author", "state", "created_on", "short_reason"]
    list_select_related = ["project", "author"]
    list_filter = ["state", "created_on"]
    search_fields = ["project__name", "author__email", "reason"]
    autocomplete_fields = ["project", "author"]
    show_full_result_count = False

    @admin.display(description="Reason")
    def short_reason(self, flag: Flag) -> str:
        return flag.reason if len(flag.reason) <= 80 else flag.reason[:79] + "…"


@admin.register(CheckRun)
class CheckRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "ended_at",
        "total_count",
        "success_count",
        "error_count",
        "ratelimit_count",
        "new_version_count",
        "pending_tasks",
    ]
    readonly_fields = list_display
    list_filter = ["started_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
