"""The project page: its versions a page at a time, its mappings, and the Test and Full
checks run from it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from backends import ecosystems, registry
from backends.base import BackendError
from projects import check, selectors
from projects.models import Project
from projects.selectors import github_budget
from projects.selectors.newest import newest_if_not_highest
from projects.site import checks, errors, watching
from projects.site.common import get_project, is_admin, project_url, unauthorized, wants_json
from projects.site.page_cache import anonymous_page

VERSIONS_PER_PAGE = 100


def project_page(
    request: HttpRequest, project: Project, *, status: int = 200, **extra: Any
) -> HttpResponse:
    admin = is_admin(request)
    rows = [
        {
            "stored": stored,
            "version": version,
            "filtered": project.is_version_filtered(stored.version),
            "withdrawn": stored.withdrawn_on is not None,
        }
        for stored, version in project.sorted_versions
    ]
    visible = [row for row in rows if not row["filtered"]]
    ecosystem = ecosystems.get_ecosystem(project.ecosystem_name)
    # A project can hold thousands of versions: the page shows them a page at a time.
    versions_page = Paginator(rows if admin else visible, VERSIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "project": project,
        "versions": versions_page.object_list,
        "page": versions_page,
        # A withdrawn version stays listed (struck through) but is never the latest.
        "latest": next((row for row in visible if not row["withdrawn"]), None),
        # Newest versus highest: a backport published after the latest version, if any.
        "newest": newest_if_not_highest(project),
        "packages": project.sorted_packages,
        "is_admin": admin,
        # Administrators triage flags: the project's open ones are on its page for them.
        "open_flags": list(selectors.open_flags(project)) if admin else [],
        "may_full_check": checks.may_full_check(request, project, bool(rows)),
        "may_test_check": request.user.is_authenticated and not project.archived,
        "rate_limited_until": selectors.rate_limited_until(project),
        "github_budget": github_budget.github_budget() if project.backend == "GitHub" else None,
        "last_log_line": (project.logs or "").strip().splitlines()[-1:],
        "ecosystem": ecosystem,
        "purl": selectors.project_purl(project),
        "now": timezone.now(),
        **watching.project_context(request, project),
        **extra,
    }
    try:
        context["version_check_url"] = registry.get_backend(project.backend).version_url(
            project.to_spec()
        )
    except (registry.UnknownBackend, BackendError):
        context["version_check_url"] = project.version_url
    return render(request, "projects/project_detail.html", context, status=status)


def _shown_project(project_id: int) -> Project:
    """The project with everything its page shows, or 404."""
    project = selectors.project_detail(project_id)
    if project is None:
        raise Http404("No such project.")
    return project


@require_safe
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    return anonymous_page(
        request, project_id, lambda: project_page(request, _shown_project(project_id))
    )


@require_safe
def project_by_name(request: HttpRequest, name: str) -> HttpResponse:
    """Anitya's ``/project/<name>/``: the project when exactly one has this name (or package
    name), else the search results."""
    found = list(selectors.search_projects(name).order_by("pk")[:2])
    if len(found) == 1:
        return project_page(request, _shown_project(found[0].pk))
    query = urlencode({"pattern": name, "exact": 1})
    return redirect(f"{reverse('projects:search')}?{query}")


@require_safe
def project_redirect(request: HttpRequest, project_id: int) -> HttpResponse:
    """``/projects/<id>/``: the URL message consumers were given (contract pitfall 33)."""
    return redirect("projects:project", project_id, permanent=True)


@login_required
@require_POST
def project_test_check(request: HttpRequest, project_id: int) -> HttpResponse:
    """The project page's Test check: what a check would find now, storing nothing."""
    project = _shown_project(project_id)
    if project.archived:
        answer: checks.TestCheck = (None, check.ARCHIVED_ERROR, 400)
    else:
        answer = checks.run_test_check(request, project)
    result, error, status = answer
    if wants_json(request):
        return JsonResponse(result if error is None else {"error": error}, status=status)
    return project_page(request, project, status=status, test_result=result, test_error=error)


@login_required
@require_POST
def project_full_check(request: HttpRequest, project_id: int) -> HttpResponse:
    """A full check now: store what it finds and announce it (administrators, or a project
    without versions yet, or one its user just edited)."""
    project = get_project(project_id)
    if project.archived:
        messages.error(request, check.ARCHIVED_ERROR)
        return redirect(project_url(project))
    if not checks.may_full_check(request, project, project.versions.exists()):
        return unauthorized(request)
    try:
        result = checks.run_full_check(request, project)
    except errors.REFUSALS as refused:
        if wants_json(request):
            return errors.as_json(refused)
        errors.flash(request, refused, "Not checked: ")
        return redirect(project_url(project))
    if result.outcome is check.Outcome.SUCCESS:
        found = len(result.new_versions)
        messages.success(
            request,
            f"Check finished: {found} new version{'s' if found != 1 else ''}"
            + (f" ({', '.join(result.new_versions)})" if found else ""),
        )
    elif result.outcome is check.Outcome.DELETED:
        messages.error(request, f"Check failed and the project was removed: {result.error}")
        return redirect("projects:list")
    else:
        messages.error(request, f"Check failed: {result.error}")
    return redirect(project_url(project))
