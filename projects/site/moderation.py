"""The administrators' controls: archiving a project, deleting it or its versions (each after
a confirmation), and the way to the users in the admin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST, require_safe

from projects import services
from projects.site.common import (
    admin_required,
    agent,
    confirmation_page,
    confirmed,
    get_project,
    is_admin,
    project_url,
    unauthorized,
    unprocessable,
)


@login_required
@require_POST
def project_archive(request: HttpRequest, project_id: int, state: str) -> HttpResponse:
    if not is_admin(request):
        return unauthorized(request)
    if state.lower() not in {"true", "false"}:
        return unprocessable(f'"{state}" is not a valid state: use true or false.')
    project = get_project(project_id)
    if confirmed(request):
        archived = state.lower() == "true"
        changed = services.project_set_archived(project, archived, agent=agent(request))
        if changed:
            messages.success(request, "Project archived" if archived else "Project unarchived")
        else:
            messages.info(request, "Project unchanged")
    return redirect(project_url(project))


@admin_required
def project_delete(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_project(project_id)
    if request.method == "POST" and confirmed(request):
        name = project.name
        services.project_delete(project, agent=agent(request))
        messages.success(request, f"Project {name} has been removed")
        return redirect("projects:list")
    return confirmation_page(
        request,
        project,
        title=f"Delete project {project.name}",
        question=format_html(
            "Delete <strong>{}</strong> with its {} version(s), {} mapping(s) and {} "
            "flag(s)? This cannot be undone.",
            project.name,
            project.versions.count(),
            project.packages.count(),
            project.flags.count(),
        ),
        action=reverse("projects:delete", args=[project.pk]),
        button="Delete project",
    )


@admin_required
def versions_delete(request: HttpRequest, project_id: int) -> HttpResponse:
    """Delete every version of a project (the latest version is reset)."""
    project = get_project(project_id)
    if request.method == "POST" and confirmed(request):
        deleted = services.versions_delete(project, None, agent=agent(request))
        messages.success(request, f"{len(deleted)} version(s) of {project.name} deleted")
        return redirect(project_url(project))
    return confirmation_page(
        request,
        project,
        title=f"Delete all versions of {project.name}",
        question=format_html(
            "Delete all {} version(s) of <strong>{}</strong>?",
            project.versions.count(),
            project.name,
        ),
        action=reverse("projects:delete_versions", args=[project.pk]),
        button="Delete all versions",
    )


@admin_required
@require_POST
def version_delete(request: HttpRequest, project_id: int) -> HttpResponse:
    """Delete one version, named by its raw string in the body (any string works, unlike
    Anitya's URL, pitfall 32)."""
    project = get_project(project_id)
    raw = request.POST.get("version", "")
    # A NUL character names no version (and PostgreSQL refuses it in a query).
    if "\x00" in raw or not project.versions.filter(version=raw).exists():
        raise Http404("No such version.")
    if confirmed(request):
        services.versions_delete(project, [raw], agent=agent(request))
        messages.success(request, f"Version {raw} of {project.name} deleted")
    return redirect(project_url(project))


@admin_required
@require_safe
def users(request: HttpRequest) -> HttpResponse:
    """Users are moderated in the admin."""
    return redirect("admin:accounts_user_changelist")
