"""Stored versions: read-only, deleted through the services."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from projects import services
from projects.admin.common import agent_of
from projects.models import Project, ProjectVersion


def _delete_versions(
    request: HttpRequest, queryset: QuerySet[ProjectVersion]
) -> dict[Project, list[str]]:
    by_project: dict[int, list[str]] = defaultdict(list)
    for project_id, version in queryset.values_list("project_id", "version"):
        by_project[project_id].append(version)
    deleted: dict[Project, list[str]] = {}
    for project in Project.objects.filter(pk__in=list(by_project)):
        deleted[project] = services.versions_delete(
            project, by_project[project.pk], agent=agent_of(request)
        )
    return deleted


@admin.register(ProjectVersion)
class ProjectVersionAdmin(admin.ModelAdmin[ProjectVersion]):
    list_display = ["version", "project", "created_on", "published_at"]
    list_select_related = ["project"]
    search_fields = ["version", "project__name"]
    raw_id_fields = ["project"]
    list_filter = ["created_on"]
    readonly_fields = ["project", "version", "created_on", "published_at", "commit_url"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # versions come from checks

    def has_change_permission(
        self, request: HttpRequest, obj: ProjectVersion | None = None
    ) -> bool:
        return False  # a stored version is what the upstream said; it can only be deleted

    def delete_model(self, request: HttpRequest, obj: ProjectVersion) -> None:
        services.versions_delete(obj.project, [obj.version], agent=agent_of(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ProjectVersion]) -> None:
        _delete_versions(request, queryset)
