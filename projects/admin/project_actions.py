"""The actions on projects: archive, unarchive, delete all versions, check now.

Offered on the project list and, under their ``object_label``, as buttons on a project's
page; the flag list reuses :func:`set_archived`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from accounts.admin_tools import confirmation_page, confirmed, object_label, report
from backends.base import BackendError
from projects import services
from projects.admin.common import agent_of, plural, versions_text
from projects.check import CheckResult, Outcome, check_project
from projects.models import Project

#: A full check runs in the request: more than this many at once would time the page out.
CHECK_NOW_LIMIT = 20


def set_archived(
    modeladmin: admin.ModelAdmin[Project],
    request: HttpRequest,
    projects: Iterable[Project],
    archived: bool,
) -> None:
    verb = "Archived" if archived else "Unarchived"
    done: list[str] = []
    errors: list[str] = []
    for project in projects:
        try:
            changed = services.project_set_archived(project, archived, agent=agent_of(request))
        except services.ServiceError as error:
            errors.append(f"{project.name}: {error}")
            continue
        if changed:
            modeladmin.log_change(request, project, verb)
            done.append(project.name)
    report(
        modeladmin,
        request,
        [f"{verb} {plural(len(done), 'project')}: {', '.join(done)}."] if done else [],
        errors,
        nothing=f"Nothing to do: the selected projects already were {verb.lower()}.",
    )


@admin.action(description="Archive selected projects")
@object_label("Archive")
def archive_projects(
    modeladmin: admin.ModelAdmin[Project], request: HttpRequest, queryset: QuerySet[Project]
) -> None:
    set_archived(modeladmin, request, queryset, True)


@admin.action(description="Unarchive selected projects")
@object_label("Unarchive")
def unarchive_projects(
    modeladmin: admin.ModelAdmin[Project], request: HttpRequest, queryset: QuerySet[Project]
) -> None:
    set_archived(modeladmin, request, queryset, False)


@admin.action(description="Delete all versions of selected projects")
@object_label("Delete all versions…")
def delete_all_versions(
    modeladmin: admin.ModelAdmin[Project], request: HttpRequest, queryset: QuerySet[Project]
) -> TemplateResponse | None:
    projects = list(queryset.annotate(version_total=Count("versions")).order_by("name"))
    if not confirmed(request):
        return confirmation_page(
            modeladmin,
            request,
            queryset,
            action="delete_all_versions",
            title="Delete all versions",
            question="Delete every stored version of these projects? Their latest version is "
            "cleared; the next check finds the versions again.",
            items=[
                f"{project.name}: {plural(project.version_total, 'version')}"
                for project in projects
            ],
            button="Yes, delete the versions",
        )
    done: list[str] = []
    for project in projects:
        deleted = services.versions_delete(project, None, agent=agent_of(request))
        if deleted:
            modeladmin.log_change(
                request, project, f"Deleted all versions: {versions_text(deleted)}"
            )
            done.append(f"{project.name} ({len(deleted)})")
    report(
        modeladmin,
        request,
        [f"Deleted all versions of {', '.join(done)}."] if done else [],
        [],
        nothing="The selected projects had no versions.",
    )
    return None


def _check_summary(project: Project, outcome: Outcome, result: CheckResult) -> str:
    if outcome is Outcome.SUCCESS:
        if result.new_versions:
            return f"{project.name}: new versions {', '.join(result.new_versions)}."
        return f"{project.name}: no new version."
    if outcome is Outcome.RATE_LIMITED:
        return f"{project.name}: rate limited until {result.reset_at:%Y-%m-%d %H:%M} UTC."
    if outcome is Outcome.DELETED:
        return f"{project.name}: deleted after too many failed checks ({result.error})."
    return f"{project.name}: check failed: {result.error}"


@admin.action(description="Check selected projects now")
@object_label("Full check now")
def check_now(
    modeladmin: admin.ModelAdmin[Project], request: HttpRequest, queryset: QuerySet[Project]
) -> None:
    projects = list(queryset.order_by("name")[: CHECK_NOW_LIMIT + 1])
    if len(projects) > CHECK_NOW_LIMIT:
        report(
            modeladmin,
            request,
            [],
            [f"Select at most {CHECK_NOW_LIMIT} projects to check at once."],
            nothing="",
        )
        return
    done: list[str] = []
    errors: list[str] = []
    for project in projects:
        try:
            result = check_project(project)
        except BackendError as error:  # archived projects are not checked
            errors.append(f"{project.name}: {error}")
            continue
        summary = _check_summary(project, result.outcome, result)
        modeladmin.log_change(request, project, f"Checked now: {summary}")
        (done if result.outcome is Outcome.SUCCESS else errors).append(summary)
    report(modeladmin, request, done, errors, nothing="No project was selected.")
