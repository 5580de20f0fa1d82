"""The home page and the lists of projects: every project, by check status, searches (of
every project or of one distro's), and the logs of the latest checks."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from projects import catalogue, representations, selectors
from projects.site import watching
from projects.site.common import PAGE_SIZE, page, page_number, project_url
from projects.site.page_cache import anonymous_list_page
from projects.templatetags.project_rows import render_rows

LOGS_PAGE_SIZE = 25

STATUS_TITLES = {
    "updated": "Updated projects",
    "failed": "Projects that failed to update",
    "never_updated": "Projects never updated",
    "archived": "Archived projects",
}
#: The tabs above the project lists (Anitya's Projects menu).
STATUS_TABS = {
    "updated": "Updated",
    "failed": "Failed to update",
    "never_updated": "Never updated",
    "archived": "Archived",
}


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "projects/home.html",
        {
            "project_count": selectors.tracked_project_count(),
            "latest_releases": selectors.recent_versions(limit=10),
        },
    )


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "projects/about.html")


@require_safe
def project_list(request: HttpRequest) -> HttpResponse:
    """Every project, 50 a page. Which ids a page holds is remembered while the catalogue
    holds (``projects/catalogue.py``) and its rendered rows while their projects' stamps do,
    so a page costs two primary-key lookups whatever its number."""
    sort = selectors.project_sort_key(request.GET.get("sort"))
    number = page_number(request)
    shown_page: Page[int] | None = None

    def ids(current: int | None) -> list[int]:
        nonlocal shown_page
        every = catalogue.ordered_ids(
            ("site-projects", sort),
            lambda: selectors.project_list(sort).values_list("id", flat=True),
            current,
        )
        shown_page = Paginator(every, PAGE_SIZE).get_page(number)
        return list(shown_page.object_list)

    def build(stamps: list[tuple[int, str]]) -> str:
        projects = selectors.listed_projects([project_id for project_id, _ in stamps])
        return render_rows(projects)

    def listing() -> HttpResponse:
        context: dict[str, Any] = {
            "title": "Projects",
            "sort": sort,
            "sortable": True,
            "statuses": STATUS_TABS,
        }
        if request.user.is_authenticated:
            # The rows carry the person's Watch buttons: rendered for them, from the same ids.
            projects = selectors.listed_projects(ids(catalogue.generation()))
            context |= {"projects": projects, **watching.list_context(request, projects)}
        else:
            rendered = representations.stamped_answer(("site-projects", sort, number), ids, build)
            # Rendered by render_rows, which escapes every value.
            context["rows"] = mark_safe(rendered.content.decode())  # noqa: S308
        return render(request, "projects/project_list.html", {**context, "page": shown_page})

    return anonymous_list_page(request, ids, listing)


@require_safe
def project_status_list(request: HttpRequest, status: str = "updated") -> HttpResponse:
    name = request.GET.get("name", "").strip()
    log = request.GET.get("log", "").strip()
    try:
        projects = selectors.projects_by_status(status, name=name, log=log)
        title = STATUS_TITLES[status]
    except KeyError:
        messages.error(request, f"{status} is not a valid status")
        messages.info(request, "Returning all the projects")
        projects = selectors.project_list()
        title = "All projects"
    shown = page(request, projects)
    return render(
        request,
        "projects/project_list.html",
        {
            "title": title,
            "status": status,
            "statuses": STATUS_TABS,
            "page": shown,
            "name_filter": name,
            "log_filter": log,
            "show_health": True,
            **watching.list_context(request, shown),
        },
    )


def _search_pattern(request: HttpRequest, pattern: str | None) -> str:
    return (pattern if pattern is not None else request.GET.get("pattern", "")).strip() or "*"


def _exact(request: HttpRequest) -> bool:
    return request.GET.get("exact", "").strip().lower() in {"1", "true"}


@require_safe
def project_search(request: HttpRequest, pattern: str | None = None) -> HttpResponse:
    """The search results, 50 a page. The ids found are remembered while the catalogue holds,
    and an anonymous visitor's page while its projects' stamps do too (page_cache.py)."""
    pattern = _search_pattern(request, pattern)
    sort = selectors.project_sort_key(request.GET.get("sort"))
    exact = _exact(request)

    found_page: Page[int] | None = None

    def found(current: int | None) -> Page[int]:
        nonlocal found_page
        every = catalogue.ordered_ids(
            ("site-search", pattern, exact, sort),
            lambda: selectors.site_search_ids(pattern, exact=exact, sort=sort),
            current,
        )
        found_page = Paginator(every, PAGE_SIZE).get_page(page_number(request))
        return found_page

    def results() -> HttpResponse:
        # The page the cache's stamps were read for, if any: the generation is read once.
        shown = found_page if found_page is not None else found(catalogue.generation())
        projects = selectors.listed_projects(list(shown.object_list))
        if shown.paginator.count == 1 and projects and projects[0].name == pattern.replace("*", ""):
            messages.info(request, "Only one result matching with an exact match, redirecting")
            return redirect(project_url(projects[0]))
        return render(
            request,
            "projects/project_list.html",
            {
                "title": f"Search results for “{pattern}”",
                # The page's projects, counted and numbered as the page of their ids.
                "page": Page(projects, shown.number, shown.paginator),
                "sort": sort,
                "sortable": True,
                "pattern": pattern,
                "searching": True,
                **watching.list_context(request, projects),
            },
        )

    return anonymous_list_page(request, lambda current: list(found(current).object_list), results)


@require_safe
def distro_search(request: HttpRequest, name: str, pattern: str | None = None) -> HttpResponse:
    distro = selectors.distro_by_name(name)
    if distro is None:
        raise Http404("No such distribution.")
    pattern = _search_pattern(request, pattern)
    projects = selectors.site_search(pattern, exact=_exact(request), distro=distro.name)
    shown = page(request, selectors.sorted_projects(projects, None))
    return render(
        request,
        "projects/project_list.html",
        {
            "title": f"Projects of {distro.name} matching “{pattern}”",
            "page": shown,
            "distro": distro,
            "pattern": pattern,
            "searching": True,
            **watching.list_context(request, shown),
            **watching.distro_context(request, distro),
        },
    )


@login_required
@require_safe
def logs(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "projects/logs.html",
        {
            "page": page(request, selectors.projects_by_last_check(), LOGS_PAGE_SIZE),
            "refresh": bool(request.GET.get("refresh")),
        },
    )
