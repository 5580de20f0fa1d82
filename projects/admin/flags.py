"""Flags users raise on projects: closed or reopened, and their projects archived or deleted."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from accounts.admin_tools import (
    InputFilter,
    ObjectActionsMixin,
    confirmation_page,
    confirmed,
    object_label,
    report,
)
from projects import services
from projects.admin.common import agent_of, plural, what_goes_with
from projects.admin.project_actions import set_archived
from projects.models import Flag, Project

_FLAG_FIELDS = ("project", "author", "state", "reason", "created_on", "updated_on")


class FlagProjectFilter(InputFilter):
    title = "project"
    parameter_name = "project"
    placeholder = "Exact project name"

    def filter(self, queryset: QuerySet[Flag], value: str) -> QuerySet[Flag]:
        return queryset.filter(project__name=value)


class FlagAuthorFilter(InputFilter):
    title = "author"
    parameter_name = "author"
    placeholder = "Email or username"

    def filter(self, queryset: QuerySet[Flag], value: str) -> QuerySet[Flag]:
        if "@" in value:
            return queryset.filter(author__email__iexact=value)
        return queryset.filter(author__username=value)


def _set_flag_state(
    modeladmin: admin.ModelAdmin[Flag], request: HttpRequest, flags: Iterable[Flag], state: str
) -> None:
    verb = "Closed" if state == Flag.State.CLOSED else "Reopened"
    done: list[str] = []
    for flag in flags:
        if services.flag_set_state(flag, state, agent=agent_of(request)):
            modeladmin.log_change(request, flag, verb)
            done.append(f"#{flag.pk}")
    report(
        modeladmin,
        request,
        [f"{verb} {plural(len(done), 'flag')}: {', '.join(done)}."] if done else [],
        [],
        nothing="Flag state unchanged.",
    )


@admin.action(description="Close selected flags")
@object_label("Close flag")
def close_flags(
    modeladmin: admin.ModelAdmin[Flag], request: HttpRequest, queryset: QuerySet[Flag]
) -> None:
    _set_flag_state(modeladmin, request, queryset, Flag.State.CLOSED)


@admin.action(description="Reopen selected flags")
@object_label("Reopen flag")
def reopen_flags(
    modeladmin: admin.ModelAdmin[Flag], request: HttpRequest, queryset: QuerySet[Flag]
) -> None:
    _set_flag_state(modeladmin, request, queryset, Flag.State.OPEN)


def _flagged_projects(flags: QuerySet[Flag]) -> QuerySet[Project]:
    """The projects of ``flags``, by name: read once, on first use (the queryset keeps them)."""
    return Project.objects.filter(flags__in=flags).distinct().order_by("name")


@admin.action(description="Archive the flagged projects")
@object_label("Archive the project")
def archive_flagged_projects(
    modeladmin: admin.ModelAdmin[Flag], request: HttpRequest, queryset: QuerySet[Flag]
) -> None:
    project_admin = modeladmin.admin_site._registry[Project]
    set_archived(project_admin, request, _flagged_projects(queryset), True)


@admin.action(description="Delete the flagged projects")
@object_label("Delete the project…")
def delete_flagged_projects(
    modeladmin: admin.ModelAdmin[Flag], request: HttpRequest, queryset: QuerySet[Flag]
) -> TemplateResponse | None:
    projects = _flagged_projects(queryset)
    if not confirmed(request):
        items, totals = what_goes_with(projects)
        return confirmation_page(
            modeladmin,
            request,
            queryset,
            action="delete_flagged_projects",
            title="Delete the flagged projects",
            question=(
                f"Delete {plural(totals['projects'], 'project')} with "
                f"{plural(totals['versions'], 'version')}, "
                f"{plural(totals['mappings'], 'mapping')} and "
                f"{plural(totals['flags'], 'flag')} (these flags included)? "
                "This cannot be undone."
            ),
            items=items,
            button="Yes, delete the projects",
        )
    project_admin = modeladmin.admin_site._registry[Project]
    names = [project.name for project in projects]
    if projects:
        project_admin.log_deletions(request, projects)
    for project in projects:
        services.project_delete(project, agent=agent_of(request))
    report(
        modeladmin,
        request,
        [f"Deleted {plural(len(names), 'project')}: {', '.join(names)}."] if names else [],
        [],
        nothing="The selected flags have no project left.",
    )
    return None


@admin.register(Flag)
class FlagAdmin(ObjectActionsMixin[Flag], admin.ModelAdmin[Flag]):
    list_display = [
        "id",
        "state",
        "project_link",
        "author",
        "created_on",
        "short_reason",
        "site_link",
    ]
    list_display_links = ["id"]
    list_select_related = ["project", "author"]
    list_filter = ["state", FlagProjectFilter, FlagAuthorFilter, "created_on"]
    # "open" sorts after "closed": descending state puts the open flags first.
    ordering = ["-state", "-created_on", "-pk"]
    search_fields = ["project__name", "author__email", "reason"]
    fields = _FLAG_FIELDS
    readonly_fields = _FLAG_FIELDS
    actions = [close_flags, reopen_flags, archive_flagged_projects, delete_flagged_projects]
    object_actions = (
        "close_flags",
        "reopen_flags",
        "archive_flagged_projects",
        "delete_flagged_projects",
    )
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # users flag projects on the site

    def has_change_permission(self, request: HttpRequest, obj: Flag | None = None) -> bool:
        return False  # the state changes through the actions, which send messages

    def has_delete_permission(self, request: HttpRequest, obj: Flag | None = None) -> bool:
        return False  # flags are closed, not deleted (no message exists for that)

    def object_links(self, request: HttpRequest, obj: Flag) -> list[dict[str, str]]:
        return [
            {"label": "Project page", "url": reverse("projects:project", args=[obj.project_id])}
        ]

    @admin.display(description="Reason")
    def short_reason(self, flag: Flag) -> str:
        return flag.reason if len(flag.reason) <= 80 else flag.reason[:79] + "…"

    @admin.display(description="Project", ordering="project__name")
    def project_link(self, flag: Flag) -> str:
        url = reverse("admin:projects_project_change", args=[flag.project_id])
        return format_html('<a href="{}">{}</a>', url, flag.project.name)

    @admin.display(description="On the site")
    def site_link(self, flag: Flag) -> str:
        url = reverse("projects:project", args=[flag.project_id])
        return format_html('<a href="{}">/project/{}/</a>', url, flag.project_id)
