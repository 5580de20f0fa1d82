"""The website's views: thin, reading through selectors and writing through services.

URLs are Anitya's (contract §2.1), so existing links keep working. Permission failures answer
as Anitya does: sign-in required redirects to the sign-in page, a non-administrator gets 401,
a bad state literal 422. Bad input re-renders the form with the error next to its field and a
4xx status; nothing here answers 500 on user input.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST, require_safe

from backends import ecosystems, regexes, registry
from backends.base import BackendError, RateLimited
from backends.credentials import redact
from projects import catalogue, check, limits, selectors, services
from projects.api import representations
from projects.forms import (
    DistroForm,
    FlagForm,
    MappingForm,
    ProjectForm,
    all_backend_help,
    backend_help,
)
from projects.models import Flag, Package, Project
from projects.templatetags.projects_tags import distro_url

PAGE_SIZE = 50
LOGS_PAGE_SIZE = 25
VERSIONS_PER_PAGE = 100
#: Session key: the project just edited, whose Full check its editor may run (Anitya's justedit).
JUST_EDITED = "releasemon_just_edited"

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


# -- helpers ----------------------------------------------------------------------------------


def _agent(request: HttpRequest) -> str:
    """Who made a change, as messages name website users: their username."""
    return request.user.username


def _is_admin(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated and request.user.is_staff)


def _unauthorized(request: HttpRequest) -> HttpResponse:
    """Anitya answers 401 (not 403) when a signed-in user is not an administrator."""
    return render(
        request,
        "projects/error.html",
        {
            "title": "Administrators only",
            "message": "This page is for administrators only.",
        },
        status=401,
    )


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in first (redirect), then administrators only (401)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _is_admin(request):
            return _unauthorized(request)
        return view(request, *args, **kwargs)

    return wrapper


def _page_number(request: HttpRequest) -> int:
    """The ``?page=`` number; a bad one gives the first page (as Anitya)."""
    try:
        number = int(request.GET.get("page", 1))
    except ValueError:
        return 1
    return max(number, 1)


def _page(request: HttpRequest, items: QuerySet | list, per_page: int = PAGE_SIZE) -> Page:
    """The ``?page=`` page of ``items``."""
    return Paginator(items, per_page).get_page(_page_number(request))


def _wants_json(request: HttpRequest) -> bool:
    """The page's script asks for JSON; without a script the same view renders HTML."""
    return "application/json" in request.headers.get("Accept", "")


def _project_url(project: Project) -> str:
    return reverse("projects:project", args=[project.pk])


def _get_project(project_id: int) -> Project:
    return get_object_or_404(Project, pk=project_id)


def _editable_project(project_id: int) -> Project:
    """Archived projects cannot be edited or mapped: they are not found for those pages."""
    project = _get_project(project_id)
    if project.archived:
        raise Http404("This project is archived.")
    return project


def _may_full_check(request: HttpRequest, project: Project, has_versions: bool) -> bool:
    """Anitya's rule: administrators always; others on a project without versions, or right
    after they edited it."""
    if not request.user.is_authenticated or project.archived:
        return False
    if _is_admin(request) or not has_versions:
        return True
    return request.session.get(JUST_EDITED) == project.pk


def _preview_json(result: Any) -> dict[str, Any]:
    """What a Test check found, as the project page and the form show it (newest first)."""
    return {
        "versions": [found.parsed for found in reversed(result.versions)],
        "found_versions": result.found_versions,
        "latest_version": result.latest_version,
    }


def _preview(
    request: HttpRequest, project: Project
) -> tuple[dict[str, Any] | None, str | None, int]:
    """Run a Test check: (result, error, status). Nothing is stored. A user runs a few at
    once at most (``projects/limits.py``): more get the reason and 429."""
    try:
        with limits.preview_slot(limits.requester(request)):
            result = services.preview_project(project)
    except limits.Limited as limit:
        return None, str(limit), 429
    except RateLimited as error:
        return None, str(error), 429
    except BackendError as error:
        return None, str(error), 400
    return _preview_json(result), None, 200


# -- home and lists ---------------------------------------------------------------------------


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
    number = _page_number(request)
    page: Page | None = None

    def ids(current: int | None) -> list[int]:
        nonlocal page
        every = catalogue.ordered_ids(
            ("site-projects", sort),
            lambda: selectors.project_list(sort).values_list("id", flat=True),
            current,
        )
        page = Paginator(every, PAGE_SIZE).get_page(number)
        return list(page.object_list)

    def build(stamps: list[tuple[int, str]]) -> str:
        shown = Project.objects.in_bulk([project_id for project_id, _ in stamps])
        projects = [shown[project_id] for project_id, _ in stamps if project_id in shown]
        return render_to_string("projects/_project_rows.html", {"projects": projects})

    rows = representations.stamped_answer(("site-projects", sort, number), ids, build)
    return render(
        request,
        "projects/project_list.html",
        {
            "title": "Projects",
            "page": page,
            "rows": mark_safe(rows.content.decode()),  # noqa: S308 (rendered by our template)
            "sort": sort,
            "sortable": True,
            "statuses": STATUS_TABS,
        },
    )


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
    return render(
        request,
        "projects/project_list.html",
        {
            "title": title,
            "status": status,
            "statuses": STATUS_TABS,
            "page": _page(request, projects),
            "name_filter": name,
            "log_filter": log,
            "show_health": True,
        },
    )


def _search_pattern(request: HttpRequest, pattern: str | None) -> str:
    return (pattern if pattern is not None else request.GET.get("pattern", "")).strip() or "*"


def _exact(request: HttpRequest) -> bool:
    return request.GET.get("exact", "").strip().lower() in {"1", "true"}


@require_safe
def project_search(request: HttpRequest, pattern: str | None = None) -> HttpResponse:
    pattern = _search_pattern(request, pattern)
    sort = selectors.project_sort_key(request.GET.get("sort"))
    projects = selectors.sorted_projects(
        selectors.site_search(pattern, exact=_exact(request)), sort
    )
    page = _page(request, projects)
    if page.paginator.count == 1 and page[0].name == pattern.replace("*", ""):
        messages.info(request, "Only one result matching with an exact match, redirecting")
        return redirect(_project_url(page[0]))
    return render(
        request,
        "projects/project_list.html",
        {
            "title": f"Search results for “{pattern}”",
            "page": page,
            "sort": sort,
            "sortable": True,
            "pattern": pattern,
            "searching": True,
        },
    )


@require_safe
def distro_search(request: HttpRequest, name: str, pattern: str | None = None) -> HttpResponse:
    distro = selectors.distro_by_name(name)
    if distro is None:
        raise Http404("No such distribution.")
    pattern = _search_pattern(request, pattern)
    projects = selectors.site_search(pattern, exact=_exact(request), distro=distro.name)
    return render(
        request,
        "projects/project_list.html",
        {
            "title": f"Projects of {distro.name} matching “{pattern}”",
            "page": _page(request, selectors.sorted_projects(projects, None)),
            "distro": distro,
            "pattern": pattern,
            "searching": True,
        },
    )


@login_required
@require_safe
def logs(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "projects/logs.html",
        {
            "page": _page(request, selectors.projects_by_last_check(), LOGS_PAGE_SIZE),
            "refresh": bool(request.GET.get("refresh")),
        },
    )


# -- the project page -------------------------------------------------------------------------


def _project_page(
    request: HttpRequest, project: Project, *, status: int = 200, **extra: Any
) -> HttpResponse:
    is_admin = _is_admin(request)
    rows = [
        {
            "stored": stored,
            "version": version,
            "filtered": project.is_version_filtered(stored.version),
        }
        for stored, version in project.sorted_versions
    ]
    visible = [row for row in rows if not row["filtered"]]
    ecosystem = ecosystems.get_ecosystem(project.ecosystem_name)
    # A project can hold thousands of versions: the page shows them a page at a time.
    versions_page = Paginator(rows if is_admin else visible, VERSIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "project": project,
        "versions": versions_page.object_list,
        "page": versions_page,
        "latest": visible[0] if visible else None,
        "packages": project.sorted_packages,
        "is_admin": is_admin,
        # Administrators triage flags: the project's open ones are on its page for them.
        "open_flags": list(selectors.open_flags(project)) if is_admin else [],
        "may_full_check": _may_full_check(request, project, bool(rows)),
        "may_test_check": request.user.is_authenticated and not project.archived,
        "rate_limited_until": selectors.rate_limited_until(project),
        "last_log_line": (project.logs or "").strip().splitlines()[-1:],
        "ecosystem": ecosystem,
        "now": timezone.now(),
        **extra,
    }
    try:
        context["version_check_url"] = registry.get_backend(project.backend).version_url(
            project.to_spec()
        )
    except (registry.UnknownBackend, BackendError):
        context["version_check_url"] = project.version_url
    return render(request, "projects/project_detail.html", context, status=status)


@require_safe
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    project = selectors.project_detail(project_id)
    if project is None:
        raise Http404("No such project.")
    return _project_page(request, project)


@require_safe
def project_by_name(request: HttpRequest, name: str) -> HttpResponse:
    """Anitya's ``/project/<name>/``: the project when exactly one has this name (or package
    name), else the search results."""
    found = list(selectors.search_projects(name).order_by("pk")[:2])
    if len(found) == 1:
        return _project_page(request, selectors.project_detail(found[0].pk))
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
    project = selectors.project_detail(project_id)
    if project is None:
        raise Http404("No such project.")
    if project.archived:
        result, error, status = None, check.ARCHIVED_ERROR, 400
    else:
        result, error, status = _preview(request, project)
    if _wants_json(request):
        return JsonResponse(result if error is None else {"error": error}, status=status)
    return _project_page(request, project, status=status, test_result=result, test_error=error)


@login_required
@require_POST
def project_full_check(request: HttpRequest, project_id: int) -> HttpResponse:
    """A full check now: store what it finds and announce it (administrators, or a project
    without versions yet, or one its user just edited)."""
    project = _get_project(project_id)
    if project.archived:
        messages.error(request, check.ARCHIVED_ERROR)
        return redirect(_project_url(project))
    if not _may_full_check(request, project, project.versions.exists()):
        return _unauthorized(request)
    try:
        with limits.forced_check(project.pk, limits.requester(request)):
            result = check.check_project(project)  # its failures never count (issue #13)
    except limits.Limited as limit:
        if _wants_json(request):
            return JsonResponse(
                {"error": str(limit)}, status=429, headers={"Retry-After": str(limit.retry_after)}
            )
        messages.error(request, f"Not checked: {limit}")
        return redirect(_project_url(project))
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
    return redirect(_project_url(project))


# -- create and edit --------------------------------------------------------------------------


def _form_page(
    request: HttpRequest,
    form: ProjectForm,
    project: Project | None,
    *,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    return render(
        request,
        "projects/project_form.html",
        {
            "form": form,
            "project": project,
            "backend_help": all_backend_help(),
            "backend_fields": form.backend_field_names(),
            "selected_help": backend_help(form.selected_backend()),
            "default_regex": regexes.default_regex().replace(
                regexes.NAME_PLACEHOLDER, "{project name}"
            ),
            "distro_names": selectors.distro_list().values_list("name", flat=True),
            **extra,
        },
        status=status,
    )


def _form_test_check(request: HttpRequest, form: ProjectForm, project: Project | None):
    """Test check from the form: a preview of the values typed so far, before saving."""
    result, error, status, errors = None, None, 200, {}
    if not form.is_valid():
        errors = {field: " ".join(messages_) for field, messages_ in form.errors.items()}
        status = 400
    else:
        try:
            if project is None:
                candidate = services.build_project(**form.project_values())
            else:
                candidate = services.edited_copy(
                    project, form.project_values(), forget_credentials=form.forget_requested
                )[0]
        except services.InvalidInput as invalid:
            form.add_service_errors(invalid)
            errors, status = invalid.errors, 400
        else:
            result, error, status = _preview(request, candidate)
    if _wants_json(request):
        if errors:
            return JsonResponse({"errors": errors}, status=status)
        return JsonResponse(result if error is None else {"error": error}, status=status)
    return _form_page(request, form, project, status=status, test_result=result, test_error=error)


def _after_save(request: HttpRequest, project: Project, form: ProjectForm) -> None:
    """The optional parts of saving: a first mapping (creation) and a full check."""
    distro = form.cleaned_data.get("distro")
    package_name = form.cleaned_data.get("package_name")
    if distro and package_name:
        try:
            services.package_map(
                project, distro=distro, package_name=package_name, agent=_agent(request)
            )
        except services.MappingClash as clash:
            messages.error(request, _clash_message(clash))
        except services.ServiceError as error:
            messages.error(request, f"The mapping was not added: {error}")
    if form.cleaned_data.get("check_release"):
        try:
            with limits.forced_check(project.pk, limits.requester(request)):
                result = check.check_project(project)
        except limits.Limited as limit:
            messages.error(request, f"Not checked: {limit}")
            return
        if result.outcome is not check.Outcome.SUCCESS:
            messages.error(request, f"Check failed: {result.error}")


def _exists_message(error: services.ProjectExists) -> str:
    if error.existing is None:
        return str(error)
    return format_html(
        '{} See <a href="{}">{}</a>.',
        str(error),
        _project_url(error.existing),
        error.existing.name,
    )


@login_required
def project_new(request: HttpRequest) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        fields = ("name", "homepage", "backend", "version_scheme", "distro", "package_name")
        initial = {"backend": "custom"}
        initial.update({field: request.GET[field] for field in fields if request.GET.get(field)})
        return _form_page(request, ProjectForm(initial=initial), None)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    form = ProjectForm(request.POST)
    if request.POST.get("action") == "test":
        return _form_test_check(request, form, None)
    if not form.is_valid():
        return _form_page(request, form, None, status=400)
    try:
        with limits.preview_slot(limits.requester(request)):  # the validation asks upstream
            project = services.project_create(
                agent=_agent(request), validate=True, **form.project_values()
            )
    except limits.Limited as limit:
        form.add_error(None, str(limit))
        return _form_page(request, form, None, status=429)
    except services.InvalidInput as invalid:
        form.add_service_errors(invalid)
        return _form_page(request, form, None, status=400)
    except services.ProjectExists as exists:
        form.add_error(None, _exists_message(exists))
        return _form_page(request, form, None, status=409, existing=exists.existing)
    except services.ProjectCheckFailed as failed:
        form.add_error(None, str(failed))
        return _form_page(request, form, None, status=400)
    messages.success(request, "Project created")
    _after_save(request, project, form)
    return redirect(_project_url(project))


@login_required
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _editable_project(project_id)
    if request.method in ("GET", "HEAD"):
        return _form_page(request, ProjectForm.for_project(project), project)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    form = ProjectForm.for_project(project, request.POST)
    if request.POST.get("action") == "test":
        return _form_test_check(request, form, project)
    if not form.is_valid():
        return _form_page(request, form, project, status=400)
    try:
        changes = services.project_edit(
            project,
            agent=_agent(request),
            forget_credentials=form.forget_requested,
            **form.project_values(),
        )
    except services.InvalidInput as invalid:
        form.add_service_errors(invalid)
        return _form_page(request, form, project, status=400)
    except services.ProjectExists as exists:
        form.add_error(None, _exists_message(exists))
        return _form_page(request, form, project, status=409, existing=exists.existing)
    except services.ProjectArchived:
        raise Http404("This project is archived.") from None
    messages.success(
        request, "Project edited" if changes else "Project edited - No changes were made"
    )
    request.session[JUST_EDITED] = project.pk
    _after_save(request, project, form)
    return redirect(_project_url(project))


@require_safe
def similar_projects(request: HttpRequest) -> JsonResponse:
    """Projects with the name or homepage being typed into the form, to prevent duplicates."""
    try:
        exclude = int(request.GET["exclude"]) if request.GET.get("exclude") else None
    except ValueError:
        exclude = None
    found = selectors.similar_projects(
        request.GET.get("name", "")[:200],
        redact(request.GET.get("homepage", ""))[:200],
        exclude=exclude,
    )
    return JsonResponse(
        {
            "projects": [
                {
                    "id": project.pk,
                    "name": project.name,
                    "homepage": project.homepage,
                    "backend": project.backend,
                    "url": _project_url(project),
                }
                for project in found
            ]
        }
    )


# -- flags and mappings -----------------------------------------------------------------------


@login_required
def project_flag(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _get_project(project_id)
    form = FlagForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_create(project, author=request.user, reason=form.cleaned_data["reason"])
        except services.InvalidInput as invalid:
            for field, message in invalid.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, "Project flagged for admin review")
            return redirect(_project_url(project))
    status = 400 if form.is_bound else 200
    return render(
        request, "projects/flag_form.html", {"form": form, "project": project}, status=status
    )


def _clash_message(clash: services.MappingClash) -> str:
    return format_html(
        "Could not edit the mapping of {name} on {distro}, there is already a package {name} on "
        '{distro} as part of the project <a href="{url}">{owner}</a>.',
        name=clash.package_name,
        distro=clash.distro,
        url=_project_url(clash.owner),
        owner=clash.owner.name,
    )


@login_required
def project_map(
    request: HttpRequest, project_id: int, package_id: int | None = None
) -> HttpResponse:
    """Add a mapping, or edit one (``package_id``); a new distro name creates the distro."""
    project = _editable_project(project_id)
    package = None
    if package_id is not None:
        package = get_object_or_404(
            Package.objects.select_related("distro"), pk=package_id, project=project
        )
    if request.method == "POST":
        form = MappingForm(request.POST)
        if form.is_valid():
            try:
                services.package_map(
                    project,
                    distro=form.cleaned_data["distro"],
                    package_name=form.cleaned_data["package_name"],
                    agent=_agent(request),
                    previous=package,
                    create_distro=True,
                )
            except services.MappingClash as clash:
                form.add_error("package_name", _clash_message(clash))
            except services.InvalidInput as invalid:
                form.add_service_errors(invalid)
            except services.ServiceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Mapping edited" if package else "Mapping added")
                return redirect(_project_url(project))
        status = 400
    elif request.method in ("GET", "HEAD"):
        if package is not None:
            initial = {"distro": package.distro.name, "package_name": package.package_name}
        else:
            initial = {
                "distro": request.GET.get("distro", ""),
                "package_name": request.GET.get("package_name") or project.name,
            }
        form, status = MappingForm(initial=initial), 200
    else:
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    return render(
        request,
        "projects/mapping_form.html",
        {
            "form": form,
            "project": project,
            "package": package,
            "distro_names": selectors.distro_list().values_list("name", flat=True),
        },
        status=status,
    )


# -- distros ----------------------------------------------------------------------------------


@require_safe
def distro_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "projects/distro_list.html",
        {"page": _page(request, selectors.distro_list()), "is_admin": _is_admin(request)},
    )


@require_safe
def distro_detail(request: HttpRequest, name: str) -> HttpResponse:
    distro = selectors.distro_by_name(name)
    if distro is None:
        raise Http404("No such distribution.")
    return render(
        request,
        "projects/project_list.html",
        {
            "title": f"Projects of {distro.name}",
            "page": _page(request, selectors.projects_in_distro(distro.name)),
            "distro": distro,
        },
    )


@require_safe
def distro_redirect(request: HttpRequest, name: str) -> HttpResponse:
    """``/distros/<name>/``: the URL message consumers were given (contract pitfall 33)."""
    return redirect("projects:distro", name, permanent=True)


@login_required
def distro_add(request: HttpRequest) -> HttpResponse:
    form = DistroForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                distro = services.distro_create(form.cleaned_data["name"], agent=_agent(request))
            except services.DistroExists:
                form.add_error("name", "Could not add this distro, already exists?")
                status = 409
            except services.InvalidInput as invalid:
                form.add_error("name", invalid.errors.get("name", str(invalid)))
            else:
                messages.success(request, f"Distribution {distro.name} added")
                return redirect(distro_url(distro.name) or reverse("projects:distros"))
    return render(request, "projects/distro_form.html", {"form": form}, status=status)


def _distro_admin(request: HttpRequest, name: str, action: str) -> HttpResponse:
    distro = selectors.distro_by_name(name)
    if distro is None:
        raise Http404("No such distribution.")
    if not _is_admin(request):
        return _unauthorized(request)
    return redirect(f"admin:projects_distro_{action}", distro.pk)


@login_required
def distro_edit(request: HttpRequest, name: str) -> HttpResponse:
    """Renaming is moderation: administrators do it in the admin."""
    return _distro_admin(request, name, "change")


@login_required
def distro_delete(request: HttpRequest, name: str) -> HttpResponse:
    return _distro_admin(request, name, "delete")


# -- administrators' controls on the project page ---------------------------------------------


def _confirmed(request: HttpRequest) -> bool:
    """Destructive actions need the ``confirm`` field; without it nothing happens."""
    return bool(request.POST.get("confirm"))


@login_required
@require_POST
def project_archive(request: HttpRequest, project_id: int, state: str) -> HttpResponse:
    if not _is_admin(request):
        return _unauthorized(request)
    if state.lower() not in {"true", "false"}:
        return HttpResponse(
            f'"{state}" is not a valid state: use true or false.',
            status=422,
            content_type="text/plain",
        )
    project = _get_project(project_id)
    if _confirmed(request):
        archived = state.lower() == "true"
        changed = services.project_set_archived(project, archived, agent=_agent(request))
        if changed:
            messages.success(request, "Project archived" if archived else "Project unarchived")
        else:
            messages.info(request, "Project unchanged")
    return redirect(_project_url(project))


@admin_required
def project_delete(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _get_project(project_id)
    if request.method == "POST" and _confirmed(request):
        name = project.name
        services.project_delete(project, agent=_agent(request))
        messages.success(request, f"Project {name} has been removed")
        return redirect("projects:list")
    if request.method not in {"GET", "HEAD", "POST"}:
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    return render(
        request,
        "projects/confirm.html",
        {
            "project": project,
            "title": f"Delete project {project.name}",
            "question": format_html(
                "Delete <strong>{}</strong> with its {} version(s), {} mapping(s) and {} "
                "flag(s)? This cannot be undone.",
                project.name,
                project.versions.count(),
                project.packages.count(),
                project.flags.count(),
            ),
            "action": reverse("projects:delete", args=[project.pk]),
            "button": "Delete project",
        },
    )


@admin_required
def versions_delete(request: HttpRequest, project_id: int) -> HttpResponse:
    """Delete every version of a project (the latest version is reset)."""
    project = _get_project(project_id)
    if request.method == "POST" and _confirmed(request):
        deleted = services.versions_delete(project, None, agent=_agent(request))
        messages.success(request, f"{len(deleted)} version(s) of {project.name} deleted")
        return redirect(_project_url(project))
    if request.method not in {"GET", "HEAD", "POST"}:
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    return render(
        request,
        "projects/confirm.html",
        {
            "project": project,
            "title": f"Delete all versions of {project.name}",
            "question": format_html(
                "Delete all {} version(s) of <strong>{}</strong>?",
                project.versions.count(),
                project.name,
            ),
            "action": reverse("projects:delete_versions", args=[project.pk]),
            "button": "Delete all versions",
        },
    )


@admin_required
@require_POST
def version_delete(request: HttpRequest, project_id: int) -> HttpResponse:
    """Delete one version, named by its raw string in the body (any string works, unlike
    Anitya's URL, pitfall 32)."""
    project = _get_project(project_id)
    raw = request.POST.get("version", "")
    # A NUL character names no version (and PostgreSQL refuses it in a query).
    if "\x00" in raw or not project.versions.filter(version=raw).exists():
        raise Http404("No such version.")
    if _confirmed(request):
        services.versions_delete(project, [raw], agent=_agent(request))
        messages.success(request, f"Version {raw} of {project.name} deleted")
    return redirect(_project_url(project))


@admin_required
def mapping_delete(request: HttpRequest, project_id: int, package_id: int) -> HttpResponse:
    project = _get_project(project_id)
    package = get_object_or_404(
        Package.objects.select_related("distro"), pk=package_id, project=project
    )
    if request.method == "POST" and _confirmed(request):
        services.package_unmap(package, agent=_agent(request))
        messages.success(request, f"Mapping {package.package_name} on {package.distro} deleted")
        return redirect(_project_url(project))
    if request.method not in {"GET", "HEAD", "POST"}:
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    return render(
        request,
        "projects/confirm.html",
        {
            "project": project,
            "title": "Delete a mapping",
            "question": format_html(
                "Delete the mapping of <strong>{}</strong> to the package {} of {}?",
                project.name,
                package.package_name,
                package.distro.name,
            ),
            "action": request.path,
            "button": "Delete mapping",
        },
    )


@admin_required
@require_POST
def flag_set_state(request: HttpRequest, flag_id: int, state: str) -> HttpResponse:
    """Anitya's ``/flags/<id>/set/<state>``: close (or reopen) a flag from its project's page,
    then back to that page."""
    flag = get_object_or_404(Flag.objects.select_related("project"), pk=flag_id)
    try:
        changed = services.flag_set_state(flag, state.lower(), agent=_agent(request))
    except services.InvalidInput as invalid:
        return HttpResponse(invalid.errors["state"], status=422, content_type="text/plain")
    if changed:
        messages.success(
            request, f"Flag #{flag.pk} {'closed' if flag.state == 'closed' else 'reopened'}"
        )
    else:
        messages.info(request, f"Flag #{flag.pk} unchanged")
    return redirect(_project_url(flag.project))


@admin_required
@require_safe
def flags(request: HttpRequest) -> HttpResponse:
    """Flags are triaged in the admin (open ones first)."""
    return redirect(reverse("admin:projects_flag_changelist") + "?state__exact=open")


@admin_required
@require_safe
def users(request: HttpRequest) -> HttpResponse:
    return redirect("admin:accounts_user_changelist")
